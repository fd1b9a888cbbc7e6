//! API tokens for scripts: create, list, revoke.

use super::doc_rows::Unauthenticated;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, AuthUser};
use super::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use frontend::api::types::{CreatedToken, ErrorBody, NewToken, TokenList};

type ApiResult<T> = Result<T, ApiError>;

fn token_info(token: crate::core::ApiToken) -> frontend::api::types::TokenInfo {
    frontend::api::types::TokenInfo {
        id: token.id,
        label: token.label,
        created_at: token.created_at,
    }
}

/// `POST /tokens`: a new API token; its secret is in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    summary = "Create an API token",
    request_body = NewToken,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The token and its secret, which is shown only in this answer.", body = CreatedToken),
        (status = 400, description = "`bad-request`: the label is empty, longer than 100 characters or holds control characters, or the body is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
    ),
)]
pub async fn tokens_create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(request): ApiJson<frontend::api::types::NewToken>,
) -> ApiResult<(StatusCode, Json<frontend::api::types::CreatedToken>)> {
    let (token, secret) = state.core.create_api_token(&user, &request.label).await?;
    Ok((
        StatusCode::CREATED,
        Json(frontend::api::types::CreatedToken {
            info: token_info(token),
            token: secret,
        }),
    ))
}

/// `GET /tokens`.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    summary = "The user's API tokens",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The tokens, newest first, without their secrets.", body = TokenList),
        (status = 401, response = inline(Unauthenticated)),
    ),
)]
pub async fn tokens_list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> ApiResult<Json<frontend::api::types::TokenList>> {
    let tokens = state.core.api_tokens(&user).await?;
    Ok(Json(frontend::api::types::TokenList {
        tokens: tokens.into_iter().map(token_info).collect(),
    }))
}

/// `DELETE /tokens/{token_id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{token_id}",
    tag = "tokens",
    summary = "Revoke an API token",
    params(
        ("token_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The token's id (`TokenInfo.id`)."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Revoked."),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: the user has no API token with that id.", body = ErrorBody),
    ),
)]
pub async fn tokens_delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(token_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state.core.revoke_api_token(&user, &token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
