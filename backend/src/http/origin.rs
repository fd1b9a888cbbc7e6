//! Cross-site request forgery: every state-changing request (any method but GET,
//! HEAD, OPTIONS and TRACE) that a browser may have sent on another site's behalf
//! is refused before any handler sees it, log-in and sign-up forms included. The
//! rules are in `domain::check_origin`; this only reads the headers and answers.

use super::cookies::session_from_cookie_header;
use super::error::ApiError;
use super::state::AppState;
use crate::domain::{check_origin, RequestOrigin};
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

fn header_text(request: &Request, name: impl axum::http::header::AsHeaderName) -> Option<&str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Refuses state-changing requests from other origins with `403 cross-origin-request`.
pub async fn same_origin_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // Every method but the safe ones, so that methods added later (WebDAV's, say)
    // are covered too.
    let safe_method = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe_method {
        return next.run(request).await;
    }
    let host = header_text(&request, header::HOST)
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    let session_cookie = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|cookies| session_from_cookie_header(cookies).is_some());
    let bearer =
        header_text(&request, header::AUTHORIZATION).is_some_and(|v| v.starts_with("Bearer "));
    let presented = RequestOrigin {
        origin: header_text(&request, header::ORIGIN),
        fetch_site: header_text(&request, "sec-fetch-site"),
        host,
        session_cookie,
        bearer,
    };
    if let Err(foreign) = check_origin(&presented, state.public_origin.as_deref()) {
        let own = state.public_origin.clone().unwrap_or_else(|| {
            format!("http(s)://{}", host.unwrap_or("the address of this server"))
        });
        return ApiError(foreign.into_error(&own)).into_response();
    }
    next.run(request).await
}
