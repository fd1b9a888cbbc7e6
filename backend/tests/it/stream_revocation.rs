//! An open change stream lasts no longer than the credential it was opened with:
//! logging out, or revoking the API token, ends it within a few seconds, while
//! streams of credentials that still hold go on.

use crate::support::TestServer;
use frontend::api::types::{CreatedToken, LoginResponse};
use futures::stream::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

/// Generous: the server re-checks every few seconds; this only stops a hung test.
const PATIENCE: Duration = Duration::from_secs(20);

/// Opens the change stream with `headers`.
async fn open(server: &TestServer, headers: &[(&str, String)]) -> reqwest::Response {
    let mut request =
        reqwest::Client::new().get(format!("{}/api/v1/notifications/stream", server.base));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response
}

/// Reads the stream until it ends; what it sent.
async fn until_it_ends(response: reqwest::Response) -> String {
    let mut body = response.bytes_stream();
    let mut text = String::new();
    tokio::time::timeout(PATIENCE, async {
        while let Some(bytes) = body.next().await {
            match bytes {
                Ok(bytes) => text.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => break,
            }
        }
    })
    .await
    .expect("the stream ends once its credential is revoked");
    text
}

#[tokio::test]
async fn logging_out_or_revoking_a_token_ends_its_open_streams() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let login: LoginResponse = server
        .anonymous()
        .json(
            Method::POST,
            "/api/v1/auth/login",
            &json!({"username": "alice", "password": "correct horse"}),
        )
        .await
        .unwrap();
    let cookie = format!("cairn_session={}", login.token);
    let token: CreatedToken = alice
        .json(Method::POST, "/api/v1/tokens", &json!({"label": "sync"}))
        .await
        .unwrap();
    let by_cookie = open(&server, &[("cookie", cookie.clone())]).await;
    let by_token = open(
        &server,
        &[("authorization", format!("Bearer {}", token.token))],
    )
    .await;
    let mut by_other_session = open(
        &server,
        &[(
            "authorization",
            format!("Bearer {}", alice.token.clone().unwrap()),
        )],
    )
    .await
    .bytes_stream();

    // The browser logs out (from Cairn's own page).
    let logout = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/logout", server.base))
        .header("cookie", &cookie)
        .header("origin", &server.base)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    until_it_ends(by_cookie).await;

    // The token is revoked from the account page.
    let revoke = alice
        .request(Method::DELETE, &format!("/api/v1/tokens/{}", token.info.id))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    until_it_ends(by_token).await;

    // Alice's other session still streams her changes.
    let created: serde_json::Value = alice
        .json(
            Method::POST,
            "/api/v1/folders",
            &json!({"path": "/Still here"}),
        )
        .await
        .unwrap();
    assert!(created["id"].is_string());
    let mut text = String::new();
    tokio::time::timeout(PATIENCE, async {
        while !text.contains("Still here") {
            let bytes = by_other_session
                .next()
                .await
                .expect("the other session's stream stays open")
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    })
    .await
    .expect("the change arrives");
}
