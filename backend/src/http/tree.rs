//! Handlers for organising files: trash, move and rename, copy, versions, search,
//! and the sync delta.

use super::content::serve_content;
use super::convert::{decode_cursor, delta_entry, encode_cursor, file_meta, version_meta};
use super::doc_rows::{EntryNotFound, NotModified, Unauthenticated, ViewerForbidden};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use super::state::AppState;
use super::wire_schemas::Binary;
use crate::domain::{Error, FileId, RelPath};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use frontend::api::types::{
    Delta, ErrorBody, FileMeta, PathRequest, SearchResults, TrashEntry, TrashListing, VersionList,
};
use serde::Deserialize;

type ApiResult<T> = Result<T, ApiError>;

fn parse_rev(rev: &str) -> Result<u64, Error> {
    rev.parse()
        .map_err(|_| Error::BadRequest(format!("revision {rev:?} is not a positive integer")))
}

/// `DELETE /files/{file_id}`: to the trash.
#[utoipa::path(
    delete,
    path = "/api/v1/files/{file_id}",
    tag = "files",
    summary = "Move a file or folder to the trash",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The trashed entry, with the path it had.", body = TrashEntry),
        (status = 400, description = "`bad-request`: the root folder cannot be deleted.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(EntryNotFound)),
        (status = 403, response = inline(ViewerForbidden)),
    ),
)]
pub async fn files_delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(file_id): ApiPath<String>,
) -> ApiResult<Json<TrashEntry>> {
    let trashed = state
        .core
        .delete(&user, &FileId::from_string(file_id))
        .await?;
    let path = RelPath::parse(&trashed.path)?;
    Ok(Json(TrashEntry {
        file: file_meta(&trashed.entry, &path),
        deleted_at: trashed.deleted_at,
    }))
}

/// `GET /trash`.
#[utoipa::path(
    get,
    path = "/api/v1/trash",
    tag = "trash",
    summary = "List the trash",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Trashed entries, most recently deleted first.", body = TrashListing),
        (status = 401, response = inline(Unauthenticated)),
    ),
)]
pub async fn trash_list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> ApiResult<Json<TrashListing>> {
    let mut entries = Vec::new();
    for trashed in state.core.trash(&user).await? {
        let path = RelPath::parse(&trashed.path)?;
        entries.push(TrashEntry {
            file: file_meta(&trashed.entry, &path),
            deleted_at: trashed.deleted_at,
        });
    }
    Ok(Json(TrashListing { entries }))
}

/// `POST /trash/{file_id}/restore`.
#[utoipa::path(
    post,
    path = "/api/v1/trash/{file_id}/restore",
    tag = "trash",
    summary = "Restore a trashed entry",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The restored entry: back in its folder if that is still there, else in the root; renamed when the name is taken.", body = FileMeta),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: the trash holds no entry with that id.", body = ErrorBody),
    ),
)]
pub async fn trash_restore(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(file_id): ApiPath<String>,
) -> ApiResult<Json<FileMeta>> {
    let (entry, path) = state
        .core
        .restore_trashed(&user, &FileId::from_string(file_id))
        .await?;
    Ok(Json(file_meta(&entry, &path)))
}

/// `POST /files/{file_id}/move`: rename or move.
#[utoipa::path(
    post,
    path = "/api/v1/files/{file_id}/move",
    tag = "files",
    summary = "Rename or move a file or folder",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
    ),
    request_body = PathRequest,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The entry at its new path; missing folders on the way were created.", body = FileMeta),
        (status = 400, description = "`invalid-path`: the path is malformed; `bad-request`: the target is `/`, the entry is the root folder, a folder would move into itself, or the body is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(EntryNotFound)),
        (status = 409, description = "`already-exists`: something else is at the new path; `not-a-folder`: a parent on the new path is a file.", body = ErrorBody),
        (status = 403, response = inline(ViewerForbidden)),
        (status = 507, description = "`too-many-entries`: the user has as many files and folders as an account may hold. (missing folders on the way are made)", body = ErrorBody),
    ),
)]
pub async fn files_move(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(file_id): ApiPath<String>,
    ApiJson(request): ApiJson<PathRequest>,
) -> ApiResult<Json<FileMeta>> {
    let to = RelPath::parse(&request.path)?;
    let (entry, path) = state
        .core
        .move_to(&user, &FileId::from_string(file_id), &to)
        .await?;
    Ok(Json(file_meta(&entry, &path)))
}

/// `POST /files/{file_id}/copy`.
#[utoipa::path(
    post,
    path = "/api/v1/files/{file_id}/copy",
    tag = "files",
    summary = "Copy a file or folder",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
    ),
    request_body = PathRequest,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The copy; file contents are shared, not duplicated.", body = FileMeta),
        (status = 400, description = "`invalid-path`: the path is malformed; `bad-request`: the target is `/`, a folder would be copied into itself, or the body is not the JSON this endpoint takes.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(EntryNotFound)),
        (status = 409, description = "`already-exists`: something is at the new path; `not-a-folder`: a parent on the new path is a file.", body = ErrorBody),
        (status = 507, description = "`quota-exceeded`: the copy does not fit in what is left of the user's quota (copies count like any file). `too-many-entries`: the user has as many files and folders as an account may hold.", body = ErrorBody),
        (status = 403, response = inline(ViewerForbidden)),
    ),
)]
pub async fn files_copy(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(file_id): ApiPath<String>,
    ApiJson(request): ApiJson<PathRequest>,
) -> ApiResult<(StatusCode, Json<FileMeta>)> {
    let to = RelPath::parse(&request.path)?;
    let (entry, path) = state
        .core
        .copy_to(&user, &FileId::from_string(file_id), &to)
        .await?;
    Ok((StatusCode::CREATED, Json(file_meta(&entry, &path))))
}

/// `GET /files/{file_id}/versions`.
#[utoipa::path(
    get,
    path = "/api/v1/files/{file_id}/versions",
    tag = "versions",
    summary = "A file's versions",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Versions, newest first.", body = VersionList),
        (status = 400, description = "`bad-request`: the id names a folder, and folders have no versions.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(EntryNotFound)),
    ),
)]
pub async fn versions_list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(file_id): ApiPath<String>,
) -> ApiResult<Json<VersionList>> {
    let versions = state
        .core
        .versions(&user, &FileId::from_string(file_id))
        .await?
        .into_iter()
        .map(version_meta)
        .collect();
    Ok(Json(VersionList { versions }))
}

/// `GET /files/{file_id}/versions/{rev}/content`.
#[utoipa::path(
    get,
    path = "/api/v1/files/{file_id}/versions/{rev}/content",
    tag = "versions",
    summary = "Download one version",
    description = "Honours one `Range`, and `If-None-Match` against the version's content hash.",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
        ("rev" = u64, Path, minimum = 1, description = "Revision number, from 1."),
        ("Range" = Option<String>, Header, nullable = false, description = "One byte range: `bytes=A-B`, `bytes=A-` or `bytes=-N`. A header naming several ranges, or one this server does not understand, gets the whole content."),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "ETags from an earlier answer (the quoted content hash), or `*`; a match answers 304."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The version's content, whole.", body = Binary, content_type = "application/octet-stream", headers(
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
        (status = 400, description = "`bad-request`: the revision is not a positive integer.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: no live file with that id, or it has no such revision.", body = ErrorBody),
        (status = 416, description = "`range-not-satisfiable`: the range starts past the end of the content.", body = ErrorBody, headers(
            ("Content-Range" = String, description = "`bytes */SIZE`."),
        )),
    ),
)]
pub async fn versions_content(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((file_id, rev)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let rev = parse_rev(&rev)?;
    let (content, version) = state
        .core
        .version_content(&user, &FileId::from_string(file_id), rev)
        .await?;
    Ok(serve_content(
        &state,
        &headers,
        content.chunks,
        &content.entry.name,
        version.size,
        &version.content_hash,
    ))
}

/// `POST /files/{file_id}/versions/{rev}/restore`.
#[utoipa::path(
    post,
    path = "/api/v1/files/{file_id}/versions/{rev}/restore",
    tag = "versions",
    summary = "Make an old version current again",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
        ("rev" = u64, Path, minimum = 1, description = "Revision number, from 1."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The file, whose current version is now a new revision with that version's content (unchanged if it was already current).", body = FileMeta),
        (status = 400, description = "`bad-request`: the revision is not a positive integer.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: no live file with that id, or it has no such revision.", body = ErrorBody),
        (status = 507, description = "`quota-exceeded`: the version is larger than the current one by more than is left of the user's quota.", body = ErrorBody),
        (status = 403, response = inline(ViewerForbidden)),
    ),
)]
pub async fn versions_restore(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((file_id, rev)): ApiPath<(String, String)>,
) -> ApiResult<Json<FileMeta>> {
    let rev = parse_rev(&rev)?;
    let (entry, path) = state
        .core
        .restore_version(&user, &FileId::from_string(file_id), rev)
        .await?;
    Ok(Json(file_meta(&entry, &path)))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: String,
}

/// `GET /search?q=`.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    summary = "Find files and folders by name",
    params(
        ("q" = String, Query, max_length = 255, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$"#, description = "Part of a name, matched ignoring case: at most 255 characters, not blank, no control characters; trimmed."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Live entries whose name contains `q`, at most 200.", body = SearchResults),
        (status = 400, description = "`bad-request`: `q` is missing or blank.", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
    ),
)]
pub async fn search(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let found = state.core.search(&user, &query.q).await?;
    Ok(Json(super::convert::search_results(&found)))
}

#[derive(Deserialize)]
pub struct DeltaQuery {
    #[serde(default)]
    cursor: Option<String>,
}

/// `GET /sync/delta?cursor=`.
#[utoipa::path(
    get,
    path = "/api/v1/sync/delta",
    tag = "sync",
    summary = "Changes since a cursor",
    params(
        ("cursor" = Option<String>, Query, nullable = false, description = "The `cursor` of the previous page; from the beginning when absent."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Up to 1000 changes after the cursor, oldest first. With `reset: true` the cursor was not understood: list the tree again, then continue from the new cursor.", body = Delta),
        (status = 400, description = "`bad-request`: the query string is malformed (e.g. `cursor` given twice).", body = ErrorBody),
        (status = 401, response = inline(Unauthenticated)),
    ),
)]
pub async fn sync_delta(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<DeltaQuery>,
) -> ApiResult<Json<Delta>> {
    let cursor = query.cursor.as_deref().map(decode_cursor);
    let page = state.core.delta(&user, cursor).await?;
    let mut entries = Vec::with_capacity(page.changes.len());
    for change in page.changes {
        entries.push(delta_entry(change)?);
    }
    Ok(Json(Delta {
        entries,
        cursor: encode_cursor(page.cursor),
        has_more: page.has_more,
        reset: page.reset,
    }))
}

/// `DELETE /trash/{file_id}`: delete a trashed entry for good.
#[utoipa::path(
    delete,
    path = "/api/v1/trash/{file_id}",
    tag = "trash",
    summary = "Delete a trashed entry for good",
    params(
        ("file_id" = String, Path, max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#, description = "Opaque file or folder id (`FileMeta.id`)."),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Deleted for good, with everything under it."),
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, description = "`not-found`: the trash holds no entry with that id.", body = ErrorBody),
    ),
)]
pub async fn trash_purge(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(file_id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state
        .core
        .purge(&user, &FileId::from_string(file_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /trash`: empty the trash.
#[utoipa::path(
    delete,
    path = "/api/v1/trash",
    tag = "trash",
    summary = "Empty the trash",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "The trash is empty."),
        (status = 401, response = inline(Unauthenticated)),
    ),
)]
pub async fn trash_empty(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> ApiResult<StatusCode> {
    state.core.empty_trash(&user).await?;
    Ok(StatusCode::NO_CONTENT)
}
