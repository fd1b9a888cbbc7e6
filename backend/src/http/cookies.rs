//! The cookies Cairn sets and reads: the browser session (`cairn_session`) and the
//! grants that keep a password-protected link unlocked (`cairn_link`), parsed from
//! `Cookie` headers and built for `Set-Cookie` with the `cookie` crate. A leaf: it
//! names no handler module.

use super::convert::link_url;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use cookie::time::Duration;
use cookie::{Cookie, SameSite};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "cairn_session";

/// The cookie that proves a browser entered a link's password.
pub const LINK_COOKIE: &str = "cairn_link";

/// The non-empty value of cookie `name` in one `Cookie` header, if it is there.
fn value_in(cookies: &str, name: &str) -> Option<String> {
    Cookie::split_parse(cookies)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_string())
}

/// The non-empty value of cookie `name` in any of a request's `Cookie` headers.
fn value_of(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookies| value_in(cookies, name))
}

/// The session secret in a `Cookie` header.
pub fn session_from_cookie_header(cookies: &str) -> Option<String> {
    value_in(cookies, SESSION_COOKIE)
}

/// The session secret a request's cookies carry, if any.
pub fn session_of(headers: &HeaderMap) -> Option<String> {
    value_of(headers, SESSION_COOKIE)
}

/// The `cairn_link` grant in a `Cookie` header.
pub fn grant_from_cookie_header(cookies: &str) -> Option<String> {
    value_in(cookies, LINK_COOKIE)
}

/// The `cairn_link` grant a request carries, if any.
pub fn link_grant(headers: &HeaderMap) -> Option<String> {
    value_of(headers, LINK_COOKIE)
}

/// The browser-only cookie `name=value` for `path`: never readable by scripts, and
/// sent along by top-level navigations from other sites only.
fn browser_cookie<'a>(name: &'a str, value: &'a str, path: String) -> Cookie<'a> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path(path)
        .build()
}

/// The `Set-Cookie` value that starts a browser session.
pub fn session_cookie(secret: &str, max_age_ms: i64) -> String {
    let mut cookie = browser_cookie(SESSION_COOKIE, secret, "/".into());
    cookie.set_max_age(Duration::seconds(max_age_ms / 1000));
    cookie.to_string()
}

/// The `Set-Cookie` value that ends a browser session.
pub fn clear_session_cookie() -> String {
    let mut cookie = browser_cookie(SESSION_COOKIE, "", "/".into());
    cookie.set_max_age(Duration::ZERO);
    cookie.to_string()
}

/// The `Set-Cookie` values that keep a link unlocked in this browser: one for its
/// pages, one for its API (downloads, uploads), each scoped to that link alone.
pub fn grant_cookies(token: &str, grant: &str) -> Vec<String> {
    [link_url(token), format!("/api/v1/s/{token}")]
        .into_iter()
        .map(|path| browser_cookie(LINK_COOKIE, grant, path).to_string())
        .collect()
}

/// Adds the grant cookies of link `token` to a response; nothing for a link without
/// a password, whose grant is empty.
pub fn set_grant(response: &mut Response, token: &str, grant: &str) {
    if grant.is_empty() {
        return;
    }
    for cookie in grant_cookies(token, grant) {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_read_back_and_are_built_as_before() {
        let header = "theme=dark; cairn_session=abc; cairn_link=; cairn_link=g1";
        assert_eq!(session_from_cookie_header(header).as_deref(), Some("abc"));
        assert_eq!(grant_from_cookie_header(header).as_deref(), Some("g1"));
        assert_eq!(session_from_cookie_header("cairn_session="), None);
        assert_eq!(session_from_cookie_header("junk; =x"), None);
        assert_eq!(
            session_cookie("s3", 7_200_500),
            "cairn_session=s3; HttpOnly; SameSite=Lax; Path=/; Max-Age=7200"
        );
        assert_eq!(
            clear_session_cookie(),
            "cairn_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
        );
        assert_eq!(
            grant_cookies("tk", "g"),
            [
                "cairn_link=g; HttpOnly; SameSite=Lax; Path=/s/tk",
                "cairn_link=g; HttpOnly; SameSite=Lax; Path=/api/v1/s/tk",
            ]
        );
    }
}
