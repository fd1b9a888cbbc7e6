//! Sharing: the share API (create, list, change, revoke, with its validation), what
//! each kind of link may and may not do, paths that try to leave a share's root,
//! the link password and its rate limit, download counts, and the headers of link
//! answers.

use crate::support::{chunk, random_bytes, Client, TestServer};
use frontend::api::types::{
    ChunkAnnouncement, ShareCreated, ShareInfo, ShareList, SharePage, UploadCommitted,
    UploadComplete, UploadInit, UploadInitResponse,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A client that does not follow redirects, to see what the forms answer.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn share(client: &Client, body: serde_json::Value) -> Result<ShareCreated, StatusCode> {
    client
        .json::<_, ShareCreated>(Method::POST, "/api/v1/shares", &body)
        .await
        .map_err(|failure| failure.status)
}

async fn patch(
    client: &Client,
    id: &str,
    body: serde_json::Value,
) -> Result<ShareInfo, StatusCode> {
    client
        .json::<_, ShareInfo>(Method::PATCH, &format!("/api/v1/shares/{id}"), &body)
        .await
        .map_err(|failure| failure.status)
}

fn token_of(created: &ShareCreated) -> String {
    created
        .url
        .as_deref()
        .and_then(|url| url.strip_prefix("/s/"))
        .expect("a link has a /s/{token} address")
        .to_string()
}

/// Alice's tree: `/Trip` (shared) with `a.txt` and `sub/b.bin`, `/Inbox` (for file
/// requests) with `cv.txt`, and `/secret.txt` outside both.
struct Fixture {
    server: TestServer,
    alice: Client,
    trip: String,
    inbox: String,
    a_txt: Vec<u8>,
    a_txt_id: String,
}

async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

async fn fixture_with(adjust: impl FnOnce(&mut backend::config::Config)) -> Fixture {
    let server = TestServer::start_with(adjust).await;
    let alice = server.user("alice").await;
    let a_txt = b"hello from the trip".to_vec();
    let (a, _) = alice.upload("/Trip/a.txt", &a_txt).await;
    alice
        .upload("/Trip/sub/b.bin", &random_bytes(70_000, 3))
        .await;
    alice.upload("/Inbox/cv.txt", b"the original cv").await;
    alice.upload("/secret.txt", b"TOP SECRET").await;
    let trip = alice
        .get::<serde_json::Value>("/api/v1/files?path=/Trip")
        .await
        .unwrap()["folder"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let inbox = alice
        .get::<serde_json::Value>("/api/v1/files?path=/Inbox")
        .await
        .unwrap()["folder"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    Fixture {
        server,
        alice,
        trip,
        inbox,
        a_txt,
        a_txt_id: a.file.id,
    }
}

#[tokio::test]
async fn shares_are_made_listed_changed_and_revoked_with_readable_refusals() {
    let f = fixture().await;
    let bob = f.server.user("bob").await;
    let trip = f.trip.as_str();

    let link = share(
        &f.alice,
        json!({"file_id": trip, "kind": "link", "permission": "viewer"}),
    )
    .await
    .unwrap();
    let token = token_of(&link);
    assert_eq!(token.len(), 32, "128 bits as hex: {token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));

    let refusals = [
        (
            json!({"file_id": trip, "kind": "link", "permission": "editor"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"file_id": f.a_txt_id, "kind": "link", "permission": "upload_only"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"file_id": "nope", "kind": "link", "permission": "viewer"}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"file_id": trip, "kind": "link", "permission": "viewer", "expires_at": now_ms() - 1000}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"file_id": trip, "kind": "user", "permission": "viewer", "username": "nobody"}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"file_id": trip, "kind": "user", "permission": "viewer", "username": "alice"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"file_id": trip, "kind": "user", "permission": "upload_only", "username": "bob"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"file_id": trip, "kind": "user", "permission": "viewer"}),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (body, status) in refusals {
        assert_eq!(
            share(&f.alice, body.clone()).await.err(),
            Some(status),
            "{body}"
        );
    }
    // Bob cannot share Alice's folder: to him it does not exist.
    assert_eq!(
        share(
            &bob,
            json!({"file_id": trip, "kind": "link", "permission": "viewer"})
        )
        .await
        .err(),
        Some(StatusCode::NOT_FOUND)
    );

    let with_bob = share(
        &f.alice,
        json!({"file_id": trip, "kind": "user", "permission": "editor", "username": "bob"}),
    )
    .await
    .unwrap();
    assert_eq!(with_bob.url, None);
    assert_eq!(
        share(
            &f.alice,
            json!({"file_id": trip, "kind": "user", "permission": "viewer", "username": "bob"})
        )
        .await
        .err(),
        Some(StatusCode::CONFLICT)
    );

    let made: ShareList = f.alice.get("/api/v1/shares").await.unwrap();
    assert_eq!(made.made.len(), 2);
    assert!(made.received.is_empty());
    let link_info = made.made.iter().find(|s| s.id == link.id).unwrap();
    assert_eq!(link_info.path, "/Trip");
    assert_eq!(
        link_info.url.as_deref(),
        Some(format!("/s/{token}").as_str())
    );
    assert!(!link_info.has_password);
    let received: ShareList = bob.get("/api/v1/shares").await.unwrap();
    assert!(received.made.is_empty());
    assert_eq!(received.received.len(), 1);
    assert_eq!(received.received[0].path, "/Shared with me/Trip");
    assert_eq!(received.received[0].owner, "alice");
    assert_eq!(received.received[0].recipient.as_deref(), Some("bob"));
    let of_file: ShareList = f
        .alice
        .get(&format!("/api/v1/shares?file_id={}", f.a_txt_id))
        .await
        .unwrap();
    assert!(of_file.made.is_empty());

    // Changes: password on, expiry on and off, refusals.
    let later = now_ms() + 3_600_000;
    let changed = patch(
        &f.alice,
        &link.id,
        json!({"password": "open sesame", "expires_at": later}),
    )
    .await
    .unwrap();
    assert!(changed.has_password);
    assert_eq!(changed.expires_at, Some(later));
    let changed = patch(
        &f.alice,
        &link.id,
        json!({"remove_password": true, "remove_expiry": true}),
    )
    .await
    .unwrap();
    assert!(!changed.has_password);
    assert_eq!(changed.expires_at, None);
    assert_eq!(
        patch(&f.alice, &link.id, json!({"expires_at": 1000}))
            .await
            .err(),
        Some(StatusCode::BAD_REQUEST)
    );
    assert_eq!(
        patch(&f.alice, &link.id, json!({"permission": "editor"}))
            .await
            .err(),
        Some(StatusCode::BAD_REQUEST)
    );
    assert_eq!(
        patch(&f.alice, &with_bob.id, json!({"password": "secret"}))
            .await
            .err(),
        Some(StatusCode::BAD_REQUEST)
    );
    assert_eq!(
        patch(&bob, &link.id, json!({"remove_expiry": true}))
            .await
            .err(),
        Some(StatusCode::NOT_FOUND)
    );
    let viewer = patch(&f.alice, &with_bob.id, json!({"permission": "viewer"}))
        .await
        .unwrap();
    assert_eq!(
        viewer.permission,
        frontend::api::types::SharePermission::Viewer
    );

    // Revoking: the recipient may drop a user share, not the owner's link.
    let delete = |client: &Client, id: &str| {
        client
            .request(Method::DELETE, &format!("/api/v1/shares/{id}"))
            .send()
    };
    assert_eq!(
        delete(&bob, &link.id).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        delete(&bob, &with_bob.id).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(&f.alice, &link.id).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(&f.alice, &link.id).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let after: ShareList = f.alice.get("/api/v1/shares").await.unwrap();
    assert!(after.made.is_empty(), "{:?}", after.made);
    let anonymous = f.server.anonymous();
    assert_eq!(
        anonymous
            .get::<ShareList>("/api/v1/shares")
            .await
            .err()
            .map(|e| e.status),
        Some(StatusCode::UNAUTHORIZED)
    );
}

/// The operations a link holder may try, each answering a status.
async fn try_all(
    server: &TestServer,
    token: &str,
    share_id: &str,
) -> Vec<(&'static str, StatusCode)> {
    let client = server.anonymous();
    let get = |path: String| client.request(Method::GET, &path).send();
    let base = format!("/api/v1/s/{token}");
    let mut res = Vec::new();
    res.push(("list", get(base.clone()).await.unwrap().status()));
    res.push((
        "download file",
        get(format!("{base}/content/a.txt")).await.unwrap().status(),
    ));
    res.push((
        "download zip",
        get(format!("{base}/content")).await.unwrap().status(),
    ));
    res.push((
        "range download",
        client
            .request(Method::GET, &format!("{base}/content/a.txt"))
            .header("Range", "bytes=1-3")
            .send()
            .await
            .unwrap()
            .status(),
    ));
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"sent by a visitor".to_vec()).file_name("visitor.txt"),
    );
    res.push((
        "upload",
        client
            .request(Method::POST, &format!("{base}/files"))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .status(),
    ));
    res.push((
        "create share",
        client
            .request(Method::POST, "/api/v1/shares")
            .json(&json!({"file_id": "x", "kind": "link", "permission": "viewer"}))
            .send()
            .await
            .unwrap()
            .status(),
    ));
    res.push((
        "revoke",
        client
            .request(Method::DELETE, &format!("/api/v1/shares/{share_id}"))
            .send()
            .await
            .unwrap()
            .status(),
    ));
    res
}

#[tokio::test]
async fn each_kind_of_link_allows_exactly_its_operations() {
    let f = fixture().await;
    let (trip, inbox) = (f.trip.as_str(), f.inbox.as_str());
    let viewer = share(
        &f.alice,
        json!({"file_id": trip, "kind": "link", "permission": "viewer"}),
    )
    .await
    .unwrap();
    let request = share(
        &f.alice,
        json!({"file_id": inbox, "kind": "link", "permission": "upload_only"}),
    )
    .await
    .unwrap();
    let protected = share(
        &f.alice,
        json!({"file_id": trip, "kind": "link", "permission": "viewer", "password": "open sesame"}),
    )
    .await
    .unwrap();
    let revoked = share(
        &f.alice,
        json!({"file_id": trip, "kind": "link", "permission": "viewer"}),
    )
    .await
    .unwrap();
    let status = f
        .alice
        .request(Method::DELETE, &format!("/api/v1/shares/{}", revoked.id))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    let expires_at = now_ms() + 1000;
    let expired = share(
        &f.alice,
        json!({"file_id": trip, "kind": "link", "permission": "viewer", "expires_at": expires_at}),
    )
    .await
    .unwrap();

    use StatusCode as S;
    const NOT_LOGGED_IN: [(&str, StatusCode); 2] = [
        ("create share", S::UNAUTHORIZED),
        ("revoke", S::UNAUTHORIZED),
    ];
    let expect = |rows: [(&'static str, StatusCode); 5]| {
        rows.into_iter().chain(NOT_LOGGED_IN).collect::<Vec<_>>()
    };
    let cases = [
        (
            "viewer link",
            token_of(&viewer),
            viewer.id.clone(),
            expect([
                ("list", S::OK),
                ("download file", S::OK),
                ("download zip", S::OK),
                ("range download", S::PARTIAL_CONTENT),
                ("upload", S::FORBIDDEN),
            ]),
        ),
        (
            "file request",
            token_of(&request),
            request.id.clone(),
            expect([
                ("list", S::OK),
                ("download file", S::FORBIDDEN),
                ("download zip", S::FORBIDDEN),
                ("range download", S::FORBIDDEN),
                ("upload", S::CREATED),
            ]),
        ),
        (
            "password link, no password given",
            token_of(&protected),
            protected.id.clone(),
            expect([
                ("list", S::OK),
                ("download file", S::UNAUTHORIZED),
                ("download zip", S::UNAUTHORIZED),
                ("range download", S::UNAUTHORIZED),
                ("upload", S::UNAUTHORIZED),
            ]),
        ),
        (
            "revoked link",
            token_of(&revoked),
            revoked.id.clone(),
            expect([
                ("list", S::NOT_FOUND),
                ("download file", S::NOT_FOUND),
                ("download zip", S::NOT_FOUND),
                ("range download", S::NOT_FOUND),
                ("upload", S::NOT_FOUND),
            ]),
        ),
        (
            "no link (a made-up token)",
            "0123456789abcdef0123456789abcdef".to_string(),
            "made-up".to_string(),
            expect([
                ("list", S::NOT_FOUND),
                ("download file", S::NOT_FOUND),
                ("download zip", S::NOT_FOUND),
                ("range download", S::NOT_FOUND),
                ("upload", S::NOT_FOUND),
            ]),
        ),
    ];
    for (name, token, id, expected) in &cases {
        assert_eq!(&try_all(&f.server, token, id).await, expected, "{name}");
    }

    // The file request's page shows nothing of what its folder holds; the password
    // link's page shows only that it needs one.
    let anonymous = f.server.anonymous();
    let page: SharePage = anonymous
        .get(&format!("/api/v1/s/{}", token_of(&request)))
        .await
        .unwrap();
    assert!(page.entries.is_empty() && page.file.is_none());
    let page: SharePage = anonymous
        .get(&format!("/api/v1/s/{}", token_of(&protected)))
        .await
        .unwrap();
    assert!(page.needs_password);
    assert!(page.entries.is_empty() && page.name.is_empty());
    let page: SharePage = anonymous
        .get(&format!("/api/v1/s/{}?path=/sub", token_of(&viewer)))
        .await
        .unwrap();
    let names: Vec<&str> = page.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["b.bin"]);
    assert_eq!(page.entries[0].path, "/sub/b.bin");

    // The expired link: wait until its expiry, which the test set, has passed.
    let wait = expires_at + 50 - now_ms();
    if wait > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
    }
    let expected = expect([
        ("list", S::GONE),
        ("download file", S::GONE),
        ("download zip", S::GONE),
        ("range download", S::GONE),
        ("upload", S::GONE),
    ]);
    assert_eq!(
        try_all(&f.server, &token_of(&expired), &expired.id).await,
        expected,
        "expired link"
    );
    // The visitor's upload went to the inbox, beside what was there.
    let inbox: serde_json::Value = f.alice.get("/api/v1/files?path=/Inbox").await.unwrap();
    let names: Vec<&str> = inbox["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cv.txt", "visitor.txt"]);
}

/// Sends a request line as given, unnormalised, and answers the status and body.
async fn raw_get(base: &str, path: &str) -> (u16, String) {
    let addr = base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
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
async fn paths_never_leave_the_shared_folder() {
    let f = fixture().await;
    let viewer = share(
        &f.alice,
        json!({"file_id": f.trip, "kind": "link", "permission": "viewer"}),
    )
    .await
    .unwrap();
    let token = token_of(&viewer);
    let listings = [
        "..",
        "../secret.txt",
        "%2e%2e",
        "%2E%2E%2Fsecret.txt",
        "sub/../../secret.txt",
        "sub%2F..%2F..%2Fsecret.txt",
        "..%5Csecret.txt",
        "%5C..%5Csecret.txt",
        "//secret.txt",
        "/./sub",
    ];
    for attempt in listings {
        let (status, body) =
            raw_get(&f.server.base, &format!("/api/v1/s/{token}?path={attempt}")).await;
        assert!(
            (400..500).contains(&status),
            "list {attempt}: {status} {body}"
        );
        assert!(
            !body.contains("secret.txt\",\"path"),
            "list {attempt}: {body}"
        );
    }
    let downloads = [
        "../secret.txt",
        "..%2fsecret.txt",
        "..%2Fsecret.txt",
        "%2e%2e/secret.txt",
        "%2e%2e%2fsecret.txt",
        "sub/../../secret.txt",
        "sub/%2e%2e/%2e%2e/secret.txt",
        "..%5csecret.txt",
        "..\\secret.txt",
        "sub%2f..%2f..%2fsecret.txt",
        "/secret.txt",
        "./a.txt",
    ];
    for attempt in downloads {
        let (status, body) = raw_get(
            &f.server.base,
            &format!("/api/v1/s/{token}/content/{attempt}"),
        )
        .await;
        assert!(
            (400..500).contains(&status),
            "download {attempt}: {status} {body}"
        );
        assert!(
            !body.contains("TOP SECRET"),
            "download {attempt} leaked the secret"
        );
    }
    // The page of a link too.
    for attempt in ["..", "%2e%2e", "sub/%2e%2e/%2e%2e"] {
        let (status, body) = raw_get(&f.server.base, &format!("/s/{token}/{attempt}")).await;
        assert!(
            !body.contains("TOP SECRET") && !body.contains("secret.txt"),
            "page {attempt}: {status}"
        );
    }
    // What is inside stays reachable, with a '/' plain or encoded between names.
    for path in ["sub/b.bin", "sub%2Fb.bin", "sub%2fb.bin"] {
        let (status, body) =
            raw_get(&f.server.base, &format!("/api/v1/s/{token}/content/{path}")).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, body) = raw_get(&f.server.base, &format!("/api/v1/s/{token}/content/a.txt")).await;
    assert_eq!(status, 200);
    assert!(body.ends_with("hello from the trip"));
}

fn cookie_of(response: &reqwest::Response, path: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains(&format!("Path={path}")))
        .map(str::to_string)
}

#[tokio::test]
async fn a_password_opens_the_link_and_guessing_is_rate_limited() {
    let f = fixture_with(|config| config.share_password_window_secs = 2).await;
    let created = share(
        &f.alice,
        json!({"file_id": f.trip, "kind": "link", "permission": "viewer", "password": "open sesame"}),
    )
    .await
    .unwrap();
    let token = token_of(&created);
    let http = browser();
    let page_url = format!("{}/s/{token}", f.server.base);
    let attempt = |password: &str| http.post(&page_url).form(&[("password", password)]).send();

    // Without the password the page shows the form, and nothing of the folder.
    let page = http.get(&page_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"password\""), "{html}");
    assert!(!html.contains("a.txt"));

    for i in 0..5 {
        let wrong = attempt("open barley").await.unwrap();
        assert_eq!(wrong.status(), StatusCode::SEE_OTHER, "attempt {i}");
        let location = wrong.headers()["location"].to_str().unwrap().to_string();
        assert!(
            location.starts_with(&format!("/s/{token}?error=wrong%20password")),
            "{location}"
        );
        assert!(cookie_of(&wrong, "/").is_none());
        // The page it leads to says so.
        let again = http
            .get(format!("{}{location}", f.server.base))
            .send()
            .await
            .unwrap();
        assert!(again
            .text()
            .await
            .unwrap()
            .contains("wrong password for this link"));
    }
    let sixth = attempt("open barley").await.unwrap();
    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = sixth.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert!(sixth
        .text()
        .await
        .unwrap()
        .contains("too many wrong passwords"));
    // Even the right password waits, and so does the JSON API.
    assert_eq!(
        attempt("open sesame").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let api = http
        .post(format!("{}/api/v1/s/{token}/unlock", f.server.base))
        .json(&json!({"password": "open sesame"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(api.headers().contains_key("retry-after"));

    // After the window the server named, the right password works.
    let mut retry_after = retry_after;
    let response = loop {
        tokio::time::sleep(std::time::Duration::from_secs(retry_after)).await;
        let response = attempt("open sesame").await.unwrap();
        if response.status() != StatusCode::TOO_MANY_REQUESTS {
            break response;
        }
        retry_after = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
    };
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("/s/{token}").as_str()
    );
    let page_cookie = cookie_of(&response, &format!("/s/{token}")).expect("a cookie for the pages");
    let api_cookie =
        cookie_of(&response, &format!("/api/v1/s/{token}")).expect("a cookie for the API");
    for cookie in [&page_cookie, &api_cookie] {
        assert!(cookie.starts_with("cairn_link="), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(!cookie.contains("sesame"), "{cookie}");
    }
    let grant = page_cookie.split(';').next().unwrap().to_string();

    let page = http
        .get(&page_url)
        .header("cookie", &grant)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("a.txt") && html.contains("sub"), "{html}");
    let file = http
        .get(format!("{}/api/v1/s/{token}/content/a.txt", f.server.base))
        .header("cookie", &grant)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.bytes().await.unwrap(), f.a_txt);
    // A made-up grant opens nothing.
    let forged = http
        .get(format!("{}/api/v1/s/{token}/content/a.txt", f.server.base))
        .header("cookie", format!("cairn_link={}", "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    // Changing the password ends the grants given for the old one.
    let _: ShareInfo = f
        .alice
        .json(
            Method::PATCH,
            &format!("/api/v1/shares/{}", created.id),
            &json!({"password": "new password"}),
        )
        .await
        .unwrap();
    let stale = http
        .get(format!("{}/api/v1/s/{token}/content/a.txt", f.server.base))
        .header("cookie", &grant)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn downloads_are_counted_and_link_answers_carry_privacy_headers() {
    let f = fixture().await;
    let viewer = share(
        &f.alice,
        json!({"file_id": f.trip, "kind": "link", "permission": "viewer"}),
    )
    .await
    .unwrap();
    let token = token_of(&viewer);
    let http = browser();
    let url = |path: &str| format!("{}{path}", f.server.base);
    let count = || async {
        let list: ShareList = f.alice.get("/api/v1/shares").await.unwrap();
        list.made
            .iter()
            .find(|s| s.id == viewer.id)
            .unwrap()
            .download_count
    };
    assert_eq!(count().await, 0);

    let whole = http
        .get(url(&format!("/api/v1/s/{token}/content/a.txt")))
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.bytes().await.unwrap(), f.a_txt);
    assert_eq!(count().await, 1);
    let tail = http
        .get(url(&format!("/api/v1/s/{token}/content/a.txt")))
        .header("Range", "bytes=6-")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap(), f.a_txt[6..]);
    assert_eq!(
        count().await,
        1,
        "a later part of a file is not another download"
    );
    let zip = http
        .get(url(&format!("/api/v1/s/{token}/content")))
        .send()
        .await
        .unwrap();
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let archive = zip.bytes().await.unwrap();
    let mut reader = ::zip::ZipArchive::new(std::io::Cursor::new(archive.to_vec())).unwrap();
    let mut names: Vec<String> = reader.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(
        names,
        ["Trip/", "Trip/a.txt", "Trip/sub/", "Trip/sub/b.bin"]
    );
    {
        use std::io::Read;
        let mut content = Vec::new();
        reader
            .by_name("Trip/a.txt")
            .unwrap()
            .read_to_end(&mut content)
            .unwrap();
        assert_eq!(content, f.a_txt);
    }
    assert_eq!(count().await, 2);
    let sub_zip = http
        .get(url(&format!("/api/v1/s/{token}/content/sub")))
        .send()
        .await
        .unwrap();
    assert_eq!(sub_zip.status(), StatusCode::OK);
    assert_eq!(sub_zip.headers()["content-type"], "application/zip");
    sub_zip.bytes().await.unwrap();
    assert_eq!(count().await, 3);

    // An image previews inline, and a preview is not a download.
    let png = b"\x89PNG\r\n\x1a\n not really a png".to_vec();
    f.alice.upload("/Trip/photo.png", &png).await;
    let preview = http
        .get(url(&format!(
            "/api/v1/s/{token}/content/photo.png?inline=1"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(preview.headers()["content-type"], "image/png");
    assert!(preview.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline"));
    assert_eq!(count().await, 3);

    let revoked = share(
        &f.alice,
        json!({"file_id": f.trip, "kind": "link", "permission": "viewer"}),
    )
    .await
    .unwrap();
    f.alice
        .request(Method::DELETE, &format!("/api/v1/shares/{}", revoked.id))
        .send()
        .await
        .unwrap();
    let answers = [
        (format!("/s/{token}"), StatusCode::OK),
        (format!("/s/{token}/sub"), StatusCode::OK),
        (format!("/api/v1/s/{token}"), StatusCode::OK),
        (format!("/api/v1/s/{token}/content/a.txt"), StatusCode::OK),
        (format!("/s/{}", token_of(&revoked)), StatusCode::NOT_FOUND),
        (
            format!("/api/v1/s/{}/content", token_of(&revoked)),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (path, status) in answers {
        let response = http.get(url(&path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            response.headers()["referrer-policy"],
            "no-referrer",
            "{path}"
        );
        assert!(
            response.headers()["x-robots-tag"]
                .to_str()
                .unwrap()
                .contains("noindex"),
            "{path}"
        );
        let body = response.text().await.unwrap();
        if path.starts_with("/s/") && status == StatusCode::NOT_FOUND {
            assert!(
                body.contains("This link has expired or was removed"),
                "{body}"
            );
        }
    }
    // Other pages keep their own policy.
    let other = http.get(url("/login")).send().await.unwrap();
    assert_ne!(other.headers()["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn file_requests_take_new_files_and_never_replace_or_reveal_any() {
    let f = fixture().await;
    let request = share(
        &f.alice,
        json!({"file_id": f.inbox, "kind": "link", "permission": "upload_only"}),
    )
    .await
    .unwrap();
    let token = token_of(&request);
    let visitor = f.server.anonymous();
    let base = format!("/api/v1/s/{token}");

    // The chunked protocol, with content Alice already stores: every chunk must still
    // be sent, so the answer says nothing about what she has.
    let data = random_bytes(300_000, 3);
    f.alice.upload("/elsewhere.bin", &data).await;
    let params = visitor.config().await.chunking;
    let (chunks, hash) = chunk(params, &data);
    let init = UploadInit {
        path: "/cv.txt".into(),
        size: data.len() as u64,
        parent_rev: None,
        file_id: None,
        device: None,
        chunks: chunks.iter().map(ChunkAnnouncement::from).collect(),
    };
    let session: UploadInitResponse = visitor
        .json(Method::POST, &format!("{base}/files/upload/init"), &init)
        .await
        .unwrap();
    let all: Vec<u64> = (0..chunks.len() as u64).collect();
    assert_eq!(session.chunks_needed, all);
    let mut body = Vec::new();
    for chunk in &chunks {
        body.extend_from_slice(&data[chunk.offset as usize..][..chunk.len as usize]);
    }
    let list: Vec<String> = all.iter().map(u64::to_string).collect();
    let put = visitor
        .request(
            Method::PUT,
            &format!(
                "{base}/files/upload/{}/chunks?indexes={}",
                session.upload_id,
                list.join(",")
            ),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    // The owner's own API does not know the visitor's upload, nor the link another's.
    let status = f
        .alice
        .request(
            Method::GET,
            &format!("/api/v1/files/upload/{}", session.upload_id),
        )
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(
        status,
        StatusCode::OK,
        "the upload is in the owner's namespace"
    );
    let committed: UploadCommitted = visitor
        .json(
            Method::POST,
            &format!("{base}/files/upload/{}/complete", session.upload_id),
            &UploadComplete {
                content_hash: hash,
                on_conflict: Default::default(),
            },
        )
        .await
        .unwrap();
    // Saved beside the taken name, which the answer does not tell.
    assert!(!committed.conflict);
    assert_eq!(committed.file.name, "cv.txt");
    assert_eq!(committed.file.path, "/cv.txt");
    assert!(
        committed.file.id.is_empty(),
        "no id of the owner's files is given out"
    );
    let inbox: serde_json::Value = f.alice.get("/api/v1/files?path=/Inbox").await.unwrap();
    assert!(
        inbox["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"]
                .as_str()
                .unwrap()
                .starts_with("cv (file request's conflicted copy ")),
        "{inbox}"
    );

    // A visitor can give up an upload through the link; it is gone for the owner too.
    let given_up: UploadInitResponse = visitor
        .json(Method::POST, &format!("{base}/files/upload/init"), &init)
        .await
        .unwrap();
    let url = format!("{base}/files/upload/{}", given_up.upload_id);
    let cancelled = visitor.request(Method::DELETE, &url).send().await.unwrap();
    assert_eq!(cancelled.status(), StatusCode::NO_CONTENT);
    let again = visitor.request(Method::DELETE, &url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let owner_view = f
        .alice
        .request(
            Method::GET,
            &format!("/api/v1/files/upload/{}", given_up.upload_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(owner_view.status(), StatusCode::NOT_FOUND);

    // The same name sent whole: another copy, and the original stays as it was.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"a new cv".to_vec()).file_name("cv.txt"),
    );
    let small: UploadCommitted = Client::decode(
        visitor
            .request(Method::POST, &format!("{base}/files"))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(!small.conflict);
    assert_eq!(small.file.name, "cv.txt");
    let listing: serde_json::Value = f.alice.get("/api/v1/files?path=/Inbox").await.unwrap();
    let entries = listing["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{entries:?}");
    let original = entries.iter().find(|e| e["name"] == "cv.txt").unwrap();
    let bytes = f
        .alice
        .download(original["id"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes, &b"the original cv"[..]);
    assert_eq!(original["rev"], 1);

    // Paths that leave the folder, and the folder itself, are refused.
    for path in ["/../escape.txt", "/", "/a/../../x", "\\x"] {
        let init = UploadInit {
            path: path.into(),
            size: 1,
            parent_rev: None,
            file_id: None,
            device: None,
            chunks: Vec::new(),
        };
        let refused = visitor
            .json::<_, UploadInitResponse>(
                Method::POST,
                &format!("{base}/files/upload/init"),
                &init,
            )
            .await
            .unwrap_err();
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
    }
    // An upload of Alice's own cannot be finished through the link.
    let (own_chunks, own_hash) = chunk(params, b"alice's own");
    let own = f
        .alice
        .init("/own.txt", b"alice's own", &own_chunks)
        .await
        .unwrap();
    let hijack = visitor
        .request(
            Method::POST,
            &format!("{base}/files/upload/{}/complete", own.upload_id),
        )
        .json(&json!({"content_hash": own_hash}))
        .send()
        .await
        .unwrap();
    assert_eq!(hijack.status(), StatusCode::NOT_FOUND);

    // Without JavaScript: the page's form posts, and the answer leads back to the page.
    let http = browser();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"from a form".to_vec()).file_name("letter.txt"),
    );
    let posted = http
        .post(format!("{}/s/{token}", f.server.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let location = posted.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("/s/{token}?uploaded=letter.txt"));
    let page = http
        .get(format!("{}{location}", f.server.base))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Received “letter.txt”"), "{html}");
    assert!(
        !html.contains("cv.txt"),
        "the page reveals what the folder holds"
    );
}

/// Sends `data` to `path` through a file request, first in the chunked protocol and
/// then whole in one form: both answers, with the time of receipt left out.
async fn send_to_request(
    visitor: &Client,
    base: &str,
    path: &str,
    data: &[u8],
) -> Vec<(StatusCode, serde_json::Value)> {
    let (chunks, hash) = chunk(visitor.config().await.chunking, data);
    let init = UploadInit {
        path: path.into(),
        size: data.len() as u64,
        parent_rev: None,
        file_id: None,
        device: None,
        chunks: chunks.iter().map(ChunkAnnouncement::from).collect(),
    };
    let started = visitor
        .request(Method::POST, &format!("{base}/files/upload/init"))
        .json(&init)
        .send()
        .await
        .unwrap();
    let started_status = started.status();
    let session: serde_json::Value = started.json().await.unwrap();
    let upload_id = session["upload_id"].as_str().unwrap().to_string();
    let indexes: Vec<String> = (0..chunks.len()).map(|i| i.to_string()).collect();
    let put = visitor
        .request(
            Method::PUT,
            &format!(
                "{base}/files/upload/{upload_id}/chunks?indexes={}",
                indexes.join(",")
            ),
        )
        .body(data.to_vec())
        .send()
        .await
        .unwrap();
    let put_status = put.status();
    let complete = visitor
        .request(
            Method::POST,
            &format!("{base}/files/upload/{upload_id}/complete"),
        )
        .json(&json!({"content_hash": hash}))
        .send()
        .await
        .unwrap();
    let mut answers = vec![
        (started_status, json!(session["chunks_needed"])),
        (put_status, put.json().await.unwrap()),
    ];
    let status = complete.status();
    let mut committed: serde_json::Value = complete.json().await.unwrap();
    committed["file"]["modified_at"] = json!(0);
    answers.push((status, committed));
    let name = path.trim_start_matches('/').to_string();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(data.to_vec()).file_name(name),
    );
    let whole = visitor
        .request(Method::POST, &format!("{base}/files"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = whole.status();
    let mut committed: serde_json::Value = whole.json().await.unwrap();
    committed["file"]["modified_at"] = json!(0);
    answers.push((status, committed));
    answers
}

#[tokio::test]
async fn a_file_request_answers_the_same_whatever_the_folder_holds() {
    let f = fixture().await;
    f.alice
        .json::<_, serde_json::Value>(
            Method::POST,
            "/api/v1/folders",
            &json!({"path": "/Inbox/photos.txt"}),
        )
        .await
        .unwrap();
    let request = share(
        &f.alice,
        json!({"file_id": f.inbox, "kind": "link", "permission": "upload_only"}),
    )
    .await
    .unwrap();
    let base = format!("/api/v1/s/{}", token_of(&request));
    let visitor = f.server.anonymous();

    // The same bytes to a name that is free, to a file with those very bytes, to a
    // file with other bytes, and to a folder's name: the answers differ only in the
    // name sent.
    let data = b"the original cv".to_vec();
    let mut answers = Vec::new();
    for path in ["/free.txt", "/cv.txt", "/photos.txt"] {
        let mut sent = send_to_request(&visitor, &base, path, &data).await;
        for (_, answer) in &mut sent {
            if answer.get("file").is_some() {
                assert_eq!(answer["file"]["path"], path);
                answer["file"]["name"] = json!("");
                answer["file"]["path"] = json!("");
            }
        }
        answers.push((path, sent));
    }
    let other = send_to_request(&visitor, &base, "/cv.txt", b"a different cv").await;
    assert_eq!(other[2].1["conflict"], false);
    for (path, sent) in &answers[1..] {
        assert_eq!(
            sent, &answers[0].1,
            "{path} answers differently from a free name"
        );
    }
    assert_eq!(answers[0].1[2].0, StatusCode::OK);
    assert_eq!(answers[0].1[3].0, StatusCode::CREATED);

    // Nothing was replaced: the owner finds the originals as they were, and every
    // upload beside them.
    let inbox: serde_json::Value = f.alice.get("/api/v1/files?path=/Inbox").await.unwrap();
    let entries = inbox["entries"].as_array().unwrap();
    let original = entries.iter().find(|e| e["name"] == "cv.txt").unwrap();
    assert_eq!(original["rev"], 1);
    let folder = entries.iter().find(|e| e["name"] == "photos.txt").unwrap();
    assert_eq!(folder["is_folder"], true);
    // free.txt twice, cv.txt (the original) and four copies of it, the folder and
    // two copies beside it.
    assert_eq!(entries.len(), 2 + 5 + 3, "{entries:?}");

    // A full quota is told without the owner's free space.
    let full = fixture_with(|config| config.quota_bytes = 100_000).await;
    let request = share(
        &full.alice,
        json!({"file_id": full.inbox, "kind": "link", "permission": "upload_only"}),
    )
    .await
    .unwrap();
    let base = format!("/api/v1/s/{}", token_of(&request));
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(vec![7u8; 200_000]).file_name("big.bin"),
    );
    let refused = full
        .server
        .anonymous()
        .request(Method::POST, &format!("{base}/files"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::INSUFFICIENT_STORAGE);
    let body: serde_json::Value = refused.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(!message.chars().any(|c| c.is_ascii_digit()), "{message}");
}
