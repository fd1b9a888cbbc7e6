//! Password guessing: failed log-ins and link passwords are limited per account (or
//! link) and per client address, and parallel guesses get no more password checks
//! than sequential ones; sign-ups are limited per client address; Argon2 work is
//! bounded; over-long passwords are refused before any hashing.

use crate::support::TestServer;
use frontend::api::types::{ShareCreated, UploadCommitted};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// `POST /api/v1/auth/login` as `client` (an `X-Forwarded-For` address, if any).
async fn login(
    server: &TestServer,
    username: impl AsRef<str>,
    password: impl AsRef<str>,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"username": username.as_ref(), "password": password.as_ref()}));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.unwrap()
}

/// The statuses of `responses`, counted.
async fn statuses(responses: Vec<reqwest::Response>) -> std::collections::BTreeMap<u16, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for response in responses {
        let status = response.status();
        let retry_after = response.headers().get("retry-after").cloned();
        let body: serde_json::Value = response.json().await.unwrap();
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            let secs: u64 = retry_after
                .expect("a 429 or 503 says when to retry")
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(secs >= 1, "{secs}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("wait {secs} seconds")),
                "{body}"
            );
        }
        assert!(body["error"]["code"].is_string(), "{body}");
        *counts.entry(status.as_u16()).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn parallel_wrong_guesses_get_only_the_allowed_checks_and_lock_only_that_user() {
    let server = TestServer::start().await;
    server.user("alice").await;
    server.user("bob").await;
    // Logging in does not count against anyone.
    for _ in 0..8 {
        assert_eq!(
            login(&server, "alice", "correct horse", None)
                .await
                .status(),
            StatusCode::OK
        );
    }
    let guesses = (0..30).map(|i| login(&server, "alice", format!("guess {i}"), None));
    let counts = statuses(futures::future::join_all(guesses).await).await;
    assert_eq!(
        counts,
        [(401, 5), (429, 25)].into_iter().collect(),
        "5 wrong passwords are checked per user, however many come at once"
    );
    // Alice is locked out, even with her password; bob, from the same address, is not.
    let locked = login(&server, "alice", "correct horse", None).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = locked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too-many-attempts");
    assert_eq!(
        login(&server, "bob", "correct horse", None).await.status(),
        StatusCode::OK
    );
    // The log-in form says so too.
    let form = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login", server.base))
        .form(&[("username", "alice"), ("password", "correct horse")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    let location = form.headers()["location"].to_str().unwrap();
    assert!(
        location.contains("too%20many%20wrong%20passwords"),
        "{location}"
    );
}

#[tokio::test]
async fn parallel_wrong_link_passwords_get_only_the_allowed_checks() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let committed: UploadCommitted = alice
        .post_file("/a.txt", b"hello".to_vec())
        .await
        .json()
        .await
        .unwrap();
    let link: ShareCreated = alice
        .json(
            Method::POST,
            "/api/v1/shares",
            &json!({"file_id": committed.file.id, "kind": "link", "permission": "viewer", "password": "open sesame"}),
        )
        .await
        .unwrap();
    let token = link.url.unwrap().trim_start_matches("/s/").to_string();
    let http = reqwest::Client::new();
    let unlock = |password: String| {
        http.post(format!("{}/api/v1/s/{token}/unlock", server.base))
            .json(&json!({ "password": password }))
            .send()
    };
    let guesses = (0..30).map(|i| unlock(format!("guess {i}")));
    let responses = futures::future::try_join_all(guesses).await.unwrap();
    assert_eq!(
        statuses(responses).await,
        [(401, 5), (429, 25)].into_iter().collect()
    );
    let too_long = unlock("x".repeat(1025)).await.unwrap();
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_client_address_is_limited_over_all_usernames_behind_a_trusted_proxy_only() {
    // Behind a proxy Cairn trusts, each client is counted by the address it names.
    let server = TestServer::start_with(|config| {
        config.trusted_proxies = vec![backend::domain::IpNetwork::parse("127.0.0.1").unwrap()]
    })
    .await;
    server.user("alice").await;
    for i in 0..20 {
        let response = login(&server, &format!("user{i}"), "wrong", Some("198.51.100.1")).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let blocked = login(&server, "user20", "wrong", Some("198.51.100.1")).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let blocked = login(&server, "alice", "correct horse", Some("198.51.100.1")).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    // A proxy appends the address it heard from; what the client put first is not
    // believed.
    let spoofed = login(
        &server,
        "user21",
        "wrong",
        Some("203.0.113.9, 198.51.100.1"),
    )
    .await;
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        login(&server, "alice", "correct horse", Some("198.51.100.2"))
            .await
            .status(),
        StatusCode::OK
    );

    // Without trusted proxies the header is ignored: every guess counts against the
    // connection's own address, whatever it names.
    let server = TestServer::start().await;
    server.user("alice").await;
    for i in 0..20 {
        let forwarded = format!("198.51.100.{i}");
        let response = login(&server, &format!("user{i}"), "wrong", Some(&forwarded)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let blocked = login(&server, "alice", "correct horse", Some("198.51.100.200")).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn sign_ups_are_limited_per_client_address() {
    let server = TestServer::start_with(|config| config.signups_per_hour = 3).await;
    let signup = |username: String| {
        reqwest::Client::new()
            .post(format!("{}/api/v1/auth/signup", server.base))
            .json(&json!({"username": username, "password": "correct horse"}))
            .send()
    };
    for i in 0..3 {
        assert_eq!(
            signup(format!("user{i}")).await.unwrap().status(),
            StatusCode::CREATED
        );
    }
    let refused = signup("user3".into()).await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too-many-signups", "{body}");
    // The accounts made can still log in.
    assert_eq!(
        login(&server, "user0", "correct horse", None)
            .await
            .status(),
        StatusCode::OK
    );

    let unlimited = TestServer::start_with(|config| config.signups_per_hour = 0).await;
    for i in 0..5 {
        unlimited.user(&format!("user{i}")).await;
    }
}

#[tokio::test]
async fn over_long_passwords_are_refused_before_hashing() {
    let server = TestServer::start().await;
    let long = "x".repeat(1025);
    let nobody = server.anonymous();
    for path in ["/api/v1/auth/signup", "/api/v1/auth/login"] {
        let failure = nobody
            .json::<_, serde_json::Value>(
                Method::POST,
                path,
                &json!({"username": "alice", "password": long}),
            )
            .await
            .unwrap_err();
        assert_eq!(failure.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(failure.body.error.code, "password-too-long", "{path}");
        assert!(failure.body.error.message.contains("1024 bytes"), "{path}");
    }
    // The longest allowed one works.
    let longest = "x".repeat(1024);
    nobody
        .json::<_, serde_json::Value>(
            Method::POST,
            "/api/v1/auth/signup",
            &json!({"username": "alice", "password": longest}),
        )
        .await
        .unwrap();
    assert_eq!(
        login(&server, "alice", &longest, None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn argon2_work_is_bounded_and_the_rest_is_told_to_wait() {
    let server = TestServer::start_with(|config| {
        config.login_failures_per_client = 0;
        config.password_hashes = 1;
        config.password_queue = 1;
    })
    .await;
    let guesses = (0..30).map(|i| login(&server, format!("user{i}"), "wrong", None));
    let counts = statuses(futures::future::join_all(guesses).await).await;
    assert!(counts.get(&503).copied().unwrap_or(0) > 0, "{counts:?}");
    assert_eq!(
        counts.keys().copied().collect::<Vec<_>>(),
        vec![401, 503],
        "{counts:?}"
    );
}
