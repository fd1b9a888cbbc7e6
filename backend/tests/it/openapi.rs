//! `GET /api/v1/openapi.json`: the document parses, describes every route the API
//! serves with its method, gives each operation its answers and errors, and every
//! schema reference in it resolves.

use crate::schema::{self, Operation};
use crate::support::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every route of `api_router`, as the document names it. A route added to the router
/// belongs here too; a route listed here that the server does not serve fails the test,
/// and so does an operation in the document that is not listed here.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/config"),
    ("POST", "/api/v1/auth/signup"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/tokens"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{token_id}"),
    ("GET", "/api/v1/files"),
    ("POST", "/api/v1/files"),
    ("GET", "/api/v1/files/{file_id}"),
    ("DELETE", "/api/v1/files/{file_id}"),
    ("POST", "/api/v1/files/{file_id}/move"),
    ("POST", "/api/v1/files/{file_id}/copy"),
    ("GET", "/api/v1/files/{file_id}/versions"),
    ("GET", "/api/v1/files/{file_id}/versions/{rev}/content"),
    ("POST", "/api/v1/files/{file_id}/versions/{rev}/restore"),
    ("GET", "/api/v1/trash"),
    ("DELETE", "/api/v1/trash"),
    ("DELETE", "/api/v1/trash/{file_id}"),
    ("POST", "/api/v1/trash/{file_id}/restore"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/sync/delta"),
    ("GET", "/api/v1/notifications/longpoll"),
    ("GET", "/api/v1/notifications/stream"),
    ("GET", "/api/v1/files/{file_id}/content"),
    ("GET", "/api/v1/zip"),
    ("POST", "/api/v1/folders"),
    ("POST", "/api/v1/files/upload/init"),
    ("GET", "/api/v1/files/upload/{upload_id}"),
    ("DELETE", "/api/v1/files/upload/{upload_id}"),
    ("POST", "/api/v1/files/upload/{upload_id}/chunks"),
    ("PUT", "/api/v1/files/upload/{upload_id}/chunks"),
    ("PUT", "/api/v1/files/upload/{upload_id}/chunks/{index}"),
    ("POST", "/api/v1/files/upload/{upload_id}/complete"),
    ("POST", "/api/v1/shares"),
    ("GET", "/api/v1/shares"),
    ("PATCH", "/api/v1/shares/{share_id}"),
    ("DELETE", "/api/v1/shares/{share_id}"),
    ("GET", "/api/v1/s/{token}"),
    ("POST", "/api/v1/s/{token}/unlock"),
    ("GET", "/api/v1/s/{token}/content"),
    ("GET", "/api/v1/s/{token}/content/{path}"),
    ("GET", "/api/v1/s/{token}/config"),
    ("POST", "/api/v1/s/{token}/files"),
    ("POST", "/api/v1/s/{token}/files/upload/init"),
    ("GET", "/api/v1/s/{token}/files/upload/{upload_id}"),
    ("DELETE", "/api/v1/s/{token}/files/upload/{upload_id}"),
    ("POST", "/api/v1/s/{token}/files/upload/{upload_id}/chunks"),
    ("PUT", "/api/v1/s/{token}/files/upload/{upload_id}/chunks"),
    (
        "PUT",
        "/api/v1/s/{token}/files/upload/{upload_id}/chunks/{index}",
    ),
    (
        "POST",
        "/api/v1/s/{token}/files/upload/{upload_id}/complete",
    ),
];

/// Operations that refuse no request, so have no client error to document.
const NO_CLIENT_ERRORS: &[(&str, &str)] = &[
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/config"),
    ("GET", "/api/v1/s/{token}/config"),
    ("POST", "/api/v1/auth/logout"),
];

/// Operations that take no credentials (a link's token, in its path, is its own).
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/config"),
    ("POST", "/api/v1/auth/signup"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/s/{token}"),
    ("POST", "/api/v1/s/{token}/unlock"),
    ("GET", "/api/v1/s/{token}/content"),
    ("GET", "/api/v1/s/{token}/content/{path}"),
    ("GET", "/api/v1/s/{token}/config"),
    ("POST", "/api/v1/s/{token}/files"),
    ("POST", "/api/v1/s/{token}/files/upload/init"),
    ("GET", "/api/v1/s/{token}/files/upload/{upload_id}"),
    ("DELETE", "/api/v1/s/{token}/files/upload/{upload_id}"),
    ("POST", "/api/v1/s/{token}/files/upload/{upload_id}/chunks"),
    ("PUT", "/api/v1/s/{token}/files/upload/{upload_id}/chunks"),
    (
        "PUT",
        "/api/v1/s/{token}/files/upload/{upload_id}/chunks/{index}",
    ),
    (
        "POST",
        "/api/v1/s/{token}/files/upload/{upload_id}/complete",
    ),
];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// Every `$ref` anywhere in `value`.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", Value::String(target)) => found.push(target),
                    _ => refs(item, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_document_covers_every_route() {
    let server = TestServer::start().await;
    let client = server.anonymous();
    let response = client
        .request(Method::GET, "/api/v1/openapi.json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type:?}"
    );
    let doc: Value =
        serde_json::from_str(&response.text().await.unwrap()).expect("the document is JSON");

    let version = doc["openapi"].as_str().expect("an `openapi` version");
    assert!(version.starts_with("3."), "openapi {version:?}");
    let paths = doc["paths"].as_object().expect("paths");
    let schemas = doc["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("components.securitySchemes");
    assert!(schemes.contains_key("bearer") && schemes.contains_key("session_cookie"));

    let mut problems = Vec::new();
    for &(method, path) in ROUTES {
        let lower = method.to_lowercase();
        let Some(operation) = paths.get(path).and_then(|item| item.get(&lower)) else {
            problems.push(format!("{method} {path}: not documented"));
            continue;
        };
        let statuses: Vec<&str> = operation["responses"]
            .as_object()
            .map(|responses| responses.keys().map(String::as_str).collect())
            .unwrap_or_default();
        if !statuses
            .iter()
            .any(|s| s.starts_with('2') || s.starts_with('3'))
        {
            problems.push(format!(
                "{method} {path}: no 2xx or 3xx answer in {statuses:?}"
            ));
        }
        let client_error = statuses.iter().any(|s| s.starts_with('4'));
        if !client_error && !NO_CLIENT_ERRORS.contains(&(method, path)) {
            problems.push(format!("{method} {path}: no 4xx answer in {statuses:?}"));
        }
        for status in statuses.iter().filter(|s| s.starts_with(['4', '5'])) {
            if operation["responses"][*status]["content"]["application/json"]["schema"].is_null() {
                problems.push(format!("{method} {path}: {status} has no JSON error body"));
            }
        }
        for name in path_params(path) {
            let declared = operation["parameters"].as_array().is_some_and(|params| {
                params
                    .iter()
                    .any(|p| p["in"] == "path" && p["name"] == name && p["required"] == true)
            });
            if !declared {
                problems.push(format!(
                    "{method} {path}: path parameter {name} not declared"
                ));
            }
        }
        let requirements = operation["security"].as_array();
        for requirement in requirements.into_iter().flatten() {
            for scheme in requirement.as_object().into_iter().flat_map(|r| r.keys()) {
                if !schemes.contains_key(scheme) {
                    problems.push(format!("{method} {path}: unknown security scheme {scheme}"));
                }
            }
        }
        if !PUBLIC.contains(&(method, path)) {
            let names: BTreeSet<&str> = requirements
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|r| r.keys().map(String::as_str))
                .collect();
            let anonymous = requirements
                .into_iter()
                .flatten()
                .any(|r| r.as_object().is_some_and(|r| r.is_empty()));
            if anonymous || !names.contains("bearer") || !names.contains("session_cookie") {
                problems.push(format!(
                    "{method} {path}: should need a bearer token or the session cookie, has {requirements:?}"
                ));
            }
        }
    }

    // Nothing documented that the list (and so the router) does not have.
    let listed: BTreeSet<(String, &str)> = ROUTES
        .iter()
        .map(|&(method, path)| (method.to_lowercase(), path))
        .collect();
    for (path, item) in paths {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            if !listed.contains(&(method.to_string(), path.as_str())) {
                problems.push(format!("{method} {path}: documented but not a route"));
            }
        }
    }

    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty(), "the document references no schema");
    for target in found {
        let resolves = target
            .strip_prefix("#/components/schemas/")
            .is_some_and(|name| schemas.contains_key(name));
        if !resolves {
            problems.push(format!("$ref {target} does not resolve to a schema"));
        }
    }

    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every listed route is one the server serves: called without credentials, none
/// answers as an unknown path (404 from the fallback) or with 405.
#[tokio::test]
async fn listed_routes_are_served() {
    let server = TestServer::start().await;
    let client = server.anonymous();
    for &(method, path) in ROUTES {
        let concrete = path
            .replace("{file_id}", "f0")
            .replace("{token_id}", "t0")
            .replace("{upload_id}", "u0")
            .replace("{share_id}", "s0")
            .replace("{token}", "k0")
            .replace("{path}", "p0")
            .replace("{rev}", "1")
            .replace("{index}", "0");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let response = client
            .request(method.clone(), &concrete)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {concrete}: {body}"
        );
        assert!(
            !(status == StatusCode::NOT_FOUND && body.contains("no such API endpoint")),
            "{method} {concrete} is not a route: {body}"
        );
    }
}

/// The schema of property `name` of component `component`.
fn property<'a>(doc: &'a Value, component: &str, name: &str) -> &'a Value {
    let schema = &doc["components"]["schemas"][component]["properties"][name];
    assert!(
        schema.is_object(),
        "{component}.{name} is not in the document"
    );
    schema
}

/// The schema of parameter `name` of `method path`.
fn parameter<'a>(doc: &'a Value, method: &str, path: &str, name: &str) -> &'a Value {
    let op = Operation::find(doc, method, path).unwrap_or_else(|| panic!("{method} {path}"));
    let param = op.spec["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"));
    &param["schema"]
}

/// Every number the document states about input is the one the server's validators
/// use: a changed limit fails here until the document says it too.
#[tokio::test]
async fn the_documents_limits_are_the_validators_limits() {
    use backend::domain::*;
    let server = TestServer::start().await;
    let doc = schema::fetch(&server.base).await;
    let chunking = server.anonymous().config().await.chunking;
    let mut wrong = Vec::new();
    fn check_in(wrong: &mut Vec<String>, what: String, got: &Value, want: u64) {
        if got.as_u64() != Some(want) {
            wrong.push(format!("{what} is {got}, the server's limit is {want}"));
        }
    }
    let max_length = |schema: &Value| schema["maxLength"].clone();
    check_in(
        &mut wrong,
        "Credentials.username maxLength".into(),
        &max_length(property(&doc, "Credentials", "username")),
        MAX_USERNAME_CHARS as u64,
    );
    check_in(
        &mut wrong,
        "Credentials.password minLength".into(),
        &property(&doc, "Credentials", "password")["minLength"],
        MIN_PASSWORD_CHARS as u64,
    );
    for (component, name, want) in [
        ("Credentials", "password", MAX_PASSWORD_BYTES),
        ("LinkPassword", "password", MAX_PASSWORD_BYTES),
        ("NewShare", "password", MAX_SHARE_PASSWORD_CHARS),
        ("ShareUpdate", "password", MAX_SHARE_PASSWORD_CHARS),
        ("UploadInit", "device", MAX_DEVICE_CHARS),
        ("UploadInit", "file_id", MAX_ID_CHARS),
        ("NewShare", "file_id", MAX_ID_CHARS),
        ("NewToken", "label", MAX_TOKEN_LABEL_CHARS),
        ("NewFolder", "path", MAX_PATH_BYTES),
        ("PathRequest", "path", MAX_PATH_BYTES),
        ("UploadInit", "path", MAX_PATH_BYTES),
    ] {
        let schema = property(&doc, component, name);
        check_in(
            &mut wrong,
            format!("{component}.{name} maxLength"),
            &max_length(schema),
            want as u64,
        );
    }
    for (component, name) in [
        ("NewFolder", "path"),
        ("PathRequest", "path"),
        ("UploadInit", "path"),
    ] {
        let pattern = property(&doc, component, name)["pattern"]
            .as_str()
            .unwrap_or_default();
        let per_name = format!("{{0,{}}}", MAX_NAME_BYTES - 1);
        if !pattern.contains(&per_name) {
            wrong.push(format!(
                "{component}.{name}'s pattern does not bound a name to {MAX_NAME_BYTES} characters ({per_name}): {pattern}"
            ));
        }
    }
    for component in ["ChunkAnnouncement", "IndexedChunk"] {
        let size = property(&doc, component, "size");
        check_in(
            &mut wrong,
            format!("{component}.size minimum"),
            &size["minimum"],
            1,
        );
        check_in(
            &mut wrong,
            format!("{component}.size maximum"),
            &size["maximum"],
            u64::from(chunking.max_size),
        );
    }
    check_in(
        &mut wrong,
        "search q maxLength".into(),
        &max_length(parameter(&doc, "get", "/api/v1/search", "q")),
        MAX_SEARCH_CHARS as u64,
    );
    check_in(
        &mut wrong,
        "long-poll timeout maximum".into(),
        &parameter(&doc, "get", "/api/v1/notifications/longpoll", "timeout")["maximum"],
        backend::http::POLL_MAX_SECS,
    );
    check_in(
        &mut wrong,
        "files path maxLength".into(),
        &max_length(parameter(&doc, "get", "/api/v1/files", "path")),
        MAX_PATH_BYTES as u64,
    );
    let zip = Operation::find(&doc, "get", "/api/v1/zip").unwrap();
    let ids = zip.spec["parameters"][0]["description"]
        .as_str()
        .unwrap_or_default();
    if !ids.contains(&format!("1 to {} ids", backend::http::MAX_ZIP_IDS)) {
        wrong.push(format!(
            "zip ids: {ids:?} does not say 1 to {}",
            backend::http::MAX_ZIP_IDS
        ));
    }
    for op in Operation::all(&doc) {
        for param in op.parameters("path") {
            let name = param["name"].as_str().unwrap_or_default();
            if ["file_id", "upload_id", "token_id", "share_id", "token"].contains(&name) {
                check_in(
                    &mut wrong,
                    format!("{} {} {name} maxLength", op.method, op.path),
                    &max_length(&param["schema"]),
                    MAX_ID_CHARS as u64,
                );
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Names and texts made of characters that matter to one rule or another.
fn corpus() -> Vec<String> {
    let alphabet = [
        "a", "Z", "0", ".", " ", "/", "\\", "<", ">", ":", "\"", "|", "?", "*", ",", "-", "_",
        "\u{0}", "\n", "\u{1F}", "\u{7F}", "\u{85}", "\u{9F}", "\u{A0}", "\u{200B}", "\u{200E}",
        "\u{202E}", "\u{2060}", "\u{2066}", "\u{FEFF}", "\u{3000}", "é", "e\u{301}", "😀",
    ];
    let mut all: Vec<String> = vec![String::new()];
    all.extend(alphabet.iter().map(|s| s.to_string()));
    for a in alphabet {
        for b in alphabet {
            all.push(format!("{a}{b}"));
        }
    }
    for a in ["a", ".", " ", "/"] {
        for b in ["a", ".", " ", "/"] {
            for c in ["a", ".", " ", "/", "\\"] {
                all.push(format!("{a}{b}{c}"));
            }
        }
    }
    for special in [
        "...",
        "....",
        "CON",
        "con.txt",
        "Nul",
        "COM1",
        "com0",
        "LPT9.x",
        "CONSOLE",
        "aux ",
        "report.pdf",
        ".bashrc",
        "a b",
        "a.",
        "a ",
        " a",
        "x.y.z",
        "alice",
        "Bob_2",
        "x.y-z",
    ] {
        all.push(special.to_string());
    }
    all
}

/// The document's patterns say what the validators say, character for character:
/// each sample is matched by a pattern exactly when the server's rule takes it, but
/// for what the document says in prose (Windows device names).
#[tokio::test]
async fn the_documents_patterns_are_the_validators_rules() {
    use backend::domain::*;
    let server = TestServer::start().await;
    let doc = schema::fetch(&server.base).await;
    let re = |schema: &Value| schema::pattern(schema).expect("a pattern");
    let new_path = re(property(&doc, "UploadInit", "path"));
    let lookup = re(parameter(&doc, "get", "/api/v1/files", "path"));
    let subpath = re(parameter(&doc, "get", "/api/v1/s/{token}", "path"));
    let device = re(property(&doc, "UploadInit", "device"));
    let label = re(property(&doc, "NewToken", "label"));
    let username = re(property(&doc, "Credentials", "username"));
    let id = re(property(&doc, "NewShare", "file_id"));
    let query = re(parameter(&doc, "get", "/api/v1/search", "q"));
    let hash = re(property(&doc, "ChunkAnnouncement", "hash"));
    for (component, name) in [("NewFolder", "path"), ("PathRequest", "path")] {
        assert_eq!(
            property(&doc, component, name)["pattern"],
            property(&doc, "UploadInit", "path")["pattern"],
            "{component}.{name}"
        );
    }
    let mut wrong = Vec::new();
    let mut agree = |what: &str, text: &str, pattern: bool, rule: bool, excused: bool| {
        if pattern != rule && !excused {
            wrong.push(format!(
                "{what} {text:?}: the pattern {} it, the server {} it",
                if pattern { "takes" } else { "refuses" },
                if rule { "takes" } else { "refuses" },
            ));
        }
    };
    for text in corpus() {
        let reserved =
            check_new_name(&text).is_err_and(|e| matches!(e, PathError::ReservedName(_)));
        for path in [
            format!("/{text}"),
            format!("/x/{text}"),
            format!("/{text}/x"),
        ] {
            let rule = RelPath::parse_new(&path).is_ok_and(|p| !p.is_root());
            agree("new path", &path, new_path.is_match(&path), rule, reserved);
            agree(
                "path",
                &path,
                lookup.is_match(&path),
                RelPath::parse(&path).is_ok(),
                false,
            );
        }
        for path in [text.clone(), format!("/{text}/"), format!("a/{text}")] {
            let rule = share_subpath(&path).is_ok();
            agree(
                "path in a share",
                &path,
                subpath.is_match(&path),
                rule,
                false,
            );
        }
        let rule = device_name(Some(text.clone())).is_ok();
        agree("device", &text, device.is_match(&text), rule, false);
        agree(
            "label",
            &text,
            label.is_match(&text),
            token_label(&text).is_ok(),
            false,
        );
        agree(
            "search",
            &text,
            query.is_match(&text),
            search_query(&text).is_ok(),
            false,
        );
        agree(
            "username",
            &text,
            username.is_match(&text),
            valid_username(&text),
            false,
        );
        agree(
            "id",
            &text,
            id.is_match(&text),
            check_id("id", &text).is_ok(),
            false,
        );
        let digest = format!("{text}{}", "0".repeat(64 - text.chars().count().min(64)));
        let parsed = wasm_chunker::ChunkId::from_hex(&digest).is_some();
        agree("hash", &digest, hash.is_match(&digest), parsed, false);
    }
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
