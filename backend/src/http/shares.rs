//! Sharing over HTTP: the share management API (`/api/v1/shares`), the link API
//! (`/api/v1/s/{token}/…`: what a link shows, downloads, the password, uploads into
//! a file request) and the form posts of the link pages (`POST /s/{token}`), which
//! work without JavaScript.
//!
//! A link's token is its credential. A password-protected link also needs the
//! `cairn_link` cookie that entering the password sets, scoped to that link's paths.
//! Every path a link holder names is parsed relative to the share's root and refused
//! when it could climb out of it.

use super::api::{
    announced_chunks, attachment, body_stream, chunk_index, content_length, init_chunks,
    serve_content, zip_response, PackedQuery,
};
use super::error::{error_body, ApiError};
use super::extract::{ApiJson, ApiMultipart, ApiPath, ApiQuery, AuthUser, ClientAddr};
use super::openapi::Binary;
use super::AppState;
use crate::core::{
    Download, InitRequest, LinkAccess, LinkReceipt, LinkView, ShareChange, ShareRequest, ShareView,
    UploadState,
};
use crate::domain::{
    share_subpath, Error, FileEntry, FileId, RelPath, ShareKind, SharePermission, UploadId,
};
use axum::body::Body;
use axum::extract::{FromRequest, OriginalUri, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontend::api::types::{
    AnnounceChunks, ChunksNeeded, ChunksStored, ErrorBody, FileMeta, LinkPassword, NewShare,
    ServerConfig, ShareCreated, ShareInfo, ShareList, ShareListQuery, SharePage, ShareUpdate,
    SharedEntry, UploadCommitted, UploadComplete, UploadInit, UploadInitResponse, UploadStatus,
};

type ApiResult<T> = Result<T, ApiError>;

/// The cookie that proves a browser entered a link's password.
pub const LINK_COOKIE: &str = "cairn_link";

fn kind_to_wire(kind: ShareKind) -> frontend::api::types::ShareKind {
    match kind {
        ShareKind::Link => frontend::api::types::ShareKind::Link,
        ShareKind::User => frontend::api::types::ShareKind::User,
    }
}

fn kind_from_wire(kind: frontend::api::types::ShareKind) -> ShareKind {
    match kind {
        frontend::api::types::ShareKind::Link => ShareKind::Link,
        frontend::api::types::ShareKind::User => ShareKind::User,
    }
}

fn permission_to_wire(permission: SharePermission) -> frontend::api::types::SharePermission {
    match permission {
        SharePermission::Viewer => frontend::api::types::SharePermission::Viewer,
        SharePermission::Editor => frontend::api::types::SharePermission::Editor,
        SharePermission::UploadOnly => frontend::api::types::SharePermission::UploadOnly,
    }
}

fn permission_from_wire(permission: frontend::api::types::SharePermission) -> SharePermission {
    match permission {
        frontend::api::types::SharePermission::Viewer => SharePermission::Viewer,
        frontend::api::types::SharePermission::Editor => SharePermission::Editor,
        frontend::api::types::SharePermission::UploadOnly => SharePermission::UploadOnly,
    }
}

/// A link's address on this server (relative, so it works behind any host name).
pub fn link_url(token: &str) -> String {
    format!("/s/{token}")
}

/// A share as the API shows it.
pub fn share_info(view: &ShareView) -> ShareInfo {
    let share = &view.record.share;
    ShareInfo {
        id: share.id.clone(),
        kind: kind_to_wire(share.kind),
        permission: permission_to_wire(share.permission),
        file_id: share.file_id.to_string(),
        name: view.name.clone(),
        is_folder: view.is_folder,
        path: view.path.clone(),
        owner: view.record.owner_name.clone(),
        recipient: view.record.recipient_name.clone(),
        url: share.token.as_ref().map(|t| link_url(t.as_str())),
        has_password: share.password_hash.is_some(),
        expires_at: share.expires_at,
        download_count: share.download_count,
        created_at: share.created_at,
    }
}

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
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`not-found`: no live file or folder with that id among this user's files, or no user with that name.", body = ErrorBody),
        (status = 409, description = "`already-exists`: this entry is already shared with that user; change that share instead.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`not-found`: no share with that id made by this user.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`not-found`: no share with that id made by or with this user.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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

/// The `cairn_link` grant a request carries, if any.
pub fn link_grant(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(grant_from_cookie_header)
}

/// The `cairn_link` grant in a `Cookie` header.
pub fn grant_from_cookie_header(cookies: &str) -> Option<String> {
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == LINK_COOKIE && !value.is_empty()).then(|| value.to_string())
    })
}

/// The `Set-Cookie` values that keep a link unlocked in this browser: one for its
/// pages, one for its API (downloads, uploads), each scoped to that link alone.
pub fn grant_cookies(token: &str, grant: &str) -> Vec<String> {
    [link_url(token), format!("/api/v1/s/{token}")]
        .iter()
        .map(|path| format!("{LINK_COOKIE}={grant}; HttpOnly; SameSite=Lax; Path={path}"))
        .collect()
}

async fn open_link(state: &AppState, headers: &HeaderMap, token: &str) -> ApiResult<LinkAccess> {
    Ok(state
        .core
        .open_link(token, link_grant(headers).as_deref())
        .await?)
}

/// Whether a name looks like an image the browser can show, and its media type.
pub fn image_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "bmp" => "image/bmp",
        _ => return None,
    })
}

fn shared_entry(entry: &FileEntry, path: &RelPath) -> SharedEntry {
    SharedEntry {
        name: entry.name.clone(),
        path: path.to_string(),
        is_folder: entry.is_folder,
        size: entry.size,
        modified_at: entry.modified_at,
        is_image: !entry.is_folder && image_type(&entry.name).is_some(),
    }
}

/// What a link shows at `path` (relative to its root), for its page and its API.
pub async fn share_page(
    state_core: &crate::core::Core,
    grant: Option<&str>,
    token: &str,
    path: &str,
) -> Result<SharePage, Error> {
    let sub = share_subpath(path)?;
    let access = match state_core.open_link(token, grant).await {
        Err(Error::LinkPasswordRequired) => {
            let access = state_core.find_link(token).await?;
            return Ok(SharePage {
                token: token.to_string(),
                needs_password: true,
                permission: permission_to_wire(access.share.permission),
                name: String::new(),
                owner: String::new(),
                expires_at: access.share.expires_at,
                path: "/".into(),
                is_folder: false,
                file: None,
                entries: Vec::new(),
                max_form_upload_bytes: 0,
            });
        }
        other => other?,
    };
    let mut page = SharePage {
        token: token.to_string(),
        needs_password: false,
        permission: permission_to_wire(access.share.permission),
        name: access.root.name.clone(),
        owner: access.owner.username.clone(),
        expires_at: access.share.expires_at,
        path: "/".into(),
        is_folder: access.root.is_folder,
        file: None,
        entries: Vec::new(),
        max_form_upload_bytes: state_core
            .limits()
            .max_request_bytes
            .saturating_sub(64 * 1024),
    };
    match state_core.link_view(&access, &sub).await? {
        LinkView::UploadOnly { .. } => {}
        LinkView::File { file, path } => {
            page.path = path.to_string();
            page.is_folder = false;
            page.file = Some(shared_entry(&file, &path));
        }
        LinkView::Folder { path, entries, .. } => {
            page.path = path.to_string();
            page.is_folder = true;
            page.entries = entries
                .iter()
                .map(|(entry, path)| shared_entry(entry, path))
                .collect();
        }
    }
    Ok(page)
}

#[derive(serde::Deserialize)]
pub struct LinkPageQuery {
    #[serde(default)]
    path: Option<String>,
}

/// `GET /s/{token}` (API): what a link shows.
#[utoipa::path(
    get,
    path = "/api/v1/s/{token}",
    tag = "links",
    summary = "What a link shows",
    description = "Public: the token is the credential; a password-protected link also needs the `cairn_link` cookie from `POST /api/v1/s/{token}/unlock`, and without it answers only `needs_password: true`. A file request never lists what its folder holds.",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token, as in `/s/{token}`."),
        ("path" = Option<String>, Query, nullable = false, max_length = 4095, pattern = r#"^/?(?:(?:\.{0,2}[^/\\.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\\\u0000-\u001F\u007F-\u009F]*(?:/(?:\.{0,2}[^/\\.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\\\u0000-\u001F\u007F-\u009F]*)*)?/?$"#, description = "A path inside the shared folder, such as `/photos`; `/` (the default) is the shared entry. Names without control characters or backslashes, not `.` or `..`, at most 255 bytes of UTF-8 each."),
    ),
    responses(
        (status = 200, description = "The shared file, or the folder's entries at `path`.", body = SharePage),
        (status = 400, description = "`invalid-path` or `bad-request`: the path is malformed or tries to leave the shared folder (`..`, backslashes, empty segments).", body = ErrorBody),
        (status = 403, description = "`forbidden`: a file request shows nothing below its folder.", body = ErrorBody),
        (status = 404, description = "`link-not-found`: no such link (never made, or revoked), or the shared entry is gone; `not-found`: nothing at that path in the shared folder.", body = ErrorBody),
        (status = 410, description = "`link-expired`: the link expired.", body = ErrorBody),
    ),
)]
pub async fn link_show(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(query): ApiQuery<LinkPageQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<SharePage>> {
    let grant = link_grant(&headers);
    let path = query.path.unwrap_or_default();
    Ok(Json(
        share_page(&state.core, grant.as_deref(), &token, &path).await?,
    ))
}

/// The client a request comes from, for limiting password guesses.
fn client_of(request: &Request, state: &AppState) -> String {
    ClientAddr::of(request.headers(), request.extensions(), state).0
}

/// `POST /s/{token}/unlock`.
#[utoipa::path(
    post,
    path = "/api/v1/s/{token}/unlock",
    tag = "links",
    summary = "Enter a link's password",
    description = "Public. On success sets the `cairn_link` cookie (HttpOnly, SameSite=Lax, scoped to this link's pages and API paths), which later requests of this link must carry. Wrong passwords are limited per link and per client: after 5 wrong ones for a link (20 for a client over all links) within a minute, the answer is 429 until the window has passed.",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token."),
    ),
    request_body = LinkPassword,
    responses(
        (status = 204, description = "Unlocked.", headers(("Set-Cookie" = String, description = "The `cairn_link` grant, for `/s/{token}` and `/api/v1/s/{token}`."))),
        (status = 400, description = "`bad-request`: the body is not the JSON this endpoint takes. `password-too-long`: more than 1024 bytes.", body = ErrorBody),
        (status = 401, description = "`wrong-link-password`: the password is wrong.", body = ErrorBody),
        (status = 404, description = "`link-not-found`: no such link (never made, or revoked).", body = ErrorBody),
        (status = 410, description = "`link-expired`: the link expired.", body = ErrorBody),
        (status = 429, description = "`too-many-attempts`: too many wrong passwords lately; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, description = "`server-busy`: every password check is taken; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn link_unlock(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    request: Request,
) -> ApiResult<Response> {
    let client = client_of(&request, &state);
    let ApiJson(body) = ApiJson::<LinkPassword>::from_request(request, &state).await?;
    let (_, grant) = state
        .core
        .unlock_link(&token, &body.password, &client)
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_grant(&mut response, &token, &grant);
    Ok(response)
}

fn set_grant(response: &mut Response, token: &str, grant: &str) {
    if grant.is_empty() {
        return;
    }
    for cookie in grant_cookies(token, grant) {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not
/// UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut res = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            res.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            res.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(res).ok()
}

/// The path inside a share that a download URL names after `/content`, checked
/// before decoding: an encoded `/` or `\` would hide a separator inside a name.
fn download_subpath(uri: &axum::http::Uri, token: &str) -> Result<RelPath, Error> {
    let prefix = format!("/api/v1/s/{token}/content");
    let raw = uri.path().strip_prefix(&prefix).unwrap_or("");
    // A '/' between names may come encoded, as clients encode path parameters; the
    // decoded path's every name is then checked like any other.
    if raw.to_ascii_lowercase().contains("%5c") {
        return Err(Error::BadRequest(
            "the path holds an encoded '\\'; names cannot hold one, and folders are \
             separated by '/'"
                .into(),
        ));
    }
    let decoded = percent_decode(raw).ok_or_else(|| {
        Error::BadRequest("the path has a malformed %-escape or is not UTF-8".into())
    })?;
    share_subpath(&decoded)
}

#[derive(serde::Deserialize)]
pub struct ContentQuery {
    #[serde(default)]
    inline: Option<String>,
}

async fn link_content(
    state: AppState,
    headers: HeaderMap,
    uri: axum::http::Uri,
    token: String,
    inline: bool,
) -> ApiResult<Response> {
    let access = open_link(&state, &headers, &token).await?;
    let sub = download_subpath(&uri, &token)?;
    // A whole download counts, a preview or a later part of a file does not.
    let later_part = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|range| !range.trim().starts_with("bytes=0-"));
    let download = state
        .core
        .link_download(&access, &sub, !inline && !later_part)
        .await?;
    match download {
        Download::File(content) => {
            let etag = content.entry.content_hash.clone().unwrap_or_default();
            let (name, size) = (content.entry.name.clone(), content.entry.size);
            let mut response = serve_content(&state, &headers, content.chunks, &name, size, &etag);
            if inline {
                if let Some(media_type) = image_type(&name) {
                    let headers = response.headers_mut();
                    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
                    let disposition = attachment(&name).replacen("attachment", "inline", 1);
                    if let Ok(value) = HeaderValue::from_str(&disposition) {
                        headers.insert(header::CONTENT_DISPOSITION, value);
                    }
                }
            }
            Ok(response)
        }
        Download::Folder { name, items } => {
            let slot = state.core.zip_slot_of_link(&access.share.id)?;
            Ok(zip_response(&state, &name, items, slot))
        }
    }
}

/// `GET /s/{token}/content`: the shared file, or the shared folder as a zip.
#[utoipa::path(
    get,
    path = "/api/v1/s/{token}/content",
    tag = "links",
    summary = "Download what a link shares",
    description = "Public (with the `cairn_link` cookie for a password-protected link). A file honours one `Range`; a folder streams as a ZIP archive. Each whole download adds one to the link's download count.",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token."),
        ("inline" = Option<String>, Query, nullable = false, description = "Any value: show an image in the browser (`Content-Disposition: inline`) instead of downloading it; previews are not counted."),
        ("Range" = Option<String>, Header, nullable = false, description = "One byte range, as for `GET /api/v1/files/{file_id}/content`."),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "ETags from an earlier answer (the quoted content hash), or `*`; a match answers 304."),
    ),
    responses(
        (status = 200, description = "The file's bytes, or the folder as a ZIP archive.", content(
            (Binary = "application/octet-stream"),
            (Binary = "application/zip"),
        )),
        (status = 206, description = "The requested range of the file.", body = Binary, content_type = "application/octet-stream"),
        (status = 304, description = "`If-None-Match` matched: the client's copy is current; no body.", headers(
            ("ETag" = String, description = "The content hash, quoted."),
        )),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
        (status = 403, description = "`forbidden`: a file request offers nothing to download.", body = ErrorBody),
        (status = 404, description = "`link-not-found`: no such link (never made, or revoked), or the shared entry is gone.", body = ErrorBody),
        (status = 410, description = "`link-expired`: the link expired.", body = ErrorBody),
        (status = 416, description = "`range-not-satisfiable`: the range starts past the end of the file.", body = ErrorBody),
        (status = 429, description = "`too-many-at-once`: as many archives (change streams) run for this user or link as may at once; try again after `Retry-After` seconds. `too-many-requests`: this client address sent more requests to link endpoints this minute than allowed; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn link_content_root(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(query): ApiQuery<ContentQuery>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    link_content(state, headers, uri, token, query.inline.is_some()).await
}

/// `GET /s/{token}/content/{path}`: a file or folder inside a shared folder.
#[utoipa::path(
    get,
    path = "/api/v1/s/{token}/content/{path}",
    tag = "links",
    summary = "Download a file or folder inside a shared folder",
    description = "Public (with the `cairn_link` cookie for a password-protected link). The path is relative to the shared folder, each name percent-encoded; `..`, backslashes and encoded `/` are refused. A file honours one `Range`; a folder streams as a ZIP archive.",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token."),
        ("path" = String, Path, max_length = 4095, pattern = r#"^(?:\.{0,2}[^/\\.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\\\u0000-\u001F\u007F-\u009F]*(?:/(?:\.{0,2}[^/\\.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\\\u0000-\u001F\u007F-\u009F]*)*/?$"#, description = "The path inside the shared folder, such as `photos/a.jpg`: each name percent-encoded, with `/` (plain or as `%2F`) between them; no control characters, backslashes, `.` or `..`."),
        ("inline" = Option<String>, Query, nullable = false, description = "Any value: show an image in the browser instead of downloading it; previews are not counted."),
        ("Range" = Option<String>, Header, nullable = false, description = "One byte range."),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "ETags from an earlier answer (the quoted content hash), or `*`; a match answers 304."),
    ),
    responses(
        (status = 200, description = "The file's bytes, or the folder as a ZIP archive.", content(
            (Binary = "application/octet-stream"),
            (Binary = "application/zip"),
        )),
        (status = 206, description = "The requested range of the file.", body = Binary, content_type = "application/octet-stream"),
        (status = 304, description = "`If-None-Match` matched: the client's copy is current; no body.", headers(
            ("ETag" = String, description = "The content hash, quoted."),
        )),
        (status = 400, description = "`invalid-path` or `bad-request`: the path is malformed or tries to leave the shared folder.", body = ErrorBody),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
        (status = 403, description = "`forbidden`: a file request offers nothing to download.", body = ErrorBody),
        (status = 404, description = "`link-not-found`: no such link, or the shared entry is gone; `not-found`: nothing at that path in the shared folder.", body = ErrorBody),
        (status = 410, description = "`link-expired`: the link expired.", body = ErrorBody),
        (status = 416, description = "`range-not-satisfiable`: the range starts past the end of the file.", body = ErrorBody),
    ),
)]
pub async fn link_content_path(
    State(state): State<AppState>,
    ApiPath((token, _path)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ContentQuery>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    link_content(state, headers, uri, token, query.inline.is_some()).await
}

/// `GET /s/{token}/config`: the upload parameters, for the page's uploader.
#[utoipa::path(
    get,
    path = "/api/v1/s/{token}/config",
    tag = "links",
    summary = "Upload parameters for a file request",
    description = "Public: the same as `GET /api/v1/config`, under the link's path so that uploaders can be pointed at one base address.",
    params(("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token.")),
    responses(
        (status = 200, description = "Chunking parameters and request limits.", body = ServerConfig),
    ),
)]
pub async fn link_config(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> ApiResult<Json<ServerConfig>> {
    crate::domain::check_id("link", &token)?;
    Ok(super::api::get_config(State(state)).await)
}

/// `POST /s/{token}/files/upload/init`.
#[utoipa::path(
    post,
    path = "/api/v1/s/{token}/files/upload/init",
    tag = "links",
    summary = "Start an upload into a file request",
    description = "As `POST /api/v1/files/upload/init`, with `path` relative to the shared folder. Every chunk must be sent (nothing the owner stores is skipped), and a name already taken gets a conflicted-copy name when the upload commits: nothing is ever replaced.",
    params(("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token.")),
    request_body = UploadInit,
    responses(
        (status = 200, description = "The upload session and the chunks to send (all of them).", body = UploadInitResponse),
        (status = 400, description = "`invalid-path` or `bad-request`: the path is malformed, leaves the shared folder or is `/`, or a chunk is malformed.", body = ErrorBody),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the link is not a file request.", body = ErrorBody),
        (status = 404, description = "`link-not-found`: no such link (never made, or revoked), or the folder is gone.", body = ErrorBody),
        (status = 410, description = "`link-expired`: the link expired.", body = ErrorBody),
        (status = 507, description = "`quota-exceeded`: the owner has no room for the file (how much room there is stays untold). `too-many-entries`: the owner's account holds as many files and folders as it may.", body = ErrorBody),
        (status = 429, description = "`too-many-uploads`: the account has as many unfinished uploads open as it may (`CAIRN_MAX_OPEN_UPLOADS`, or `CAIRN_MAX_OPEN_LINK_UPLOADS` through file-request links); finish or cancel some. `too-many-requests`: this client address sent more requests to link endpoints this minute than allowed; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn link_upload_init(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<UploadInit>,
) -> ApiResult<Json<UploadInitResponse>> {
    let access = open_link(&state, &headers, &token).await?;
    let chunks = init_chunks(&request)?;
    // A file request names no device and replaces no file, but a body that would be
    // refused elsewhere is refused here too.
    crate::domain::device_name(request.device.clone())?;
    request.file_id.as_deref().map(FileId::parse).transpose()?;
    let (session, chunks_needed) = state
        .core
        .link_upload_init(
            &access,
            InitRequest {
                path: share_subpath(&request.path)?,
                size: request.size,
                parent_rev: None,
                base_file: None,
                device: None,
                chunks,
            },
        )
        .await?;
    Ok(Json(UploadInitResponse {
        upload_id: session.id.to_string(),
        chunks_needed,
        expires_at: session.expires_at,
    }))
}

/// `POST /s/{token}/files/upload/{upload_id}/chunks`.
#[utoipa::path(
    post,
    path = "/api/v1/s/{token}/files/upload/{upload_id}/chunks",
    tag = "links",
    summary = "Announce further chunks of a file-request upload",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token."),
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The upload's id."),
    ),
    request_body = AnnounceChunks,
    responses(
        (status = 200, description = "The chunks still to send.", body = ChunksNeeded),
        (status = 400, description = "`bad-request`: a chunk is malformed or announced twice.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the link is not a file request.", body = ErrorBody),
        (status = 404, description = "`link-not-found` or `upload-not-found`.", body = ErrorBody),
        (status = 410, description = "`link-expired` or `upload-expired`.", body = ErrorBody),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
    ),
)]
pub async fn link_upload_announce(
    State(state): State<AppState>,
    ApiPath((token, upload_id)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<AnnounceChunks>,
) -> ApiResult<Json<ChunksNeeded>> {
    let access = open_link(&state, &headers, &token).await?;
    let chunks = announced_chunks(&request)?;
    let chunks_needed = state
        .core
        .link_upload_announce(&access, &UploadId::from_string(upload_id), chunks)
        .await?;
    Ok(Json(ChunksNeeded { chunks_needed }))
}

/// `PUT /s/{token}/files/upload/{upload_id}/chunks?indexes=…`.
#[utoipa::path(
    put,
    path = "/api/v1/s/{token}/files/upload/{upload_id}/chunks",
    tag = "links",
    summary = "Send several chunks of a file-request upload in one body",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token."),
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The upload's id."),
        ("indexes" = String, Query, pattern = r#"^[0-9]{1,19}(?:,[0-9]{1,19})*$"#, description = "Comma-separated chunk indexes, each named once, in body order."),
    ),
    request_body(content = Binary, content_type = "application/octet-stream", description = "The chunks' bytes concatenated in the order of `indexes`."),
    responses(
        (status = 200, description = "The chunks were verified and stored.", body = ChunksStored),
        (status = 400, description = "`bad-request`: malformed `indexes`, or the body does not match the chunks.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the link is not a file request.", body = ErrorBody),
        (status = 404, description = "`link-not-found` or `upload-not-found`.", body = ErrorBody),
        (status = 410, description = "`link-expired` or `upload-expired`.", body = ErrorBody),
        (status = 413, description = "`too-large`: the body is larger than `max_request_bytes`.", body = ErrorBody),
        (status = 422, description = "`chunk-hash-mismatch` or `chunk-size-mismatch`.", body = ErrorBody),
        (status = 503, description = "`chunk-busy`: a chunk was being removed by garbage collection as it arrived; send it again after `Retry-After` seconds (the others were stored).", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 429, description = "`too-many-requests`: this client address sent more requests to link endpoints this minute than allowed; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
    ),
)]
pub async fn link_upload_put_packed(
    State(state): State<AppState>,
    ApiPath((token, upload_id)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<PackedQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ChunksStored>> {
    let access = open_link(&state, &headers, &token).await?;
    let indexes = query.indexes()?;
    let stored = state
        .core
        .link_upload_put_chunks(
            &access,
            &UploadId::from_string(upload_id),
            &indexes,
            content_length(&headers),
            body_stream(body),
        )
        .await?;
    Ok(Json(ChunksStored { stored }))
}

/// `PUT /s/{token}/files/upload/{upload_id}/chunks/{index}`.
#[utoipa::path(
    put,
    path = "/api/v1/s/{token}/files/upload/{upload_id}/chunks/{index}",
    tag = "links",
    summary = "Send one chunk of a file-request upload",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token."),
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The upload's id."),
        ("index" = u64, Path, description = "The chunk's position in the file, from 0."),
    ),
    request_body(content = Binary, content_type = "application/octet-stream", description = "Exactly the announced chunk's bytes."),
    responses(
        (status = 200, description = "The chunk was verified and stored.", body = ChunksStored),
        (status = 400, description = "`bad-request`: the index is malformed or was not announced.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the link is not a file request.", body = ErrorBody),
        (status = 404, description = "`link-not-found` or `upload-not-found`.", body = ErrorBody),
        (status = 410, description = "`link-expired` or `upload-expired`.", body = ErrorBody),
        (status = 422, description = "`chunk-hash-mismatch` or `chunk-size-mismatch`.", body = ErrorBody),
        (status = 503, description = "`chunk-busy`: a chunk was being removed by garbage collection as it arrived; send it again after `Retry-After` seconds (the others were stored).", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 429, description = "`too-many-requests`: this client address sent more requests to link endpoints this minute than allowed; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
    ),
)]
pub async fn link_upload_put_chunk(
    State(state): State<AppState>,
    ApiPath((token, upload_id, index)): ApiPath<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ChunksStored>> {
    let access = open_link(&state, &headers, &token).await?;
    let index = chunk_index(&index)?;
    let stored = state
        .core
        .link_upload_put_chunks(
            &access,
            &UploadId::from_string(upload_id),
            &[index],
            content_length(&headers),
            body_stream(body),
        )
        .await?;
    Ok(Json(ChunksStored { stored }))
}

/// `DELETE /s/{token}/files/upload/{upload_id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/s/{token}/files/upload/{upload_id}",
    tag = "links",
    summary = "Cancel a file-request upload",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token."),
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The upload's id."),
    ),
    responses(
        (status = 204, description = "The upload is gone."),
        (status = 403, description = "`forbidden`: the link is not a file request.", body = ErrorBody),
        (status = 404, description = "`link-not-found` or `upload-not-found`.", body = ErrorBody),
        (status = 410, description = "`link-expired`.", body = ErrorBody),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
    ),
)]
pub async fn link_upload_cancel(
    State(state): State<AppState>,
    ApiPath((token, upload_id)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let access = open_link(&state, &headers, &token).await?;
    state
        .core
        .link_upload_cancel(&access, &UploadId::from_string(upload_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /s/{token}/files/upload/{upload_id}`.
#[utoipa::path(
    get,
    path = "/api/v1/s/{token}/files/upload/{upload_id}",
    tag = "links",
    summary = "Where a file-request upload stands",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token."),
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The upload's id."),
    ),
    responses(
        (status = 200, description = "Chunks received and missing; the path is relative to the shared folder.", body = UploadStatus),
        (status = 403, description = "`forbidden`: the link is not a file request.", body = ErrorBody),
        (status = 404, description = "`link-not-found` or `upload-not-found`.", body = ErrorBody),
        (status = 410, description = "`link-expired` or `upload-expired`.", body = ErrorBody),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
    ),
)]
pub async fn link_upload_status(
    State(state): State<AppState>,
    ApiPath((token, upload_id)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<UploadStatus>> {
    let access = open_link(&state, &headers, &token).await?;
    let UploadState {
        session,
        received,
        missing,
    } = state
        .core
        .link_upload_status(&access, &UploadId::from_string(upload_id))
        .await?;
    let path = RelPath::parse(&session.path)
        .ok()
        .and_then(|full| crate::domain::relative_to(&access.root_path, &full))
        .map(|p| p.to_string())
        .unwrap_or_default();
    Ok(Json(UploadStatus {
        upload_id: session.id.to_string(),
        path,
        size: session.size,
        announced: session.chunks.len() as u64,
        received,
        missing,
        expires_at: session.expires_at,
    }))
}

/// The answer to an upload through a link: where the file went, and nothing about
/// the owner's file that may have had the name.
fn link_committed(receipt: &LinkReceipt) -> UploadCommitted {
    UploadCommitted {
        file: FileMeta {
            id: String::new(),
            name: receipt.path.name().unwrap_or_default().to_string(),
            path: receipt.path.to_string(),
            is_folder: false,
            size: receipt.size,
            rev: 1,
            content_hash: None,
            modified_at: receipt.received_at,
        },
        conflict: false,
    }
}

/// `POST /s/{token}/files/upload/{upload_id}/complete`.
#[utoipa::path(
    post,
    path = "/api/v1/s/{token}/files/upload/{upload_id}/complete",
    tag = "links",
    summary = "Commit a file-request upload",
    description = "The file lands in the shared folder; when its name is taken (by a file of any content or a folder) it is saved beside it under a conflicted-copy name, which only the folder's owner sees. The answer is the same whatever the folder holds: the name and path sent (relative to the shared folder), the size, `conflict: false`, and no id.",
    params(
        ("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token."),
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The upload's id."),
    ),
    request_body = UploadComplete,
    responses(
        (status = 200, description = "Saved.", body = UploadCommitted),
        (status = 400, description = "`bad-request`: chunks were not announced from 0 on or do not add up to the size.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the link is not a file request.", body = ErrorBody),
        (status = 404, description = "`link-not-found` or `upload-not-found`.", body = ErrorBody),
        (status = 409, description = "`chunks-missing`: some chunks were never sent.", body = ErrorBody),
        (status = 410, description = "`link-expired` or `upload-expired`.", body = ErrorBody),
        (status = 422, description = "`content-hash-mismatch`.", body = ErrorBody),
        (status = 507, description = "`quota-exceeded`: the owner has no room for the file (how much room there is stays untold). `too-many-entries`: the owner's account holds as many files and folders as it may.", body = ErrorBody),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
        (status = 503, description = "`chunk-busy`: a chunk was being removed by garbage collection; send it again (or retry) after `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn link_upload_complete(
    State(state): State<AppState>,
    ApiPath((token, upload_id)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<UploadComplete>,
) -> ApiResult<Json<UploadCommitted>> {
    let access = open_link(&state, &headers, &token).await?;
    let receipt = state
        .core
        .link_upload_complete(
            &access,
            &UploadId::from_string(upload_id),
            &request.content_hash,
        )
        .await?;
    Ok(Json(link_committed(&receipt)))
}

/// Reads a small-file form: the `file` field's name and bytes.
async fn read_file_field(
    mut form: axum::extract::Multipart,
) -> Result<(String, bytes::Bytes), Error> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        Error::BadRequest(format!(
            "could not read the form: {}; send multipart/form-data with a file field (at most the size the page states)",
            e.body_text()
        ))
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let name = field
                .file_name()
                .map(str::to_string)
                .filter(|name| !name.is_empty())
                .ok_or_else(|| {
                    Error::BadRequest("choose a file to send before pressing the button".into())
                })?;
            // Browsers send only the last component, some older ones the whole path.
            let name = name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .to_string();
            return Ok((name, field.bytes().await.map_err(bad)?));
        }
    }
    Err(Error::BadRequest(
        "the form has no file field; choose a file to send".into(),
    ))
}

/// `POST /s/{token}/files`: a small file in one multipart request.
#[utoipa::path(
    post,
    path = "/api/v1/s/{token}/files",
    tag = "links",
    summary = "Send a small file to a file request in one request",
    description = "A `file` field with the bytes, named by its file name; the whole request must fit in `max_request_bytes` of `GET /api/v1/config`. A taken name gets a conflicted-copy name that only the owner sees; the answer is the same whatever the folder holds.",
    params(("token" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "The link's token.")),
    request_body(content = Binary, content_type = "multipart/form-data", description = "A `file` field."),
    responses(
        (status = 201, description = "Saved.", body = UploadCommitted),
        (status = 400, description = "`bad-request`: no file, an unreadable or too large form; `invalid-path`: the file name is not a valid name.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the link is not a file request.", body = ErrorBody),
        (status = 404, description = "`link-not-found`: no such link, or the folder is gone.", body = ErrorBody),
        (status = 410, description = "`link-expired`: the link expired.", body = ErrorBody),
        (status = 507, description = "`quota-exceeded`: the owner has no room for the file (how much room there is stays untold). `too-many-entries`: the owner's account holds as many files and folders as it may.", body = ErrorBody),
        (status = 401, description = "`link-password-required`: the link has a password; enter it first.", body = ErrorBody),
        (status = 503, description = "`chunk-busy`: a chunk was being removed by garbage collection as it was stored; send the request again after `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn link_upload_small(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    headers: HeaderMap,
    ApiMultipart(form): ApiMultipart,
) -> ApiResult<(StatusCode, Json<UploadCommitted>)> {
    let access = open_link(&state, &headers, &token).await?;
    let (name, bytes) = read_file_field(form).await?;
    let receipt = state.core.link_upload_small(&access, &name, bytes).await?;
    Ok((StatusCode::CREATED, Json(link_committed(&receipt))))
}

/// A `303 See Other` to a link page, with a message in the query.
fn back_to_link(token: &str, key: &str, message: &str) -> Response {
    let encoded: String = message
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let location = format!("{}?{key}={encoded}", link_url(token));
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
            let access = open_link(&state, &headers, &token).await?;
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
    let client = client_of(&request, &state);
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
    let status = super::error::status_and_code(error).0;
    plain_page(
        status,
        "This link has expired or was removed",
        &error.to_string(),
        None,
    )
}

/// Adds the headers every link page and download carries: no `Referer` leaks the
/// token to other sites, and search engines do not index shared files.
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
    match state.core.admit_link_request(&client_of(&request, &state)) {
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
