//! Server-rendered pages answer with the status of what they show: a page that says
//! something is not found answers 404.

use crate::support::TestServer;
use frontend::api::types::{FolderListing, ShareCreated};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A GET sent as written (no client normalises `..` away), with the cookies given;
/// the status and the whole answer.
async fn raw_get(base: &str, path: &str, cookie: Option<&str>) -> (u16, String) {
    let addr = base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let cookie = cookie.map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn pages_of_what_does_not_exist_answer_404() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let cookie = format!("cairn_session={}", alice.token.clone().unwrap());
    alice.post_file("/Trip/a.txt", b"a".to_vec()).await;
    let trip: FolderListing = alice.get("/api/v1/files?path=/Trip").await.unwrap();
    let link: ShareCreated = alice
        .json(
            Method::POST,
            "/api/v1/shares",
            &json!({"file_id": trip.folder.id, "kind": "link", "permission": "viewer"}),
        )
        .await
        .unwrap();
    let link_page = link.url.clone().unwrap();
    let link_path = link_page
        .find("/s/")
        .map(|at| link_page[at..].to_string())
        .unwrap();

    // What exists answers 200.
    for path in [
        "/files".to_string(),
        "/files/Trip".to_string(),
        format!("/details/{}", trip.folder.id),
        link_path.clone(),
        format!("{link_path}/a.txt"),
    ] {
        let (status, text) = raw_get(&server.base, &path, Some(&cookie)).await;
        assert_eq!(status, 200, "{path}: {text}");
    }

    for path in [
        "/files/Nowhere".to_string(),
        "/files/Trip/Nowhere/deeper".to_string(),
        "/files/Trip/a.txt".to_string(),
        "/details/no-such-id".to_string(),
        format!("{link_path}/.."),
        format!("{link_path}/nothing-here.txt"),
        "/s/no-such-token".to_string(),
        "/s/no-such-token/..".to_string(),
        "/no-such-page".to_string(),
    ] {
        let (status, text) = raw_get(&server.base, &path, Some(&cookie)).await;
        assert_eq!(status, 404, "{path}: {text}");
        let lower = text.to_lowercase();
        assert!(
            lower.contains("not found")
                || lower.contains("has expired or was removed")
                || lower.contains("no such"),
            "{path}: {text}"
        );
    }

    // Someone else's file is as absent as a missing one.
    let bob = server.user("bob").await;
    let bob_cookie = format!("cairn_session={}", bob.token.clone().unwrap());
    let (status, text) = raw_get(
        &server.base,
        &format!("/details/{}", trip.folder.id),
        Some(&bob_cookie),
    )
    .await;
    assert_eq!(status, 404, "{text}");
    assert!(!text.contains("a.txt"), "{text}");

    // A search that no name can match is the visitor's mistake, not the server's.
    let (status, text) = raw_get(&server.base, "/search?q=%00", Some(&cookie)).await;
    assert_eq!(status, 400, "{text}");
}

#[tokio::test]
async fn pages_of_ids_and_tokens_no_store_can_hold_answer_404() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let cookie = format!("cairn_session={}", alice.token.clone().unwrap());
    for path in ["/details/a%00b", "/s/a%00b", "/s/a%00b/x"] {
        let (status, text) = raw_get(&server.base, path, Some(&cookie)).await;
        assert_eq!(status, 404, "{path}: {text}");
    }
}
