//! Hostile input: every bad request gets a 4xx in the API's error shape, never a
//! 5xx, and one the OpenAPI document lists for its operation, code and all. Fixed
//! cases for what once failed, then a seeded sweep of generated input over every
//! endpoint (`CAIRN_TEST_SEED=n` replays one seed; a failure names it).

use crate::schema::{self, Observed};
use crate::support::{chunk, Client, TestServer};
use frontend::api::types::{
    ErrorBody, FileMeta, FolderListing, ShareCreated, UploadCommitted, UploadInit,
    UploadInitResponse,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Asserts a 400 whose message contains `says`.
#[track_caller]
fn assert_bad_request(status: StatusCode, text: &str, says: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    let body: ErrorBody = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("not the API's error shape: {text:?}: {e}"));
    assert!(body.error.message.contains(says), "{text}");
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, String) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn device_names_are_checked() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let data = b"data";
    let (chunks, _) = chunk(alice.config().await.chunking, data);
    let init = |device: &str| UploadInit {
        path: "/a.txt".into(),
        size: data.len() as u64,
        parent_rev: None,
        file_id: None,
        device: Some(device.to_string()),
        chunks: chunks.iter().map(Into::into).collect(),
    };
    let long = "x".repeat(65);
    let cases = [
        ("nul\u{0}byte", "control or invisible character U+0000"),
        ("line\nbreak", "control or invisible character U+000A"),
        ("bell\u{7}", "control or invisible character U+0007"),
        (
            "evil\u{202E}gpj.exe",
            "control or invisible character U+202E",
        ),
        (
            long.as_str(),
            "65 characters long, more than the limit of 64",
        ),
    ];
    for (device, says) in cases {
        let (status, text) = send(
            alice
                .request(Method::POST, "/api/v1/files/upload/init")
                .json(&init(device)),
        )
        .await;
        assert_bad_request(status, &text, says);
        let form = reqwest::multipart::Form::new()
            .text("path", "/b.txt")
            .text("device", device.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("b.txt"),
            );
        let (status, text) =
            send(alice.request(Method::POST, "/api/v1/files").multipart(form)).await;
        assert_bad_request(status, &text, says);
    }
    // Nothing was made, and a fine name still works.
    let listing: FolderListing = alice.get("/api/v1/files?path=/").await.unwrap();
    assert!(listing.entries.is_empty(), "{:?}", listing.entries);
    let fine: UploadInitResponse = alice
        .json(
            Method::POST,
            "/api/v1/files/upload/init",
            &init(&"é".repeat(64)),
        )
        .await
        .unwrap();
    assert!(!fine.upload_id.is_empty());
}

#[tokio::test]
async fn searches_and_labels_that_no_name_holds() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    alice.post_file("/report.txt", b"x".to_vec()).await;
    for (query, says) in [
        ("%00", "control character"),
        ("abc%00def", "control character"),
        ("%07", "control character"),
    ] {
        let (status, text) =
            send(alice.request(Method::GET, &format!("/api/v1/search?q={query}"))).await;
        assert_bad_request(status, &text, says);
    }
    let long = "x".repeat(256);
    let (status, text) = send(
        alice
            .request(Method::GET, "/api/v1/search")
            .query(&[("q", long.as_str())]),
    )
    .await;
    assert_bad_request(status, &text, "more than the limit of 255");
    let (status, text) = send(alice.request(Method::GET, "/api/v1/search?q=REPORT")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("report.txt"), "{text}");

    let (status, text) = send(
        alice
            .request(Method::POST, "/api/v1/tokens")
            .json(&json!({ "label": "x".repeat(101) })),
    )
    .await;
    assert_bad_request(status, &text, "1 to 100 characters");
}

#[tokio::test]
async fn malformed_forms_and_addresses_answer_in_the_error_shape() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let requests = [
        // Not multipart at all, or without a boundary.
        alice
            .request(Method::POST, "/api/v1/files")
            .header("content-type", "text/plain")
            .body("hello"),
        alice
            .request(Method::POST, "/api/v1/files")
            .header("content-type", "multipart/form-data")
            .body("hello"),
        alice.request(Method::POST, "/api/v1/files"),
        // A file request's form, likewise.
        alice
            .request(Method::POST, "/api/v1/s/nosuchtoken/files")
            .header("content-type", "application/json")
            .body("{}"),
        // Names that are not UTF-8 once decoded.
        alice.request(Method::GET, "/api/v1/files/%FF%FE"),
        alice.request(Method::GET, "/api/v1/files/%C0/content"),
        alice.request(Method::GET, "/api/v1/s/%FF"),
        alice.request(Method::GET, "/api/v1/files/upload/%FF/chunks"),
    ];
    for request in requests {
        let request = request.build().unwrap();
        let shown = format!("{} {}", request.method(), request.url());
        let response = alice.http.execute(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        assert!(status.is_client_error(), "{shown}: {status} {text}");
        assert!(
            content_type.starts_with("application/json"),
            "{shown}: {content_type} {text}"
        );
        let body: Result<ErrorBody, _> = serde_json::from_str(&text);
        assert!(body.is_ok(), "{shown}: {text}");
    }
}

/// What the sweep knows exists, to aim some requests at real things.
struct Known {
    file: String,
    folder: String,
    upload: String,
    link_token: String,
    drop_token: String,
    share: String,
}

/// Strings that have broken parsers somewhere.
const HOSTILE: &[&str] = &[
    "",
    "\u{0}",
    "a\u{0}b",
    "\u{1}\u{7f}",
    "\r\n",
    "..",
    "../..",
    "/",
    "//",
    "\\",
    "%",
    "%00",
    "%zz",
    "%FF",
    "-1",
    "0",
    "-9223372036854775809",
    "9223372036854775808",
    "18446744073709551616",
    "1.5",
    "1e308",
    "NaN",
    "null",
    "true",
    "{}",
    "[]",
    "CON",
    "a<b>:\"|?*",
    "\u{202E}exe.pdf",
    "\u{FEFF}",
    "\u{10FFFF}",
    "😀",
    "bytes=-1",
    "bytes=5-2",
    "bytes=99999999999999999999-",
];

fn hostile_string(rng: &mut StdRng) -> String {
    match rng.gen_range(0..10) {
        0 => "x".repeat(rng.gen_range(256..6000)),
        1 => (0..rng.gen_range(1..40))
            .map(|_| char::from_u32(rng.gen_range(0..0x11_0000)).unwrap_or('\u{fffd}'))
            .collect(),
        _ => HOSTILE[rng.gen_range(0..HOSTILE.len())].to_string(),
    }
}

fn hostile_json(rng: &mut StdRng, depth: u32) -> Value {
    match rng.gen_range(0..12) {
        0 => Value::Null,
        1 => json!(-1),
        2 => json!(i64::MIN),
        3 => json!(u64::MAX),
        4 => json!(1.5),
        5 => json!(-0.0),
        6 => json!(1e300),
        7 => json!(rng.gen::<bool>()),
        8 if depth < 2 => Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| hostile_json(rng, depth + 1))
                .collect(),
        ),
        9 if depth < 2 => json!({ "x": hostile_json(rng, depth + 1) }),
        _ => Value::String(hostile_string(rng)),
    }
}

/// A value for a path segment or query parameter, as it goes into the address:
/// percent-encoded, or left raw (bad escapes and all).
fn in_address(rng: &mut StdRng, known: &[&str]) -> String {
    if !known.is_empty() && rng.gen_bool(0.4) {
        return known[rng.gen_range(0..known.len())].to_string();
    }
    let text = hostile_string(rng);
    if rng.gen_bool(0.7) {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    } else {
        text.chars()
            .filter(|c| !c.is_control() && !matches!(c, ' ' | '#' | '?' | '/'))
            .collect()
    }
}

/// One endpoint: method, address (with `{file}`, `{upload}`, `{token}`, `{share}`,
/// `{n}` and `{path}` to fill), its query parameters, and its body's fields.
struct Endpoint {
    method: Method,
    path: &'static str,
    query: &'static [&'static str],
    body: Body,
}

enum Body {
    None,
    Json(&'static [&'static str]),
    Multipart(&'static [&'static str]),
    Bytes,
}

fn endpoints() -> Vec<Endpoint> {
    use Body::*;
    let e = |method: Method, path, query, body| Endpoint {
        method,
        path,
        query,
        body,
    };
    vec![
        e(Method::GET, "/api/v1/config", &[], None),
        e(Method::GET, "/api/v1/me", &[], None),
        e(Method::GET, "/api/v1/tokens", &[], None),
        e(Method::POST, "/api/v1/tokens", &[], Json(&["label"])),
        e(Method::DELETE, "/api/v1/tokens/{n}", &[], None),
        e(Method::GET, "/api/v1/files", &["path", "sort"], None),
        e(
            Method::POST,
            "/api/v1/files",
            &[],
            Multipart(&["path", "device", "file"]),
        ),
        e(Method::GET, "/api/v1/files/{file}", &[], None),
        e(Method::DELETE, "/api/v1/files/{file}", &[], None),
        e(
            Method::POST,
            "/api/v1/files/{file}/move",
            &[],
            Json(&["path"]),
        ),
        e(
            Method::POST,
            "/api/v1/files/{file}/copy",
            &[],
            Json(&["path"]),
        ),
        e(Method::GET, "/api/v1/files/{file}/versions", &[], None),
        e(
            Method::GET,
            "/api/v1/files/{file}/versions/{n}/content",
            &[],
            None,
        ),
        e(
            Method::POST,
            "/api/v1/files/{file}/versions/{n}/restore",
            &[],
            Json(&[]),
        ),
        e(
            Method::GET,
            "/api/v1/files/{file}/content",
            &["download"],
            None,
        ),
        e(Method::GET, "/api/v1/zip", &["ids", "name"], None),
        e(Method::GET, "/api/v1/trash", &[], None),
        e(Method::DELETE, "/api/v1/trash/{file}", &[], None),
        e(Method::POST, "/api/v1/trash/{file}/restore", &[], Json(&[])),
        e(Method::GET, "/api/v1/search", &["q"], None),
        e(
            Method::GET,
            "/api/v1/sync/delta",
            &["cursor", "limit"],
            None,
        ),
        e(Method::POST, "/api/v1/folders", &[], Json(&["path"])),
        e(
            Method::POST,
            "/api/v1/files/upload/init",
            &[],
            Json(&["path", "size", "parent_rev", "file_id", "device", "chunks"]),
        ),
        e(Method::GET, "/api/v1/files/upload/{upload}", &[], None),
        e(Method::DELETE, "/api/v1/files/upload/{upload}", &[], None),
        e(
            Method::POST,
            "/api/v1/files/upload/{upload}/chunks",
            &[],
            Json(&["chunks"]),
        ),
        e(
            Method::PUT,
            "/api/v1/files/upload/{upload}/chunks",
            &["indexes"],
            Bytes,
        ),
        e(
            Method::PUT,
            "/api/v1/files/upload/{upload}/chunks/{n}",
            &[],
            Bytes,
        ),
        e(
            Method::POST,
            "/api/v1/files/upload/{upload}/complete",
            &[],
            Json(&["content_hash", "on_conflict"]),
        ),
        e(Method::GET, "/api/v1/shares", &["file_id"], None),
        e(
            Method::POST,
            "/api/v1/shares",
            &[],
            Json(&[
                "file_id",
                "kind",
                "permission",
                "username",
                "password",
                "expires_at",
            ]),
        ),
        e(
            Method::PATCH,
            "/api/v1/shares/{share}",
            &[],
            Json(&[
                "permission",
                "password",
                "remove_password",
                "expires_at",
                "remove_expiry",
            ]),
        ),
        e(Method::DELETE, "/api/v1/shares/{share}", &[], None),
        e(Method::GET, "/api/v1/s/{token}", &["path"], None),
        e(
            Method::POST,
            "/api/v1/s/{token}/unlock",
            &[],
            Json(&["password"]),
        ),
        e(Method::GET, "/api/v1/s/{token}/content", &[], None),
        e(Method::GET, "/api/v1/s/{token}/content/{path}", &[], None),
        e(Method::GET, "/api/v1/s/{token}/config", &[], None),
        e(
            Method::POST,
            "/api/v1/s/{token}/files",
            &[],
            Multipart(&["file"]),
        ),
        e(
            Method::POST,
            "/api/v1/s/{token}/files/upload/init",
            &[],
            Json(&["path", "size", "chunks"]),
        ),
        e(
            Method::GET,
            "/api/v1/s/{token}/files/upload/{upload}",
            &[],
            None,
        ),
        e(
            Method::PUT,
            "/api/v1/s/{token}/files/upload/{upload}/chunks/{n}",
            &[],
            Bytes,
        ),
        e(
            Method::POST,
            "/api/v1/s/{token}/files/upload/{upload}/complete",
            &[],
            Json(&["content_hash"]),
        ),
        // Long polls only with a timeout of none or no wait, so no case waits.
        e(
            Method::GET,
            "/api/v1/notifications/longpoll",
            &["cursor", "timeout"],
            None,
        ),
        e(Method::GET, "/api/v1/nonexistent/{n}", &[], None),
    ]
}

fn build_request(
    rng: &mut StdRng,
    client: &Client,
    known: &Known,
    endpoint: &Endpoint,
) -> reqwest::RequestBuilder {
    let mut path = endpoint.path.to_string();
    let fill = [
        ("{file}", vec![known.file.as_str(), known.folder.as_str()]),
        ("{upload}", vec![known.upload.as_str()]),
        (
            "{token}",
            vec![known.link_token.as_str(), known.drop_token.as_str()],
        ),
        ("{share}", vec![known.share.as_str()]),
        ("{n}", vec!["1", "0"]),
        ("{path}", vec!["a.txt", "sub/b.txt"]),
    ];
    for (slot, values) in &fill {
        while path.contains(slot) {
            let value = in_address(rng, values);
            // An empty segment would be another route; keep one character.
            let value = if value.is_empty() {
                "%20".to_string()
            } else {
                value
            };
            path = path.replacen(slot, &value, 1);
        }
    }
    let mut pairs = Vec::new();
    for name in endpoint.query {
        if rng.gen_bool(0.8) {
            let value = if *name == "timeout" {
                ["0", "-1", "1.5", "121", "18446744073709551616", "x", ""][rng.gen_range(0..7)]
                    .to_string()
            } else {
                in_address(rng, &[])
            };
            pairs.push(format!("{name}={value}"));
        }
    }
    if endpoint.path.ends_with("longpoll") && !pairs.iter().any(|p| p.starts_with("timeout=")) {
        pairs.push("timeout=0".into());
    }
    if !pairs.is_empty() {
        path = format!("{path}?{}", pairs.join("&"));
    }
    let mut request = if rng.gen_bool(0.9) {
        client.request(endpoint.method.clone(), &path)
    } else {
        client
            .http
            .request(endpoint.method.clone(), format!("{}{path}", client.base))
    };
    if rng.gen_bool(0.2) {
        request = request.header("range", hostile_string(rng).replace(['\r', '\n', '\0'], ""));
    }
    match &endpoint.body {
        Body::None => request,
        Body::Bytes => request.body(
            (0..rng.gen_range(0..2000))
                .map(|_| rng.gen::<u8>())
                .collect::<Vec<u8>>(),
        ),
        Body::Json(fields) => match rng.gen_range(0..6) {
            0 => request.header("content-type", "application/json").body(
                ["{", "[1,", "\"\\u0000", "{\"path\":}", "nul\u{0}", ""][rng.gen_range(0..6)],
            ),
            1 => request.header("content-type", "text/plain").body("{}"),
            _ => {
                let mut body = serde_json::Map::new();
                for field in *fields {
                    if rng.gen_bool(0.8) {
                        body.insert(field.to_string(), hostile_json(rng, 0));
                    }
                }
                request.json(&body)
            }
        },
        Body::Multipart(fields) => match rng.gen_range(0..4) {
            0 => request
                .header("content-type", "multipart/form-data; boundary=XYZ")
                .body("--XYZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc"),
            1 => request
                .header("content-type", "multipart/form-data")
                .body(hostile_string(rng)),
            _ => {
                let mut form = reqwest::multipart::Form::new();
                for field in *fields {
                    if *field == "file" {
                        let name = hostile_string(rng);
                        form = form.part(
                            "file",
                            reqwest::multipart::Part::bytes(b"hostile".to_vec())
                                .file_name(name.replace(['\r', '\n', '"'], "")),
                        );
                    } else if rng.gen_bool(0.8) {
                        form = form.text(field.to_string(), hostile_string(rng));
                    }
                }
                request.multipart(form)
            }
        },
    }
}

/// The document's name for the route an endpoint's address is built from.
fn documented_route(path: &str) -> String {
    path.replace("{file}", "{file_id}")
        .replace("{upload}", "{upload_id}")
        .replace("{share}", "{share_id}")
        .replace("/tokens/{n}", "/tokens/{token_id}")
        .replace("/versions/{n}", "/versions/{rev}")
        .replace("/chunks/{n}", "/chunks/{index}")
}

fn seed() -> u64 {
    std::env::var("CAIRN_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_201)
}

#[tokio::test]
async fn no_generated_input_makes_a_server_fault() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let file: UploadCommitted =
        Client::decode(alice.post_file("/Share/a.txt", b"hello".to_vec()).await)
            .await
            .unwrap();
    alice.post_file("/Share/sub/b.txt", b"bee".to_vec()).await;
    let folder: FolderListing = alice.get("/api/v1/files?path=/Share").await.unwrap();
    let drop_box: FileMeta = alice
        .json(Method::POST, "/api/v1/folders", &json!({"path": "/Inbox"}))
        .await
        .unwrap();
    let data = vec![7u8; 100];
    let (chunks, _) = chunk(alice.config().await.chunking, &data);
    let upload = alice.init("/big.bin", &data, &chunks).await.unwrap();
    let link: ShareCreated = alice
        .json(
            Method::POST,
            "/api/v1/shares",
            &json!({"file_id": folder.folder.id, "kind": "link", "permission": "viewer"}),
        )
        .await
        .unwrap();
    let drop_link: ShareCreated = alice
        .json(
            Method::POST,
            "/api/v1/shares",
            &json!({"file_id": drop_box.id, "kind": "link", "permission": "upload_only"}),
        )
        .await
        .unwrap();
    let token_of = |created: &ShareCreated| {
        created
            .url
            .as_deref()
            .and_then(|url| url.rsplit('/').next())
            .unwrap()
            .to_string()
    };
    let known = Known {
        file: file.file.id,
        folder: folder.folder.id,
        upload: upload.upload_id,
        link_token: token_of(&link),
        drop_token: token_of(&drop_link),
        share: link.id,
    };
    let doc = schema::fetch(&server.base).await;
    let mut observed = Observed::default();
    let endpoints = endpoints();
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let cases = 400;
    let started = std::time::Instant::now();
    for case in 0..cases {
        let endpoint = &endpoints[rng.gen_range(0..endpoints.len())];
        let request = build_request(&mut rng, &alice, &known, endpoint);
        let Ok(request) = request.build() else {
            // Not even a request (an address the client refuses to send).
            continue;
        };
        let shown = format!("{} {}", request.method(), request.url());
        let shown: String = shown.chars().take(300).collect();
        // The route the request is for, unless the client resolved it into another
        // (a `..` segment) or it is none.
        let route = documented_route(endpoint.path);
        let route = schema::route_of(&[route.as_str()], request.url().path()).map(str::to_string);
        let response = alice.http.execute(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = response.text().await.unwrap_or_default();
        let replay = format!("case {case} of CAIRN_TEST_SEED={seed}: {shown}");
        assert!(
            !status.is_server_error(),
            "{replay} answered {status}: {text}"
        );
        if status.is_client_error() {
            assert!(
                content_type.starts_with("application/json"),
                "{replay} answered {status} as {content_type:?}: {text}"
            );
            let body: Result<ErrorBody, _> = serde_json::from_str(&text);
            assert!(
                body.as_ref()
                    .is_ok_and(|b| !b.error.code.is_empty() && !b.error.message.is_empty()),
                "{replay} answered {status} outside the error shape: {text}"
            );
            // 405 and 404 for unknown paths belong to no operation.
            let code = body.ok().map(|b| b.error.code);
            let routing = matches!(code.as_deref(), Some("method-not-allowed"))
                || text.contains("no such API endpoint");
            if let Some(route) = route.as_deref().filter(|_| !routing) {
                let method = endpoint.method.as_str();
                observed.record(method, route, status.as_u16(), code, replay.clone());
            }
        } else if let Some(route) = route.as_deref() {
            observed.record(
                endpoint.method.as_str(),
                route,
                status.as_u16(),
                None,
                replay,
            );
        }
    }
    let undocumented: Vec<String> = observed
        .undocumented(&doc)
        .into_iter()
        .filter(|problem| !problem.contains("/api/v1/nonexistent/"))
        .collect();
    assert!(undocumented.is_empty(), "{}", undocumented.join("\n"));
    eprintln!(
        "{cases} generated requests with CAIRN_TEST_SEED={seed} in {:?}",
        started.elapsed()
    );
}
