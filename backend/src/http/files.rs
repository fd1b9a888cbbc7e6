//! Browsing and downloading a user's files: list a folder, one entry, its content
//! (a folder as ZIP), several entries as one ZIP, and making folders.

use super::content::{serve_content, zip_response};
use super::convert::file_meta;
use super::doc_rows::{
    EntryNotFound, NotModified, TooManyAtOnce, Unauthenticated, ViewerForbidden,
};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use super::state::AppState;
use super::wire_schemas::Binary;
use crate::core::Download;
use crate::domain::{Error, FileId, RelPath, User};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use frontend::api::types::{ErrorBody, FileMeta, FolderListing, NewFolder};
use serde::Deserialize;

type ApiResult<T> = Result<T, ApiError>;

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
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: no folder at that path.", body = ErrorBody),
        (status = 409, description = "`not-a-folder`: the path names a file.", body = ErrorBody),
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
async fn folder_listing(
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(EntryNotFound)),
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
        (status = 304, response = inline(NotModified)),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(EntryNotFound)),
        (status = 416, description = "`range-not-satisfiable`: the range starts past the end of the content.", body = ErrorBody, headers(
            ("Content-Range" = String, description = "`bytes */SIZE`."),
        )),
        (status = 429, response = inline(TooManyAtOnce)),
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: one of the ids names no live file or folder among this user's files.", body = ErrorBody),
        (status = 429, response = inline(TooManyAtOnce)),
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 409, description = "`already-exists`: a file or folder is at that path (or it is `/`); `not-a-folder`: a parent on the path is a file.", body = ErrorBody),
        (status = 403, response = inline(ViewerForbidden)),
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
