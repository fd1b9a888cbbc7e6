//! Accounts and sessions: sign-up, log-in, log-out, and who is logged in.

use super::convert::user_info;
use super::cookies::{clear_session_cookie, session_cookie};
use super::doc_rows::{ServerBusy, Unauthenticated};
use super::error::ApiError;
use super::extract::{presented_secret, ApiJson, AuthUser, ClientAddr};
use super::state::AppState;
use crate::domain::User;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontend::api::types::{Credentials, ErrorBody, LoginResponse, UserInfo};

type ApiResult<T> = Result<T, ApiError>;

fn logged_in(state: &AppState, user: &User, secret: String) -> Response {
    let cookie = session_cookie(&secret, state.core.limits().session_ttl_ms);
    let mut response = Json(LoginResponse {
        user: user_info(user),
        token: secret,
    })
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /auth/signup`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/signup",
    tag = "auth",
    summary = "Create an account and log in",
    description = "Public.",
    request_body = Credentials,
    responses(
        (status = 201, description = "Signed up and logged in: the user, a bearer token, and a session cookie.", body = LoginResponse, headers(("Set-Cookie" = String, description = "The `cairn_session` cookie (HttpOnly, SameSite=Lax) for browsers."))),
        (status = 400, description = "`invalid-username`: 1 to 64 letters, digits, `.`, `_` or `-`; `weak-password`: fewer than 8 characters; `password-too-long`: more than 1024 bytes; `bad-request`: the body is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 403, description = "`cross-origin-request`: a browser sent it from another site's page.", body = ErrorBody),
        (status = 409, description = "`username-taken`: someone has that username.", body = ErrorBody),
        (status = 429, description = "`too-many-signups`: too many accounts were created from this client address in the last hour; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, response = inline(ServerBusy)),
    ),
)]
pub async fn auth_signup(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(credentials): ApiJson<Credentials>,
) -> ApiResult<Response> {
    let (user, secret) = state
        .core
        .signup(&credentials.username, &credentials.password, &client)
        .await?;
    let mut response = logged_in(&state, &user, secret);
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// `POST /auth/login`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    summary = "Log in",
    description = "Public.",
    request_body = Credentials,
    responses(
        (status = 200, description = "Logged in: the user, a bearer token, and a session cookie.", body = LoginResponse, headers(("Set-Cookie" = String, description = "The `cairn_session` cookie (HttpOnly, SameSite=Lax) for browsers."))),
        (status = 400, description = "`password-too-long`: more than 1024 bytes; `bad-request`: the body is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 401, description = "`invalid-credentials`: wrong username or password.", body = ErrorBody),
        (status = 403, description = "`cross-origin-request`: a browser sent it from another site's page.", body = ErrorBody),
        (status = 429, description = "`too-many-attempts`: too many failed log-ins lately for this username or from this client address (5 and 20 within 5 minutes by default); wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, response = inline(ServerBusy)),
    ),
)]
pub async fn auth_login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(credentials): ApiJson<Credentials>,
) -> ApiResult<Response> {
    let (user, secret) = state
        .core
        .login(&credentials.username, &credentials.password, &client)
        .await?;
    Ok(logged_in(&state, &user, secret))
}

/// `POST /auth/logout`: ends the session or revokes the bearer token presented.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    summary = "Log out",
    description = "Ends the browser session, or revokes the bearer token presented. Credentials are optional: without them this only clears the cookie.",
    security((), ("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "The session presented (cookie or bearer token) ended, if any; the session cookie is cleared.", headers(("Set-Cookie" = String, description = "Clears the `cairn_session` cookie."))),
    ),
)]
pub async fn auth_logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(secret) = presented_secret(&headers) {
        state.core.logout(&secret).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&clear_session_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /me`.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "auth",
    summary = "The logged-in user",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The user, with their usage and quota.", body = UserInfo),
        (status = 401, response = inline(Unauthenticated)),
    ),
)]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> ApiResult<Json<frontend::api::types::UserInfo>> {
    Ok(Json(user_info(&state.core.user_now(&user).await?)))
}
