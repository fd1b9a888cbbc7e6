//! Cross-site request forgery: a page on another site makes the visitor's browser
//! send a state-changing request to Cairn, with the visitor's session cookie. Every
//! such request, to every endpoint that changes something, is refused with 403 and
//! changes nothing; so are log-ins and sign-ups sent from another site's page; the
//! web app's own requests (same origin) and scripts (bearer tokens, no cookie) go on.

use crate::support::{chunk, random_bytes, Client, TestServer};
use frontend::api::types::{
    CreatedToken, FolderListing, LoginResponse, ShareCreated, TrashListing, UploadCommitted,
};
use reqwest::{Method, StatusCode};
use serde_json::json;

const EVIL: &str = "http://evil.example";

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

enum Body {
    None,
    Json(serde_json::Value),
    Form(Vec<(&'static str, String)>),
    Multipart,
    Bytes(Vec<u8>),
}

/// Everything alice can see, to check that nothing changed.
async fn state_of(alice: &Client) -> serde_json::Value {
    let root: FolderListing = alice.get("/api/v1/files?path=/").await.unwrap();
    let docs: FolderListing = alice.get("/api/v1/files?path=/Docs").await.unwrap();
    let trash: TrashListing = alice.get("/api/v1/trash").await.unwrap();
    let tokens: serde_json::Value = alice.get("/api/v1/tokens").await.unwrap();
    let shares: serde_json::Value = alice.get("/api/v1/shares").await.unwrap();
    let names = |listing: &FolderListing| {
        let mut names: Vec<(String, u64)> = listing
            .entries
            .iter()
            .map(|e| (e.name.clone(), e.rev))
            .collect();
        names.sort();
        names
    };
    json!({
        "root": names(&root),
        "docs": names(&docs),
        "trash": trash.entries.iter().map(|e| e.file.id.clone()).collect::<Vec<_>>(),
        "tokens": tokens,
        "shares": shares,
    })
}

#[tokio::test]
async fn no_other_site_can_change_anything_with_the_visitors_cookie() {
    let server = TestServer::start_with(|config| config.bench_endpoints = true).await;
    let alice = server.user("alice").await;
    let committed: UploadCommitted = alice
        .post_file("/Docs/a.txt", b"alice's".to_vec())
        .await
        .json()
        .await
        .unwrap();
    let file = committed.file.id;
    let trashed: UploadCommitted = alice
        .post_file("/old.txt", b"old".to_vec())
        .await
        .json()
        .await
        .unwrap();
    let trashed = trashed.file.id;
    alice
        .request(Method::DELETE, &format!("/api/v1/files/{trashed}"))
        .send()
        .await
        .unwrap();
    let data = random_bytes(1000, 7);
    let (chunks, hash) = chunk(alice.config().await.chunking, &data);
    let upload = alice
        .init("/u.bin", &data, &chunks)
        .await
        .unwrap()
        .upload_id;
    let token: CreatedToken = alice
        .json(Method::POST, "/api/v1/tokens", &json!({"label": "t"}))
        .await
        .unwrap();
    let api_token = token.info.id;
    let inbox: serde_json::Value = alice
        .json(Method::POST, "/api/v1/folders", &json!({"path": "/Inbox"}))
        .await
        .unwrap();
    let inbox = inbox["id"].as_str().unwrap().to_string();
    let link: ShareCreated = alice
        .json(
            Method::POST,
            "/api/v1/shares",
            &json!({"file_id": inbox, "kind": "link", "permission": "upload_only"}),
        )
        .await
        .unwrap();
    let share = link.id;
    let link = link.url.unwrap().trim_start_matches("/s/").to_string();
    let link_upload: serde_json::Value = alice
        .json(
            Method::POST,
            &format!("/api/v1/s/{link}/files/upload/init"),
            &json!({"path": "/x.bin", "size": data.len(), "chunks": chunks.iter().map(frontend::api::types::ChunkAnnouncement::from).collect::<Vec<_>>()}),
        )
        .await
        .unwrap();
    let link_upload = link_upload["upload_id"].as_str().unwrap().to_string();

    // Alice's browser session: the cookie the log-in form sets.
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
    let before = state_of(&alice).await;

    let credentials = || json!({"username": "mallory", "password": "mallory's password"});
    let form = || {
        vec![
            ("username", "mallory".to_string()),
            ("password", "mallory's password".to_string()),
        ]
    };
    // Every route of the router that takes POST, PUT, PATCH or DELETE.
    let rows: Vec<(Method, String, Body)> = vec![
        (
            Method::POST,
            "/api/v1/auth/signup".into(),
            Body::Json(credentials()),
        ),
        (
            Method::POST,
            "/api/v1/auth/login".into(),
            Body::Json(credentials()),
        ),
        (Method::POST, "/api/v1/auth/logout".into(), Body::None),
        (
            Method::POST,
            "/api/v1/tokens".into(),
            Body::Json(json!({"label": "evil"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/tokens/{api_token}"),
            Body::None,
        ),
        (Method::POST, "/api/v1/files".into(), Body::Multipart),
        (Method::DELETE, format!("/api/v1/files/{file}"), Body::None),
        (
            Method::POST,
            format!("/api/v1/files/{file}/move"),
            Body::Json(json!({"path": "/moved.txt"})),
        ),
        (
            Method::POST,
            format!("/api/v1/files/{file}/copy"),
            Body::Json(json!({"path": "/copied.txt"})),
        ),
        (
            Method::POST,
            format!("/api/v1/files/{file}/versions/1/restore"),
            Body::Json(json!({})),
        ),
        (Method::DELETE, "/api/v1/trash".into(), Body::None),
        (
            Method::DELETE,
            format!("/api/v1/trash/{trashed}"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/trash/{trashed}/restore"),
            Body::Json(json!({})),
        ),
        (
            Method::POST,
            "/api/v1/folders".into(),
            Body::Json(json!({"path": "/Evil"})),
        ),
        (
            Method::POST,
            "/api/v1/files/upload/init".into(),
            Body::Json(json!({"path": "/evil.bin", "size": 0, "chunks": []})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/files/upload/{upload}"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/files/upload/{upload}/chunks"),
            Body::Json(json!({"chunks": []})),
        ),
        (
            Method::PUT,
            format!("/api/v1/files/upload/{upload}/chunks?indexes=0"),
            Body::Bytes(data.clone()),
        ),
        (
            Method::PUT,
            format!("/api/v1/files/upload/{upload}/chunks/0"),
            Body::Bytes(data.clone()),
        ),
        (
            Method::POST,
            format!("/api/v1/files/upload/{upload}/complete"),
            Body::Json(json!({"content_hash": hash})),
        ),
        (
            Method::POST,
            "/api/v1/shares".into(),
            Body::Json(json!({"file_id": file, "kind": "link", "permission": "viewer"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/shares/{share}"),
            Body::Json(json!({"permission": "viewer"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/shares/{share}"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/s/{link}/unlock"),
            Body::Json(json!({"password": "x"})),
        ),
        (
            Method::POST,
            format!("/api/v1/s/{link}/files"),
            Body::Multipart,
        ),
        (
            Method::POST,
            format!("/api/v1/s/{link}/files/upload/init"),
            Body::Json(json!({"path": "/evil.bin", "size": 0, "chunks": []})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/s/{link}/files/upload/{link_upload}"),
            Body::None,
        ),
        (
            Method::POST,
            format!("/api/v1/s/{link}/files/upload/{link_upload}/chunks"),
            Body::Json(json!({"chunks": []})),
        ),
        (
            Method::PUT,
            format!("/api/v1/s/{link}/files/upload/{link_upload}/chunks?indexes=0"),
            Body::Bytes(data.clone()),
        ),
        (
            Method::PUT,
            format!("/api/v1/s/{link}/files/upload/{link_upload}/chunks/0"),
            Body::Bytes(data.clone()),
        ),
        (
            Method::POST,
            format!("/api/v1/s/{link}/files/upload/{link_upload}/complete"),
            Body::Json(json!({"content_hash": hash})),
        ),
        (
            Method::PUT,
            "/api/v1/bench/discard".into(),
            Body::Bytes(data.clone()),
        ),
        (Method::POST, "/login".into(), Body::Form(form())),
        (Method::POST, "/signup".into(), Body::Form(form())),
        (Method::POST, "/logout".into(), Body::None),
        (Method::POST, format!("/s/{link}"), Body::Multipart),
        (
            Method::POST,
            format!("/s/{link}"),
            Body::Form(vec![("password", "x".into())]),
        ),
    ];
    let http = browser();
    let send = |method: &Method, path: &str, body: &Body, headers: &[(&str, String)]| {
        let mut request = http.request(method.clone(), format!("{}{path}", server.base));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        match body {
            Body::None => request,
            Body::Json(value) => request.json(value),
            Body::Form(pairs) => request.form(pairs),
            Body::Multipart => request.multipart(
                reqwest::multipart::Form::new()
                    .text("path", "/evil.txt")
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(b"evil".to_vec()).file_name("evil.txt"),
                    ),
            ),
            Body::Bytes(bytes) => request.body(bytes.clone()),
        }
        .send()
    };
    // From another site's page: its origin, or (without Origin) the browser's word
    // that another site sent it; and a browser that says neither.
    let forged: Vec<Vec<(&str, String)>> = vec![
        vec![("cookie", cookie.clone()), ("origin", EVIL.into())],
        vec![
            ("cookie", cookie.clone()),
            ("origin", EVIL.into()),
            ("sec-fetch-site", "cross-site".into()),
        ],
        vec![
            ("cookie", cookie.clone()),
            ("sec-fetch-site", "cross-site".into()),
        ],
        vec![("cookie", cookie.clone()), ("origin", "null".into())],
        vec![("cookie", cookie.clone())],
    ];
    for headers in &forged {
        for (method, path, body) in &rows {
            let response = send(method, path, body, headers).await.unwrap();
            let status = response.status();
            assert!(
                response.headers().get("set-cookie").is_none(),
                "{method} {path} with {headers:?} set a cookie"
            );
            let text = response.text().await.unwrap();
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{method} {path} with {headers:?}: {text}"
            );
            let error: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(error["error"]["code"], "cross-origin-request", "{text}");
            let message = error["error"]["message"].as_str().unwrap();
            assert!(message.contains("Authorization: Bearer"), "{message}");
        }
    }
    // Nothing changed, and alice is still logged in.
    assert_eq!(state_of(&alice).await, before);
    let me = http
        .get(format!("{}/api/v1/me", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let mallory = server
        .anonymous()
        .json::<_, LoginResponse>(Method::POST, "/api/v1/auth/login", &credentials())
        .await
        .unwrap_err();
    assert_eq!(mallory.status, StatusCode::UNAUTHORIZED);

    // The message says where Cairn is.
    let response = send(
        &Method::POST,
        "/api/v1/folders",
        &Body::Json(json!({"path": "/Evil"})),
        &[("cookie", cookie.clone()), ("origin", EVIL.into())],
    )
    .await
    .unwrap();
    let error: serde_json::Value = response.json().await.unwrap();
    let host = server.base.trim_start_matches("http://");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("http(s)://{host}")),
        "{error}"
    );
}

#[tokio::test]
async fn the_web_app_and_scripts_still_change_things() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let http = browser();
    let login = http
        .post(format!("{}/login", server.base))
        .header("origin", &server.base)
        .form(&[("username", "alice"), ("password", "correct horse")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let folder = |path: &str, headers: &[(&str, &str)]| {
        let mut request = http
            .post(format!("{}/api/v1/folders", server.base))
            .json(&json!({ "path": path }));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    // The page's own fetches: same origin, with the cookie.
    let same_origin = folder("/A", &[("cookie", &cookie), ("origin", &server.base)])
        .await
        .unwrap();
    assert_eq!(same_origin.status(), StatusCode::CREATED);
    let https = server.base.replace("http://", "https://");
    let behind_tls = folder("/B", &[("cookie", &cookie), ("origin", &https)])
        .await
        .unwrap();
    assert_eq!(behind_tls.status(), StatusCode::CREATED);
    let fetch_metadata = folder(
        "/C",
        &[("cookie", &cookie), ("sec-fetch-site", "same-origin")],
    )
    .await
    .unwrap();
    assert_eq!(fetch_metadata.status(), StatusCode::CREATED);
    // A script with a bearer token, whatever it says its origin is.
    let token = alice.token.clone().unwrap();
    let bearer = format!("Bearer {token}");
    let script = folder("/D", &[("authorization", &bearer), ("origin", EVIL)])
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::CREATED);
    // curl logging in: no cookie, no Origin.
    let curl = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"username": "alice", "password": "correct horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(curl.status(), StatusCode::OK);
    // Logging out from Cairn's own page ends the session.
    let logout = http
        .post(format!("{}/logout", server.base))
        .header("cookie", &cookie)
        .header("origin", &server.base)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    let me = http
        .get(format!("{}/api/v1/me", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_configured_public_url_is_the_only_origin_accepted() {
    let server = TestServer::start_with(|config| {
        config.public_url = Some("https://files.example.org".into())
    })
    .await;
    server.user("alice").await;
    let http = browser();
    let login = |origin: &str| {
        http.post(format!("{}/api/v1/auth/login", server.base))
            .header("origin", origin)
            .json(&json!({"username": "alice", "password": "correct horse"}))
            .send()
    };
    assert_eq!(
        login(&server.base).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        login("https://files.example.org").await.unwrap().status(),
        StatusCode::OK
    );
}
