//! The backend's layering rules, each over one file's path and text: what
//! `domain/` and `core/` may not name, that only `adapters/` names a database or
//! SDK, and that only `http/` builds a response.
//!
//! A path counts when it is imported (`use`, `extern crate`), names an attribute
//! (`#[sea_orm(…)]`), or is written in code or in a macro call with at least two
//! segments (`sqlx::query`); a crate's name
//! alone in code names nothing (`let http = …` is a variable). The response
//! rule also counts `IntoResponse`, `IntoResponseParts` and `StatusCode` alone.
//! Comments and string literals are never read.

use super::lexer::{named_paths, NamedPath};
use super::Violation;

/// The crates `domain/` and `core/` never name: HTTP, storage, SDKs, UI. Matched
/// on a path's first segment; `*` ends a prefix.
const NOT_IN_DOMAIN: &[&str] = &[
    "axum*", "http", "hyper*", "sea_orm*", "sqlx*", "aws_*", "redis", "leptos*", "tower*",
];

/// The crates only `adapters/` names: databases and storage SDKs.
const STORAGE_CRATES: &[&str] = &["sea_orm*", "sqlx*", "aws_*", "redis"];

/// Files outside `adapters/` allowed to name a storage crate, each with the reason.
/// The composition root (`app.rs`) builds adapters from their constructors and
/// names none of these crates, so the list is empty.
const STORAGE_NAMES_ALLOWED: &[(&str, &str)] = &[];

/// Whether a crate name matches one of `patterns`.
fn matches_crate(name: &str, patterns: &[&str]) -> bool {
    patterns
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *pattern,
        })
}

/// The paths of `text` that name something rather than being a bare word in code.
fn naming_paths(text: &str) -> impl Iterator<Item = NamedPath> {
    named_paths(text)
        .into_iter()
        .filter(|path| path.imported || path.attribute || path.segments.len() > 1)
}

/// Rule `domain-is-pure`: `backend/src/domain/` and `backend/src/core/` import or
/// name none of axum, http, hyper, sea_orm, sqlx, aws_*, redis, leptos*, tower*
/// nor `tokio::fs`.
pub fn domain_names_no_infrastructure(path: &str, text: &str) -> Vec<Violation> {
    let layer = if path.starts_with("backend/src/domain/") {
        "domain/"
    } else if path.starts_with("backend/src/core/") {
        "core/"
    } else {
        return Vec::new();
    };
    naming_paths(text)
        .filter(|named| {
            matches_crate(named.root(), NOT_IN_DOMAIN)
                || (named.root() == "tokio" && named.segments.get(1).is_some_and(|s| s == "fs"))
        })
        .map(|named| Violation {
            path: path.to_owned(),
            line: named.line,
            rule: "domain-is-pure",
            message: format!("{layer} names `{}`", named.text()),
            fix: format!(
                "{layer} stays free of HTTP, storage, SDKs, UI and file IO: take what is needed \
                 through a port (ports.rs) or a plain type, and do this work in http/ or adapters/"
            ),
        })
        .collect()
}

/// Rule `storage-in-adapters`: outside `backend/src/adapters/` nothing names
/// sea_orm, sqlx, aws_* or redis. `domain/` and `core/` are left to
/// `domain-is-pure`, which forbids these and more, so a path is reported once.
pub fn only_adapters_name_storage(path: &str, text: &str) -> Vec<Violation> {
    let Some(inside) = path.strip_prefix("backend/src/") else {
        return Vec::new();
    };
    if ["adapters/", "domain/", "core/"]
        .iter()
        .any(|layer| inside.starts_with(layer))
        || STORAGE_NAMES_ALLOWED
            .iter()
            .any(|(allowed, _)| *allowed == path)
    {
        return Vec::new();
    }
    naming_paths(text)
        .filter(|named| matches_crate(named.root(), STORAGE_CRATES))
        .map(|named| Violation {
            path: path.to_owned(),
            line: named.line,
            rule: "storage-in-adapters",
            message: format!("`{}` is named outside adapters/", named.text()),
            fix: "only adapters/ names a database or SDK type: add a port method (ports.rs) that \
                  says what is needed, implement it in adapters/, and call the port here"
                .into(),
        })
        .collect()
}

/// The names that build an HTTP response, wherever they appear in a path.
const RESPONSE_NAMES: &[&str] = &["IntoResponse", "IntoResponseParts", "StatusCode"];

/// Crates whose `response` module, `Response` type or body-bearing answers
/// (`Json`, `Html`, `Redirect`, `Sse`) build a response.
const HTTP_CRATES: &[&str] = &["axum*", "http", "hyper*"];

/// What in `named` builds a response, if anything.
fn builds_response(named: &NamedPath) -> Option<&'static str> {
    let segments = &named.segments;
    if let Some(name) = RESPONSE_NAMES
        .iter()
        .find(|name| segments.iter().any(|s| s == **name))
    {
        return Some(*name);
    }
    if segments
        .windows(2)
        .any(|pair| pair[0] == "Response" && pair[1] == "builder")
    {
        return Some("Response::builder");
    }
    if !matches_crate(named.root(), HTTP_CRATES) {
        return None;
    }
    let rest = &segments[1..];
    if rest.iter().any(|s| s == "response" || s == "Response") {
        return Some("an axum, http or hyper response");
    }
    if named.root().starts_with("axum")
        && rest
            .iter()
            .any(|s| ["Json", "Html", "Redirect", "Sse"].contains(&s.as_str()))
    {
        return Some("an axum answer type (Json, Html, Redirect, Sse)");
    }
    None
}

/// Rule `responses-in-http`: outside `backend/src/http/` nothing builds an HTTP
/// response. It looks for `IntoResponse`, `IntoResponseParts` and `StatusCode`
/// anywhere in a path, `Response::builder`, anything under a `response` module or
/// named `Response` in axum*, http or hyper*, and axum's `Json`, `Html`,
/// `Redirect` and `Sse`.
pub fn only_http_builds_responses(path: &str, text: &str) -> Vec<Violation> {
    let Some(inside) = path.strip_prefix("backend/src/") else {
        return Vec::new();
    };
    if inside.starts_with("http/") {
        return Vec::new();
    }
    // `IntoResponse` and `StatusCode` alone count too: they name nothing else.
    named_paths(text)
        .into_iter()
        .filter_map(|named| {
            let what = builds_response(&named)?;
            Some(Violation {
                path: path.to_owned(),
                line: named.line,
                rule: "responses-in-http",
                message: format!(
                    "`{}` builds an HTTP response ({what}) outside http/",
                    named.text()
                ),
                fix: "only http/ builds responses: return a domain value or error from here and \
                      map it to a response in http/ (errors through ApiError in http/error.rs)"
                    .into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rule = fn(&str, &str) -> Vec<Violation>;

    /// The `line: path` of each violation `rule` finds in `text` at `path`.
    #[track_caller]
    fn check(rule: Rule, path: &str, text: &str, expect: &[&str]) {
        let got: Vec<String> = rule(path, text)
            .iter()
            .map(|v| format!("{}: {}", v.line, v.message))
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn domain_and_core_name_no_infrastructure() {
        let text = "//! Rules.\n\
                    use axum::Json;\n\
                    use tokio::{fs, sync::Mutex};\n\
                    use leptos_router::A;\n\
                    fn f() -> http::Uri { sqlx::query(\"axum::Json\"); aws_sdk_s3::Client::new() }\n\
                    #[tokio::test] async fn t() { tower::ServiceExt::oneshot(); }\n\
                    // redis::cmd is in a comment\n";
        let expect = [
            "2: domain/ names `axum::Json`",
            "3: domain/ names `tokio::fs`",
            "4: domain/ names `leptos_router::A`",
            "5: domain/ names `http::Uri`",
            "5: domain/ names `sqlx::query`",
            "5: domain/ names `aws_sdk_s3::Client::new`",
            "6: domain/ names `tower::ServiceExt::oneshot`",
        ];
        check(
            domain_names_no_infrastructure,
            "backend/src/domain/x.rs",
            text,
            &expect,
        );
        let in_core = domain_names_no_infrastructure("backend/src/core/x.rs", "use redis::Cmd;");
        assert_eq!(in_core.len(), 1);
        check(
            domain_names_no_infrastructure,
            "backend/src/http/x.rs",
            text,
            &[],
        );
        check(
            domain_names_no_infrastructure,
            "backend/src/domain/ok.rs",
            "use crate::ports::BlobStore; use tokio::sync::Mutex; let http = \"http\";",
            &[],
        );
    }

    #[test]
    fn only_adapters_name_storage_crates() {
        let text = "use sea_orm::DbErr;\nfn f(e: ::sqlx::Error) { redis::cmd(\"GET\"); }\n\
                    use aws_smithy_types::Blob;\n#[sea_orm(table_name = \"files\")]\n";
        let expect = [
            "1: `sea_orm::DbErr` is named outside adapters/",
            "2: `sqlx::Error` is named outside adapters/",
            "2: `redis::cmd` is named outside adapters/",
            "3: `aws_smithy_types::Blob` is named outside adapters/",
            "4: `sea_orm` is named outside adapters/",
        ];
        check(
            only_adapters_name_storage,
            "backend/src/app.rs",
            text,
            &expect,
        );
        check(
            only_adapters_name_storage,
            "backend/src/http/api.rs",
            "use aws_config::Region;",
            &["1: `aws_config::Region` is named outside adapters/"],
        );
        check(
            only_adapters_name_storage,
            "backend/src/adapters/sql/mod.rs",
            text,
            &[],
        );
        check(
            only_adapters_name_storage,
            "backend/src/main.rs",
            "fn f() { filter(\"info,sqlx=warn,sea_orm=warn\") }",
            &[],
        );
    }

    #[test]
    fn only_http_builds_a_response() {
        let text = "use axum::response::{IntoResponse, Response};\n\
                    use axum::http::StatusCode;\n\
                    fn f() -> impl IntoResponse { http::Response::builder().status(500) }\n\
                    fn g() { axum::Json(1); hyper::Response::new(()); }\n";
        let expect = [
            "1: `axum::response::IntoResponse` builds an HTTP response (IntoResponse) outside http/",
            "1: `axum::response::Response` builds an HTTP response (an axum, http or hyper response) outside http/",
            "2: `axum::http::StatusCode` builds an HTTP response (StatusCode) outside http/",
            "3: `IntoResponse` builds an HTTP response (IntoResponse) outside http/",
            "3: `http::Response::builder` builds an HTTP response (Response::builder) outside http/",
            "4: `axum::Json` builds an HTTP response (an axum answer type (Json, Html, Redirect, Sse)) outside http/",
            "4: `hyper::Response::new` builds an HTTP response (an axum, http or hyper response) outside http/",
        ];
        check(
            only_http_builds_responses,
            "backend/src/core/x.rs",
            text,
            &expect,
        );
        check(
            only_http_builds_responses,
            "backend/src/http/x.rs",
            text,
            &[],
        );
        check(
            only_http_builds_responses,
            "backend/src/app.rs",
            "fn f() { let request = request.map(axum::body::Body::new); axum::Router::new(); }",
            &[],
        );
    }
}
