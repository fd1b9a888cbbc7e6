//! Extractors that answer malformed input in the API's error shape: JSON bodies,
//! query strings, path parameters, multipart forms, the authenticated user (session
//! cookie or `Authorization: Bearer`), who sends an upload (a user, or a link's
//! holder), and the client address a request is counted against. Names no handler
//! module.

use super::cookies::{link_grant, session_of};
use super::error::{ApiError, RequestActor};
use super::state::AppState;
use crate::core::{Core, LinkAccess};
use crate::domain::{Error, User};
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::{header, request::Parts, HeaderMap};
use serde::de::DeserializeOwned;
use serde::Deserialize;

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

/// Path parameters; a parameter that is not valid percent-encoded UTF-8, holds a
/// control character, or is not of the expected type becomes a `bad-request` error.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Ids, tokens and names never hold a control character (NUL among them,
        // which no database text can hold): refuse one in any parameter here.
        if let Ok(params) = axum::extract::RawPathParams::from_request_parts(parts, state).await {
            for (name, value) in &params {
                if let Some(c) = value.chars().find(|c| c.is_control()) {
                    return Err(ApiError(Error::BadRequest(format!(
                        "the {name} in the address holds the control character U+{:04X}; use the id or name the API gave you",
                        u32::from(c)
                    ))));
                }
            }
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError(Error::BadRequest(format!(
                "invalid address: {}; percent-encode each name as UTF-8",
                rejection.body_text()
            )))),
        }
    }
}

/// A `multipart/form-data` body; a request that is not one becomes a `bad-request`
/// error.
pub struct ApiMultipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for ApiMultipart {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Multipart::from_request(req, state).await {
            Ok(form) => Ok(ApiMultipart(form)),
            Err(rejection) => Err(ApiError(Error::BadRequest(format!(
                "invalid form: {}; send Content-Type: multipart/form-data with a boundary",
                rejection.body_text()
            )))),
        }
    }
}

/// The secret a request presents: a bearer token, else the session cookie.
pub fn presented_secret(headers: &HeaderMap) -> Option<String> {
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(token.trim().to_string());
    }
    session_of(headers)
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
        let user = state.core.authenticate(&secret).await?;
        if let Some(actor) = parts.extensions.get::<RequestActor>() {
            actor.record(format!("user {}", user.id));
        }
        Ok(AuthUser(user))
    }
}

/// Opens link `token` for a request, with the `cairn_link` grant it carries.
pub async fn open_link(
    core: &Core,
    headers: &HeaderMap,
    token: &str,
) -> Result<LinkAccess, ApiError> {
    Ok(core
        .open_link(token, link_grant(headers).as_deref())
        .await?)
}

/// Who sends an upload, as the request names them: on a `/api/v1/s/{token}/…`
/// route the holder of link `token` (with the grant cookie they carry), elsewhere
/// the user its credentials authenticate.
///
/// A user is authenticated before anything else of the request is read; a link is
/// opened by [`Uploader::open`] once the handler has read the request, as the link
/// routes always have: a malformed request is told so before the link is looked up.
pub enum Uploader {
    /// A logged-in user.
    User(User),
    /// The holder of a link, not checked yet.
    Link {
        /// The link's token, from the path.
        token: String,
        /// The `cairn_link` grant the request carries.
        grant: Option<String>,
    },
}

/// The token of a link route's path.
#[derive(Deserialize)]
struct LinkToken {
    token: String,
}

impl Uploader {
    /// The sender, with the link opened: it must exist, be unexpired, and be unlocked
    /// when it has a password.
    pub async fn open(self, core: &Core) -> Result<crate::core::Uploader, ApiError> {
        Ok(match self {
            Uploader::User(user) => crate::core::Uploader::User(user),
            Uploader::Link { token, grant } => crate::core::Uploader::Link(Box::new(
                core.open_link(&token, grant.as_deref()).await?,
            )),
        })
    }
}

impl FromRequestParts<AppState> for Uploader {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let on_link = parts
            .extensions
            .get::<MatchedPath>()
            .is_some_and(|route| route.as_str().contains("/{token}/"));
        if on_link {
            // Every parameter is checked here, as the link routes did first.
            let ApiPath(LinkToken { token }) = ApiPath::from_request_parts(parts, state).await?;
            return Ok(Uploader::Link {
                token,
                grant: link_grant(&parts.headers),
            });
        }
        let AuthUser(user) = AuthUser::from_request_parts(parts, state).await?;
        Ok(Uploader::User(user))
    }
}

/// The address a request is counted against when limiting password guesses and
/// sign-ups: the TCP peer, or the client a trusted proxy names in
/// `X-Forwarded-For` (`CAIRN_TRUSTED_PROXIES`).
pub struct ClientAddr(pub String);

impl ClientAddr {
    /// The client of a request, from its connection and headers.
    pub fn of(
        headers: &HeaderMap,
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

impl ClientAddr {
    /// The client of a request not taken apart into its parts.
    pub fn of_request(request: &Request, state: &AppState) -> ClientAddr {
        ClientAddr::of(request.headers(), request.extensions(), state)
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
