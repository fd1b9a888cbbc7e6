//! `GET /api/v1/openapi.json`: the document parses, describes every route the API
//! serves with its method, gives each operation its answers and errors, and every
//! schema reference in it resolves.

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
