//! The share management API (`/api/v1/shares`): share a file or folder as a public
//! link or with another user, list, change and revoke shares.

use super::convert::{kind_from_wire, link_url, permission_from_wire, share_info};
use super::doc_rows::Unauthenticated;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use super::state::AppState;
use crate::core::{ShareChange, ShareRequest};
use crate::domain::FileId;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use frontend::api::types::{
    ErrorBody, NewShare, ShareCreated, ShareInfo, ShareList, ShareListQuery, ShareUpdate,
};

type ApiResult<T> = Result<T, ApiError>;

/// `POST /shares`.
#[utoipa::path(
    post,
    path = "/api/v1/shares",
    tag = "shares",
    summary = "Share a file or folder",
    description = "A public link (`kind: \"link\"`, permission `viewer`, or `upload_only` on a folder for a file request, optionally with a password and an expiry), or a share with another user (`kind: \"user\"`, `username`, permission `viewer` or `editor`).",
    request_body = NewShare,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The share; for a link, its address `/s/{token}`.", body = ShareCreated),
        (status = 400, description = "`bad-request`: a link with permission `editor`, `upload_only` on a file, a user share without `username` or with `upload_only` or a password, sharing with oneself or the whole tree, an expiry in the past, or a body that is not the JSON this endpoint takes. `invalid-username`: `username` is given but is not 1 to 64 ASCII letters, digits, `.`, `_` or `-`.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: no live file or folder with that id among this user's files, or no user with that name.", body = ErrorBody),
        (status = 409, description = "`already-exists`: this entry is already shared with that user; change that share instead.", body = ErrorBody),
        (status = 503, description = "`server-busy`: a link password is being set and every password check is taken; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn shares_create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(request): ApiJson<NewShare>,
) -> ApiResult<(StatusCode, Json<ShareCreated>)> {
    let share = state
        .core
        .create_share(
            &user,
            ShareRequest {
                file_id: FileId::parse(&request.file_id)?,
                kind: kind_from_wire(request.kind),
                permission: permission_from_wire(request.permission),
                username: request.username,
                password: request.password,
                expires_at: request.expires_at,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ShareCreated {
            id: share.id,
            url: share.token.map(|t| link_url(t.as_str())),
        }),
    ))
}

/// `GET /shares`.
#[utoipa::path(
    get,
    path = "/api/v1/shares",
    tag = "shares",
    summary = "The shares you made and received",
    params(
        ("file_id" = Option<String>, Query, nullable = false, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Only the shares made of this file or folder (then `received` is empty)."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Shares made by the user and shares made with them (under `/Shared with me`), newest first.", body = ShareList),
        (status = 400, description = "`bad-request`: the query string is malformed.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
    ),
)]
pub async fn shares_list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<ShareListQuery>,
) -> ApiResult<Json<ShareList>> {
    let file = query.file_id.as_deref().map(FileId::parse).transpose()?;
    let (made, received) = state.core.shares(&user, file.as_ref()).await?;
    Ok(Json(ShareList {
        made: made.iter().map(share_info).collect(),
        received: received.iter().map(share_info).collect(),
    }))
}

/// `PATCH /shares/{share_id}`.
#[utoipa::path(
    patch,
    path = "/api/v1/shares/{share_id}",
    tag = "shares",
    summary = "Change a share's permission, password or expiry",
    params(
        ("share_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The share's id (`ShareInfo.id`)."),
    ),
    request_body = ShareUpdate,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The share as it now is.", body = ShareInfo),
        (status = 400, description = "`bad-request`: a permission the share's kind or entry does not take, a password on a user share, an expiry in the past, or a body that is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: no share with that id made by this user.", body = ErrorBody),
        (status = 503, description = "`server-busy`: a link password is being set and every password check is taken; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn shares_update(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(share_id): ApiPath<String>,
    ApiJson(request): ApiJson<ShareUpdate>,
) -> ApiResult<Json<ShareInfo>> {
    // A password sent along with `remove_password` is not set, but it is checked.
    if let Some(password) = request.password.as_deref().filter(|p| !p.is_empty()) {
        crate::domain::check_share_password(password)?;
    }
    let change = ShareChange {
        permission: request.permission.map(permission_from_wire),
        password: if request.remove_password {
            Some(None)
        } else {
            request.password.map(Some)
        },
        expires_at: if request.remove_expiry {
            Some(None)
        } else {
            request.expires_at.map(Some)
        },
    };
    let view = state.core.update_share(&user, &share_id, change).await?;
    Ok(Json(share_info(&view)))
}

/// `DELETE /shares/{share_id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/shares/{share_id}",
    tag = "shares",
    summary = "Revoke a share",
    description = "The owner revokes any of their shares (a link stops working at once); the recipient of a user share removes it from their side.",
    params(
        ("share_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The share's id (`ShareInfo.id`)."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Revoked."),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: no share with that id made by or with this user.", body = ErrorBody),
    ),
)]
pub async fn shares_delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(share_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state.core.revoke_share(&user, &share_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
