//! `/api/v1` handlers: each parses its input, calls one use case and maps the result.

use super::convert::{file_meta, user_info};
use super::error::ApiError;
use super::extract::{
    presented_secret, ApiJson, ApiMultipart, ApiPath, ApiQuery, AuthUser, ClientAddr,
    SESSION_COOKIE,
};
use super::openapi::{Binary, CompleteConflict, SmallUpload};
use super::range::{parse_range, ByteRange};
use super::AppState;
use crate::core::{Download, InitRequest, UploadState, ZipItem};
use crate::domain::{CommitOutcome, ConflictPolicy, Error, FileId, RelPath, UploadId, User};
use crate::zip::ZipWriter;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use frontend::api::types::{
    AnnounceChunks, ChunksNeeded, ChunksStored, CreatedToken, Credentials, ErrorBody, FileMeta,
    FolderListing, LoginResponse, NewFolder, NewToken, OnConflict, ServerConfig, TokenList,
    UploadCommitted, UploadComplete, UploadInit, UploadInitResponse, UploadStatus, UserInfo,
};
use futures::TryStreamExt;
use serde::Deserialize;
use wasm_chunker::ChunkId;

type ApiResult<T> = Result<T, ApiError>;

pub(super) fn parse_chunk_id(index: u64, hash: &str) -> Result<ChunkId, Error> {
    ChunkId::from_hex(hash).ok_or_else(|| {
        Error::BadRequest(format!(
            "chunk {index} hash {hash:?} is not 64 hex digits of SHA-256"
        ))
    })
}

/// The chunks an upload's `init` announces, as (id, size) in file order.
pub(super) fn init_chunks(request: &UploadInit) -> Result<Vec<(ChunkId, u64)>, Error> {
    request
        .chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| Ok((parse_chunk_id(index as u64, &chunk.hash)?, chunk.size)))
        .collect()
}

/// The chunks a later announcement adds, as (index, id, size).
pub(super) fn announced_chunks(
    request: &AnnounceChunks,
) -> Result<Vec<(u64, ChunkId, u64)>, Error> {
    request
        .chunks
        .iter()
        .map(|chunk| {
            Ok((
                chunk.index,
                parse_chunk_id(chunk.index, &chunk.hash)?,
                chunk.size,
            ))
        })
        .collect()
}

/// A chunk index from a request path.
pub(super) fn chunk_index(index: &str) -> Result<u64, Error> {
    index.parse().map_err(|_| {
        Error::BadRequest(format!(
            "chunk index {index:?} is not a non-negative integer"
        ))
    })
}

/// The `Set-Cookie` value that starts a browser session.
pub fn session_cookie(secret: &str, max_age_ms: i64) -> String {
    format!(
        "{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}",
        max_age_ms / 1000
    )
}

/// The `Set-Cookie` value that ends a browser session.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
}

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

/// Unknown `/api/v1` paths.
pub async fn not_found() -> ApiError {
    ApiError(Error::NotFound(
        "no such API endpoint; check the path, which starts with /api/v1/".into(),
    ))
}

/// A known `/api/v1` path called with a method it does not take.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let body = frontend::api::types::ErrorBody {
        error: frontend::api::types::ErrorDetail {
            code: "method-not-allowed".into(),
            message: format!(
                "{method} is not supported on {}; check the method for this path",
                uri.path()
            ),
        },
    };
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}

/// `GET /config`.
#[utoipa::path(
    get,
    path = "/api/v1/config",
    tag = "config",
    summary = "What every client needs before uploading",
    description = "Public. Clients must cut chunks with these parameters so that deduplication works across devices.",
    responses(
        (status = 200, description = "Chunking parameters and request limits.", body = ServerConfig),
    ),
)]
pub async fn get_config(State(state): State<AppState>) -> Json<ServerConfig> {
    let limits = state.core.limits();
    Json(ServerConfig {
        chunking: limits.chunking,
        max_request_bytes: limits.max_request_bytes,
        pack_target_bytes: limits.pack_target_bytes,
    })
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
        (status = 503, description = "`server-busy`: every password check is taken; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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
        (status = 503, description = "`server-busy`: every password check is taken; wait `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
    ),
)]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> ApiResult<Json<frontend::api::types::UserInfo>> {
    Ok(Json(user_info(&state.core.user_now(&user).await?)))
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    path: Option<String>,
}

/// `GET /files?path=/Documents`.
#[utoipa::path(
    get,
    path = "/api/v1/files",
    tag = "files",
    summary = "List a folder",
    params(
        ("path" = Option<String>, Query, nullable = false, max_length = 4096, pattern = r#"^/(?:(?:\.{0,2}[^/.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\u0000-\u001F\u007F-\u009F]*(?:/(?:\.{0,2}[^/.\u0000-\u001F\u007F-\u009F]|\.{3})[^/\u0000-\u001F\u007F-\u009F]*)*)?$"#, description = "The folder, e.g. `/Documents`; `/` when absent. Names without control characters, not `.` or `..`, at most 255 bytes of UTF-8 each once in NFC; the path at most 4096 bytes."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The folder and its entries, folders first, then by name.", body = FolderListing),
        (status = 400, description = "`invalid-path`: the path is malformed; `bad-request`: the query string is malformed.", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`not-found`: no folder at that path.", body = ErrorBody),
        (status = 409, description = "`not-a-folder`: the path names a file.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
    ),
)]
pub async fn files_list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<FolderListing>> {
    let path = RelPath::parse(query.path.as_deref().unwrap_or("/"))?;
    Ok(Json(folder_listing(&state, &user, &path).await?))
}

/// Lists a folder in wire form; shared with server-side rendering.
pub async fn folder_listing(
    state: &AppState,
    user: &User,
    path: &RelPath,
) -> Result<FolderListing, Error> {
    let (folder, shown, children) = state.core.list_folder(user, path).await?;
    Ok(FolderListing {
        folder: file_meta(&folder, &shown),
        entries: children
            .iter()
            .map(|(entry, entry_path)| file_meta(entry, entry_path))
            .collect(),
    })
}

/// `GET /files/{file_id}`.
#[utoipa::path(
    get,
    path = "/api/v1/files/{file_id}",
    tag = "files",
    summary = "A file or folder by id",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The entry.", body = FileMeta),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`not-found`: no live file or folder with that id among this user's files.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
    ),
)]
pub async fn files_get(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(file_id): ApiPath<String>,
) -> ApiResult<Json<frontend::api::types::FileMeta>> {
    let (entry, path) = state
        .core
        .file_meta(&user, &FileId::from_string(file_id))
        .await?;
    Ok(Json(file_meta(&entry, &path)))
}

/// `Content-Disposition: attachment` with the name in RFC 5987 form.
pub(super) fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// `GET /files/{file_id}/content`: the current version's bytes, streamed chunk by
/// chunk, whole or one `Range`; a folder streams as a ZIP archive.
#[utoipa::path(
    get,
    path = "/api/v1/files/{file_id}/content",
    tag = "files",
    summary = "Download a file, or a folder as ZIP",
    description = "Streams the current version chunk by chunk. Files honour one `Range` and `If-None-Match` against the content hash.",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
        ("Range" = Option<String>, Header, nullable = false, description = "One byte range: `bytes=A-B`, `bytes=A-` or `bytes=-N`. A header naming several ranges, or one this server does not understand, gets the whole content."),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "ETags from an earlier answer (the quoted content hash), or `*`; a match answers 304."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "A file's current content, whole; a folder streams as a ZIP archive (`application/zip`, named after the folder, without `ETag` or range support).", content(
            (Binary = "application/octet-stream"),
            (Binary = "application/zip"),
        ), headers(
            ("ETag" = String, description = "The content hash, quoted."),
            ("Content-Length" = u64, description = "Bytes in this answer."),
            ("Accept-Ranges" = String, description = "`bytes`."),
            ("Content-Disposition" = String, description = "`attachment` with the file's name."),
            ("Cache-Control" = String, description = "`private, no-cache`."),
        )),
        (status = 206, description = "The requested range of the content.", body = Binary, content_type = "application/octet-stream", headers(
            ("Content-Range" = String, description = "`bytes START-END/SIZE`."),
            ("ETag" = String, description = "The content hash, quoted."),
            ("Content-Length" = u64, description = "Bytes in this answer."),
            ("Content-Disposition" = String, description = "`attachment` with the file's name."),
        )),
        (status = 304, description = "`If-None-Match` matched: the client's copy is current; no body.", headers(
            ("ETag" = String, description = "The content hash, quoted."),
        )),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`not-found`: no live file or folder with that id among this user's files.", body = ErrorBody),
        (status = 416, description = "`range-not-satisfiable`: the range starts past the end of the content.", body = ErrorBody, headers(
            ("Content-Range" = String, description = "`bytes */SIZE`."),
        )),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
        (status = 429, description = "`too-many-at-once`: as many archives (change streams) run for this user or link as may at once; try again after `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn files_content(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(file_id): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    match state
        .core
        .download(&user, &FileId::from_string(file_id))
        .await?
    {
        Download::File(content) => {
            let etag = content.entry.content_hash.clone().unwrap_or_default();
            let (name, size) = (content.entry.name.clone(), content.entry.size);
            Ok(serve_content(
                &state,
                &headers,
                content.chunks,
                &name,
                size,
                &etag,
            ))
        }
        Download::Folder { name, items } => {
            let slot = state.core.zip_slot_of_user(&user)?;
            Ok(zip_response(&state, &name, items, slot))
        }
    }
}

/// The most entries one `GET /zip` names.
pub const MAX_ZIP_IDS: usize = 1000;

#[derive(Deserialize)]
pub struct ZipQuery {
    ids: String,
}

/// `GET /zip?ids=a,b`: several entries (a selection in the file browser) as one ZIP.
#[utoipa::path(
    get,
    path = "/api/v1/zip",
    tag = "files",
    summary = "Download several files and folders as one ZIP",
    params(
        ("ids" = String, Query, pattern = r#"^[^,\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]{1,128}(?:,[^,\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]{1,128})*$"#, description = "1 to 1000 ids (`FileMeta.id`) of the files and folders, separated by commas; each goes at the top level of the archive, a folder with everything in it."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The entries as a ZIP archive named `Cairn.zip`, streamed (no `Content-Length`, `ETag` or range support).", body = Binary, content_type = "application/zip", headers(
            ("Content-Disposition" = String, description = "`attachment; filename=\"Cairn.zip\"`."),
        )),
        (status = 400, description = "`bad-request`: `ids` is missing, names nothing, or names more than 1000 entries.", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`not-found`: one of the ids names no live file or folder among this user's files.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
        (status = 429, description = "`too-many-at-once`: as many archives (change streams) run for this user or link as may at once; try again after `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn files_zip(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<ZipQuery>,
) -> ApiResult<Response> {
    let ids: Vec<FileId> = query
        .ids
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(FileId::parse)
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Err(ApiError(Error::BadRequest(
            "`ids` names no file or folder; pass their ids separated by commas, e.g. ?ids=a1,b2"
                .into(),
        )));
    }
    if ids.len() > MAX_ZIP_IDS {
        return Err(ApiError(Error::BadRequest(format!(
            "`ids` names {} entries, more than the {MAX_ZIP_IDS} one archive takes; select fewer, or download their folder",
            ids.len()
        ))));
    }
    let slot = state.core.zip_slot_of_user(&user)?;
    let items = state.core.download_many(&user, &ids).await?;
    Ok(zip_response(&state, "Cairn", items, slot))
}

/// Streams a folder as a ZIP archive, one chunk at a time: a task writes the
/// archive into a small channel that the response body drains, so memory stays flat
/// whatever the folder's size, and the task stops when the client goes away. The
/// task holds `slot`, the archive's place among those its user or link may stream.
pub(super) fn zip_response(
    state: &AppState,
    name: &str,
    items: Vec<ZipItem>,
    slot: crate::core::Slot,
) -> Response {
    use futures::{SinkExt, StreamExt};
    let (mut sender, receiver) =
        futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let core = state.core.clone();
    tokio::spawn(async move {
        let _slot = slot;
        let mut zip = ZipWriter::new();
        for item in items {
            let header = zip.begin(&item.path, item.entry.is_folder, item.entry.modified_at);
            if sender.send(Ok(Bytes::from(header))).await.is_err() {
                return;
            }
            if !item.entry.is_folder {
                let chunks = match core.chunks_of(&item.entry).await {
                    Ok(chunks) => chunks,
                    Err(error) => {
                        tracing::error!(%error, "folder download failed");
                        let _ = sender
                            .send(Err(std::io::Error::other(error.to_string())))
                            .await;
                        return;
                    }
                };
                let mut pieces = core.stream_range(chunks, 0, item.entry.size);
                while let Some(piece) = pieces.next().await {
                    match piece {
                        Ok(bytes) => {
                            zip.data(&bytes);
                            if sender.send(Ok(bytes)).await.is_err() {
                                return;
                            }
                        }
                        Err(error) => {
                            tracing::error!(%error, "folder download failed");
                            let _ = sender
                                .send(Err(std::io::Error::other(error.to_string())))
                                .await;
                            return;
                        }
                    }
                }
            }
            if sender.send(Ok(Bytes::from(zip.end()))).await.is_err() {
                return;
            }
        }
        let _ = sender.send(Ok(Bytes::from(zip.finish()))).await;
    });
    let mut response = Response::new(Body::from_stream(receiver));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) = HeaderValue::from_str(&attachment(&format!("{name}.zip"))) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// Answers a content request: whole or one `Range`, `If-None-Match` against the
/// content hash, `Content-Disposition: attachment`.
pub fn serve_content(
    state: &AppState,
    headers: &HeaderMap,
    chunks: Vec<crate::domain::VersionChunk>,
    name: &str,
    size: u64,
    content_hash: &str,
) -> Response {
    let etag = format!("\"{content_hash}\"");
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let range = parse_range(
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        size,
    );
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else if range == ByteRange::Unsatisfiable {
        let mut response = ApiError(Error::RangeNotSatisfiable { size }).into_response();
        if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
        response
    } else {
        let (status, start, end) = match range {
            ByteRange::Partial { start, end } => (StatusCode::PARTIAL_CONTENT, start, end),
            _ => (StatusCode::OK, 0, size),
        };
        let stream = state
            .core
            .stream_range(chunks, start, end)
            .map_err(|e| std::io::Error::other(e.to_string()));
        let mut response = Response::new(Body::from_stream(stream));
        *response.status_mut() = status;
        let response_headers = response.headers_mut();
        response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
        response_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if status == StatusCode::PARTIAL_CONTENT {
            if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", end - 1)) {
                response_headers.insert(header::CONTENT_RANGE, value);
            }
        }
        response_headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        if let Ok(value) = HeaderValue::from_str(&attachment(name)) {
            response_headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// `POST /folders`.
#[utoipa::path(
    post,
    path = "/api/v1/folders",
    tag = "files",
    summary = "Create a folder",
    request_body = NewFolder,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The new folder; missing parents were created too.", body = FileMeta),
        (status = 400, description = "`invalid-path`: the path is malformed; `bad-request`: the body is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 409, description = "`already-exists`: a file or folder is at that path (or it is `/`); `not-a-folder`: a parent on the path is a file.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the path or entry is in a folder shared with this user as a viewer, is a shared folder's root (which only its owner may rename, move or delete), or is `/Shared with me` itself.", body = ErrorBody),
        (status = 507, description = "`too-many-entries`: the user has as many files and folders as an account may hold.", body = ErrorBody),
    ),
)]
pub async fn folders_create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(request): ApiJson<NewFolder>,
) -> ApiResult<(StatusCode, Json<frontend::api::types::FileMeta>)> {
    let path = RelPath::parse(&request.path)?;
    let folder = state.core.create_folder(&user, &path).await?;
    Ok((StatusCode::CREATED, Json(file_meta(&folder, &path))))
}

/// `POST /files/upload/init`.
#[utoipa::path(
    post,
    path = "/api/v1/files/upload/init",
    tag = "uploads",
    summary = "Start a resumable upload",
    description = "Announces the file's size and first chunks (SHA-256 and length, cut with the parameters of `GET /api/v1/config`); chunks the user already stores need not be sent.",
    request_body = UploadInit,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The upload session and which of the announced chunks the server still needs.", body = UploadInitResponse),
        (status = 400, description = "`invalid-path`: the path is malformed; `bad-request`: the path is `/`, a chunk hash is not 64 hex digits, a chunk is empty or larger than the maximum chunk size, the chunks add up to more than `size` or are more than a file of `size` bytes can have (`ceil(size / min_size) + 1`), or the body is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 409, description = "`already-exists`: a folder is at the path.", body = ErrorBody),
        (status = 507, description = "`quota-exceeded`: the file does not fit in what is left of the user's quota, counting the bytes announced by their open uploads. `too-many-entries`: the user has as many files and folders as an account may hold.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
        (status = 429, description = "`too-many-uploads`: the account has as many unfinished uploads open as it may (`CAIRN_MAX_OPEN_UPLOADS`, or `CAIRN_MAX_OPEN_LINK_UPLOADS` through file-request links); finish or cancel some.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the path or entry is in a folder shared with this user as a viewer, is a shared folder's root (which only its owner may rename, move or delete), or is `/Shared with me` itself.", body = ErrorBody),
    ),
)]
pub async fn upload_init(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(request): ApiJson<UploadInit>,
) -> ApiResult<Json<UploadInitResponse>> {
    let chunks = init_chunks(&request)?;
    let (session, chunks_needed) = state
        .core
        .upload_init(
            &user,
            InitRequest {
                path: RelPath::parse(&request.path)?,
                size: request.size,
                parent_rev: request.parent_rev,
                base_file: request.file_id.as_deref().map(FileId::parse).transpose()?,
                device: request.device,
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

/// `POST /files/upload/{upload_id}/chunks`: announces further chunks.
#[utoipa::path(
    post,
    path = "/api/v1/files/upload/{upload_id}/chunks",
    tag = "uploads",
    summary = "Announce further chunks",
    params(
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque upload id from `POST /api/v1/files/upload/init`."),
    ),
    request_body = AnnounceChunks,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Which of all announced chunks the server still needs.", body = ChunksNeeded),
        (status = 400, description = "`bad-request`: a hash is not 64 hex digits, a chunk is empty or too large, an index is announced twice or before with another hash or size, the chunks add up to more than the file's size, or the body is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`upload-not-found`: no upload with that id for this user (completed, expired and collected, or never started).", body = ErrorBody),
        (status = 410, description = "`upload-expired`: the upload session expired; start a new one.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
    ),
)]
pub async fn upload_announce(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(upload_id): ApiPath<String>,
    ApiJson(request): ApiJson<AnnounceChunks>,
) -> ApiResult<Json<ChunksNeeded>> {
    let chunks = announced_chunks(&request)?;
    let chunks_needed = state
        .core
        .upload_announce(&user, &UploadId::from_string(upload_id), chunks)
        .await?;
    Ok(Json(ChunksNeeded { chunks_needed }))
}

/// `PUT /files/upload/{upload_id}/chunks/{index}`: one chunk's bytes.
#[utoipa::path(
    put,
    path = "/api/v1/files/upload/{upload_id}/chunks/{index}",
    tag = "uploads",
    summary = "Send one chunk's bytes",
    params(
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque upload id from `POST /api/v1/files/upload/init`."),
        ("index" = u64, Path, description = "The chunk's position in the file, from 0."),
    ),
    request_body(content = Binary, content_type = "application/octet-stream", description = "Exactly the announced chunk's bytes."),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The chunk was verified against its announced hash and stored.", body = ChunksStored),
        (status = 400, description = "`bad-request`: the index is not a non-negative integer, the chunk was not announced, or the body could not be read to its end (it broke off, or no bytes arrived for `CAIRN_BODY_IDLE_TIMEOUT_SECS`).", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`upload-not-found`: no upload with that id for this user (completed, expired and collected, or never started).", body = ErrorBody),
        (status = 410, description = "`upload-expired`: the upload session expired; start a new one.", body = ErrorBody),
        (status = 413, description = "`too-large`: the body is larger than the server's request limit (`max_request_bytes` of `GET /api/v1/config`).", body = ErrorBody),
        (status = 422, description = "`chunk-hash-mismatch`: a chunk's bytes do not hash to what was announced, or `chunk-size-mismatch`: the body is not the one announced chunk's size. The chunks that passed are stored all the same.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
        (status = 503, description = "`chunk-busy`: a chunk was being removed by garbage collection as it arrived; send it again after `Retry-After` seconds (the others were stored).", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn upload_put_chunk(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((upload_id, index)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ChunksStored>> {
    let index = chunk_index(&index)?;
    let stored = state
        .core
        .upload_put_chunks(
            &user,
            &UploadId::from_string(upload_id),
            &[index],
            content_length(&headers),
            body_stream(body),
        )
        .await?;
    Ok(Json(ChunksStored { stored }))
}

/// The body's declared `Content-Length`, if any.
pub(super) fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// A request body as the stream of byte frames the upload code reads.
pub(super) fn body_stream(
    body: Body,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Unpin + Send {
    body.into_data_stream().map_err(std::io::Error::other)
}

#[derive(Deserialize)]
pub struct PackedQuery {
    pub(super) indexes: String,
}

impl PackedQuery {
    /// The chunk indexes the body carries, in order.
    pub(super) fn indexes(&self) -> Result<Vec<u64>, Error> {
        self.indexes
            .split(',')
            .map(|part| {
                part.trim().parse::<u64>().map_err(|_| {
                    Error::BadRequest(format!(
                        "indexes={:?} must be comma-separated chunk indexes such as 3,4,7",
                        self.indexes
                    ))
                })
            })
            .collect()
    }
}

/// `PUT /files/upload/{upload_id}/chunks?indexes=3,4,7`: several chunks in one body.
#[utoipa::path(
    put,
    path = "/api/v1/files/upload/{upload_id}/chunks",
    tag = "uploads",
    summary = "Send several chunks in one body",
    description = "Each chunk is verified and stored on its own: when one fails its check, the others are still stored and the answer is that chunk's error.",
    params(
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque upload id from `POST /api/v1/files/upload/init`."),
        ("indexes" = String, Query, pattern = r#"^[0-9]{1,19}(?:,[0-9]{1,19})*$"#, description = "Comma-separated chunk indexes, each named once, e.g. `3,4,7`, in the order their bytes follow each other in the body.", example = "3,4,7"),
    ),
    request_body(content = Binary, content_type = "application/octet-stream", description = "The chunks' bytes concatenated in the order of `indexes`; aim for `pack_target_bytes` of `GET /api/v1/config`."),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Every chunk was verified against its announced hash and stored.", body = ChunksStored),
        (status = 400, description = "`bad-request`: `indexes` is missing, empty or not comma-separated integers, names a chunk twice or one that was not announced, the body's length is not the sum of the chunks' sizes, or the body could not be read to its end.", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`upload-not-found`: no upload with that id for this user (completed, expired and collected, or never started).", body = ErrorBody),
        (status = 410, description = "`upload-expired`: the upload session expired; start a new one.", body = ErrorBody),
        (status = 413, description = "`too-large`: the body is larger than the server's request limit (`max_request_bytes` of `GET /api/v1/config`).", body = ErrorBody),
        (status = 422, description = "`chunk-hash-mismatch`: a chunk's bytes do not hash to what was announced, or `chunk-size-mismatch`: the body is not the one announced chunk's size. The chunks that passed are stored all the same.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
        (status = 503, description = "`chunk-busy`: a chunk was being removed by garbage collection as it arrived; send it again after `Retry-After` seconds (the others were stored).", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn upload_put_packed(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(upload_id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PackedQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ChunksStored>> {
    let indexes = query.indexes()?;
    let stored = state
        .core
        .upload_put_chunks(
            &user,
            &UploadId::from_string(upload_id),
            &indexes,
            content_length(&headers),
            body_stream(body),
        )
        .await?;
    Ok(Json(ChunksStored { stored }))
}

/// `DELETE /files/upload/{upload_id}`: give up an unfinished upload.
#[utoipa::path(
    delete,
    path = "/api/v1/files/upload/{upload_id}",
    tag = "uploads",
    summary = "Cancel an upload",
    description = "Drops the session; chunks that only it held are collected after the grace period. Resuming it afterwards answers 404: start a new upload.",
    params(
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque upload id from `POST /api/v1/files/upload/init`."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "The upload is gone."),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`upload-not-found`: no upload with that id for this user (completed, cancelled, expired and collected, or never started).", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
    ),
)]
pub async fn upload_cancel(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(upload_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state
        .core
        .upload_cancel(&user, &UploadId::from_string(upload_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /files/upload/{upload_id}`: where the upload stands.
#[utoipa::path(
    get,
    path = "/api/v1/files/upload/{upload_id}",
    tag = "uploads",
    summary = "Where an upload stands",
    params(
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque upload id from `POST /api/v1/files/upload/init`."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Chunks received and still missing, for resuming.", body = UploadStatus),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`upload-not-found`: no upload with that id for this user (completed, expired and collected, or never started).", body = ErrorBody),
        (status = 410, description = "`upload-expired`: the upload session expired; start a new one.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
    ),
)]
pub async fn upload_status(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(upload_id): ApiPath<String>,
) -> ApiResult<Json<UploadStatus>> {
    let UploadState {
        session,
        received,
        missing,
    } = state
        .core
        .upload_status(&user, &UploadId::from_string(upload_id))
        .await?;
    Ok(Json(UploadStatus {
        upload_id: session.id.to_string(),
        path: session.path,
        size: session.size,
        announced: session.chunks.len() as u64,
        received,
        missing,
        expires_at: session.expires_at,
    }))
}

/// `POST /files/upload/{upload_id}/complete`.
#[utoipa::path(
    post,
    path = "/api/v1/files/upload/{upload_id}/complete",
    tag = "uploads",
    summary = "Commit an upload",
    params(
        ("upload_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque upload id from `POST /api/v1/files/upload/init`."),
    ),
    request_body = UploadComplete,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The committed file; `conflict: true` when it was saved as a conflicted copy beside a file that changed since `parent_rev`.", body = UploadCommitted),
        (status = 400, description = "`bad-request`: chunks were not announced from 0 on, they do not add up to the file's size, or the body is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`upload-not-found`: no upload with that id for this user (completed, expired and collected, or never started).", body = ErrorBody),
        (status = 409, description = "`conflict` (with `on_conflict: \"fail\"`): the file changed since `parent_rev`; the answer carries the file as it now is, and nothing was saved. `chunks-missing`: some chunks were never sent, or must be sent again. `already-exists`: a folder is at the path. `not-a-folder`: a parent on the path is a file.", body = CompleteConflict),
        (status = 410, description = "`upload-expired`: the upload session expired; start a new one.", body = ErrorBody),
        (status = 422, description = "`content-hash-mismatch`: the chunks do not hash to `content_hash`.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
        (status = 507, description = "`quota-exceeded`: the file no longer fits in what is left of the user's quota. `too-many-entries`: the user has as many files and folders as an account may hold.", body = ErrorBody),
        (status = 503, description = "`chunk-busy`: a chunk was being removed by garbage collection; send it again (or retry) after `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn upload_complete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(upload_id): ApiPath<String>,
    ApiJson(request): ApiJson<UploadComplete>,
) -> ApiResult<Response> {
    let policy = match request.on_conflict {
        OnConflict::Copy => ConflictPolicy::Copy,
        OnConflict::Fail => ConflictPolicy::Fail,
    };
    let (outcome, path) = state
        .core
        .upload_complete(
            &user,
            &UploadId::from_string(upload_id),
            &request.content_hash,
            policy,
        )
        .await?;
    commit_answer(outcome, &path, StatusCode::OK)
}

/// The answer to a commit to `path`: the file as committed (`status`, `conflict:
/// true` for a conflicted copy beside it), or 409 with the current file for
/// `on_conflict: "fail"`.
pub(super) fn commit_answer(
    outcome: CommitOutcome,
    path: &RelPath,
    status: StatusCode,
) -> ApiResult<Response> {
    let (entry, conflict) = match outcome {
        CommitOutcome::Committed(entry) | CommitOutcome::Unchanged(entry) => (entry, false),
        CommitOutcome::ConflictCopy(entry) => (entry, true),
        CommitOutcome::Conflict { current } => {
            let error = Error::Conflict {
                path: path.to_string(),
                current_rev: current.rev,
            };
            let body = ConflictBody {
                error: super::error::error_body(&error).error,
                current: file_meta(&current, path),
            };
            return Ok((StatusCode::CONFLICT, Json(body)).into_response());
        }
    };
    // A conflicted copy sits beside the path, under its own name.
    let entry_path = match path.parent() {
        Some(parent) if entry.name != path.name().unwrap_or_default() => {
            parent.join(&entry.name)?
        }
        _ => path.clone(),
    };
    let body = Json(UploadCommitted {
        file: file_meta(&entry, &entry_path),
        conflict,
    });
    Ok((status, body).into_response())
}

/// A 409 answer to `complete` with `on_conflict: "fail"`: the error and the file as it is.
#[derive(serde::Serialize)]
struct ConflictBody {
    error: frontend::api::types::ErrorDetail,
    current: frontend::api::types::FileMeta,
}

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
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 404, description = "`not-found`: the user has no API token with that id.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
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

/// `POST /files` (multipart: a `path` field, then a `file` field): a small file in
/// one request, for scripts and forms.
#[utoipa::path(
    post,
    path = "/api/v1/files",
    tag = "files",
    summary = "Upload a small file in one request",
    description = "For scripts and forms: the server chunks the file itself and commits it as an upload would.",
    request_body(content = SmallUpload, content_type = "multipart/form-data", description = "A `path` field, optionally a `device` field (the device's name for a conflicted copy, at most 64 characters), then a `file` field with the bytes. Without `path`, the file goes to the root folder under the file field's file name. The whole request must fit in `max_request_bytes`."),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The committed file (a new version when a file was at the path).", body = UploadCommitted),
        (status = 400, description = "`bad-request`: the form is unreadable or too large, has no `file` field, or neither a `path` nor a file name; `invalid-path`: the path is malformed.", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no valid bearer token or session cookie.", body = ErrorBody),
        (status = 409, description = "`already-exists`: a folder is at the path; `not-a-folder`: a parent on the path is a file.", body = ErrorBody),
        (status = 507, description = "`quota-exceeded`: the file does not fit in what is left of the user's quota. `too-many-entries`: the user has as many files and folders as an account may hold.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault on the server; the message is generic and the cause is logged.", body = ErrorBody),
        (status = 403, description = "`forbidden`: the path or entry is in a folder shared with this user as a viewer, is a shared folder's root (which only its owner may rename, move or delete), or is `/Shared with me` itself.", body = ErrorBody),
        (status = 503, description = "`chunk-busy`: a chunk was being removed by garbage collection as it was stored; send the request again after `Retry-After` seconds.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
pub async fn files_upload_small(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiMultipart(mut form): ApiMultipart,
) -> ApiResult<Response> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        Error::BadRequest(format!(
            "could not read the form: {}; send multipart/form-data with a path field, then a file field",
            e.body_text()
        ))
    };
    let mut path = None;
    let mut device = None;
    let mut content = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("path") => path = Some(field.text().await.map_err(bad)?),
            Some("device") => device = Some(field.text().await.map_err(bad)?),
            Some("file") => {
                let file_name = field.file_name().map(str::to_string);
                content = Some((file_name, field.bytes().await.map_err(bad)?));
            }
            _ => {}
        }
    }
    let Some((file_name, bytes)) = content else {
        return Err(Error::BadRequest(
            "the form has no file field; add one with the file's bytes".into(),
        )
        .into());
    };
    let path = match (path, file_name) {
        (Some(path), _) => RelPath::parse(&path)?,
        (None, Some(name)) => RelPath::root().join(&name)?,
        (None, None) => {
            return Err(Error::BadRequest(
                "give a path field, or a file name, for where the file goes".into(),
            )
            .into())
        }
    };
    let (outcome, path) = state.core.upload_small(&user, path, bytes, device).await?;
    commit_answer(outcome, &path, StatusCode::CREATED)
}

/// `PUT /bench/discard` (only with `CAIRN_BENCH_ENDPOINTS=1`): reads the whole body
/// and drops it; the baseline that upload benchmarks compare with.
pub async fn bench_discard(
    AuthUser(_): AuthUser,
    body: Body,
) -> ApiResult<Json<serde_json::Value>> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut bytes = 0u64;
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|e| Error::BadRequest(format!("the body broke off: {e}")))?;
        bytes += piece.len() as u64;
    }
    Ok(Json(serde_json::json!({ "bytes": bytes })))
}
