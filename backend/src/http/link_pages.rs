//! The link pages' side of links: the form posts of `POST /s/{token}` (the password,
//! and a file request's upload form), which work without JavaScript and answer with
//! a redirect or a small page of their own; and the middleware every link page and
//! link API request passes (its rate limit, and its headers).

use super::convert::link_url;
use super::cookies::set_grant;
use super::error::{error_body, status_and_code, ApiError};
use super::extract::{open_link, ApiPath, ClientAddr};
use super::state::AppState;
use super::upload_wire::read_file_field;
use crate::domain::Error;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use frontend::format::percent_encode;

/// A `303 See Other` to a link page, with a message in the query.
fn back_to_link(token: &str, key: &str, message: &str) -> Response {
    let location = format!("{}?{key}={}", link_url(token), percent_encode(message));
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A small page of its own, for answers that cannot go back to the link page (too
/// many attempts, a link that is gone).
fn plain_page(status: StatusCode, title: &str, message: &str, back: Option<&str>) -> Response {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let back = back
        .map(|href| format!("<p><a href=\"{}\">Back</a></p>", escape(href)))
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · Cairn</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body><main class=\"centered\"><h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>{back}</main></body></html>",
        escape(title),
        escape(title),
        escape(message)
    );
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; frame-ancestors 'none'"),
    );
    response
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    password: String,
}

/// `POST /s/{token}`: the link page's forms, which work without JavaScript: the
/// password form (`application/x-www-form-urlencoded`), and a file request's upload
/// form (`multipart/form-data`). Both answer with a redirect back to the page.
pub async fn link_form(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    request: Request,
) -> Response {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        let headers = request.headers().clone();
        let result = async {
            let access = open_link(&state.core, &headers, &token).await?;
            let form = axum::extract::Multipart::from_request(request, &state)
                .await
                .map_err(|e| {
                    Error::BadRequest(format!("could not read the form: {}", e.body_text()))
                })?;
            let (name, bytes) = read_file_field(form).await?;
            Ok::<_, ApiError>(state.core.link_upload_small(&access, &name, bytes).await?)
        }
        .await;
        return match result {
            Ok(receipt) => {
                back_to_link(&token, "uploaded", receipt.path.name().unwrap_or_default())
            }
            Err(ApiError(error @ (Error::LinkNotFound | Error::LinkExpired))) => {
                link_gone_page(&error)
            }
            Err(ApiError(error)) => {
                back_to_link(&token, "error", &error_body(&error).error.message)
            }
        };
    }
    let ClientAddr(client) = ClientAddr::of_request(&request, &state);
    let form = match axum::extract::Form::<PasswordForm>::from_request(request, &state).await {
        Ok(axum::extract::Form(form)) => form,
        Err(_) => return back_to_link(&token, "error", "enter the link's password and try again"),
    };
    match state
        .core
        .unlock_link(&token, &form.password, &client)
        .await
    {
        Ok((_, grant)) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = HeaderValue::from_str(&link_url(&token)) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            set_grant(&mut response, &token, &grant);
            response
        }
        Err(error @ Error::TooManyAttempts { retry_after_secs }) => {
            let mut response = plain_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                &error.to_string(),
                Some(&link_url(&token)),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Err(error @ (Error::LinkNotFound | Error::LinkExpired)) => link_gone_page(&error),
        Err(error) => back_to_link(&token, "error", &error_body(&error).error.message),
    }
}

fn link_gone_page(error: &Error) -> Response {
    let status = status_and_code(error).0;
    plain_page(
        status,
        "This link has expired or was removed",
        &error.to_string(),
        None,
    )
}

/// Counts each request to a link's pages and API per client address: past the
/// limit per minute, 429 (a small page for the pages, the JSON error for the API).
pub async fn limit_link_requests(
    State(state): State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let is_page = path.starts_with("/s/");
    if !is_page && !path.starts_with("/api/v1/s/") {
        return next.run(request).await;
    }
    match state
        .core
        .admit_link_request(&ClientAddr::of_request(&request, &state).0)
    {
        Ok(()) => next.run(request).await,
        Err(error) if is_page => {
            let message = error_body(&error).error.message;
            let mut page = plain_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                &message,
                None,
            );
            if let Error::TooManyRequests { retry_after_secs } = error {
                page.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            page
        }
        Err(error) => ApiError(error).into_response(),
    }
}

/// Adds the headers every link page and download carries: no `Referer` leaks the
/// token to other sites, and search engines do not index shared files.
pub async fn link_headers(request: Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path();
    let is_link = path.starts_with("/s/") || path.starts_with("/api/v1/s/");
    let mut response = next.run(request).await;
    if is_link {
        let headers = response.headers_mut();
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(
            header::HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex, nofollow"),
        );
    }
    response
}
