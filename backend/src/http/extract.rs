//! Extractors that answer malformed input in the API's error shape: JSON bodies,
//! query strings, the authenticated user (session cookie or
//! `Authorization: Bearer`), and the client address a request is counted against.

use super::{error::ApiError, AppState};
use crate::domain::{Error, User};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts};
use serde::de::DeserializeOwned;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "cairn_session";

/// A JSON body; malformed JSON becomes a `bad-request` error with the parser's reason.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError(Error::BadRequest(format!(
                "invalid JSON body: {}; send Content-Type: application/json with the fields this endpoint takes",
                rejection.body_text()
            )))),
        }
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError(Error::BadRequest(format!(
                "invalid query string: {}",
                rejection.body_text()
            )))),
        }
    }
}

/// The secret a request presents: a bearer token, else the session cookie.
pub fn presented_secret(headers: &axum::http::HeaderMap) -> Option<String> {
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(token.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(session_from_cookie_header)
}

/// The session secret in a `Cookie` header.
pub fn session_from_cookie_header(cookies: &str) -> Option<String> {
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
    })
}

/// The logged-in user; requests without valid credentials get `401 unauthenticated`.
pub struct AuthUser(pub User);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secret = presented_secret(&parts.headers).ok_or(ApiError(Error::Unauthenticated))?;
        Ok(AuthUser(state.core.authenticate(&secret).await?))
    }
}

/// The address a request is counted against when limiting password guesses and
/// sign-ups: the TCP peer, or the client a trusted proxy names in
/// `X-Forwarded-For` (`CAIRN_TRUSTED_PROXIES`).
pub struct ClientAddr(pub String);

impl ClientAddr {
    /// The client of a request, from its connection and headers.
    pub fn of(
        headers: &axum::http::HeaderMap,
        extensions: &axum::http::Extensions,
        state: &AppState,
    ) -> ClientAddr {
        let Some(peer) = extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip())
        else {
            // Served without connection details: every client counts as one.
            return ClientAddr("unknown".to_string());
        };
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        ClientAddr(
            crate::domain::client_address(peer, &forwarded, &state.trusted_proxies).to_string(),
        )
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr::of(&parts.headers, &parts.extensions, state))
    }
}
