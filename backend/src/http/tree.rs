//! Handlers for organising files: trash, move and rename, copy, versions, search,
//! and the sync delta.

use super::api::serve_content;
use super::convert::file_meta;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery, AuthUser};
use super::AppState;
use crate::domain::{Error, FileId, RelPath};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use frontend::api::types::{
    Delta, DeltaEntry, FileMeta, PathRequest, SearchResults, TrashEntry, TrashListing, VersionList,
    VersionMeta,
};
use serde::Deserialize;

type ApiResult<T> = Result<T, ApiError>;

fn parse_rev(rev: &str) -> Result<u64, Error> {
    rev.parse()
        .map_err(|_| Error::BadRequest(format!("revision {rev:?} is not a positive integer")))
}

/// `DELETE /files/{file_id}`: to the trash.
pub async fn files_delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(file_id): Path<String>,
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
pub async fn trash_restore(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(file_id): Path<String>,
) -> ApiResult<Json<FileMeta>> {
    let (entry, path) = state
        .core
        .restore_trashed(&user, &FileId::from_string(file_id))
        .await?;
    Ok(Json(file_meta(&entry, &path)))
}

/// `POST /files/{file_id}/move`: rename or move.
pub async fn files_move(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(file_id): Path<String>,
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
pub async fn files_copy(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(file_id): Path<String>,
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
pub async fn versions_list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(file_id): Path<String>,
) -> ApiResult<Json<VersionList>> {
    let versions = state
        .core
        .versions(&user, &FileId::from_string(file_id))
        .await?
        .into_iter()
        .map(|v| VersionMeta {
            rev: v.rev,
            size: v.size,
            content_hash: v.content_hash,
            created_at: v.created_at,
            device: v.device,
        })
        .collect();
    Ok(Json(VersionList { versions }))
}

/// `GET /files/{file_id}/versions/{rev}/content`.
pub async fn versions_content(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((file_id, rev)): Path<(String, String)>,
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
pub async fn versions_restore(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path((file_id, rev)): Path<(String, String)>,
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
pub async fn search(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let found = state.core.search(&user, &query.q).await?;
    Ok(Json(SearchResults {
        entries: found
            .iter()
            .map(|(entry, path)| file_meta(entry, path))
            .collect(),
    }))
}

#[derive(Deserialize)]
pub struct DeltaQuery {
    #[serde(default)]
    cursor: Option<String>,
}

/// Cursors are opaque to clients: `c` and the journal position in hex.
fn encode_cursor(seq: i64) -> String {
    format!("c{seq:x}")
}

fn decode_cursor(cursor: &str) -> i64 {
    cursor
        .strip_prefix('c')
        .and_then(|hex| i64::from_str_radix(hex, 16).ok())
        .unwrap_or(-1)
}

/// `GET /sync/delta?cursor=`.
pub async fn sync_delta(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<DeltaQuery>,
) -> ApiResult<Json<Delta>> {
    let cursor = query.cursor.as_deref().map(decode_cursor);
    let page = state.core.delta(&user, cursor).await?;
    let mut entries = Vec::with_capacity(page.changes.len());
    for change in page.changes {
        let path = RelPath::parse(&change.path)?;
        let name = path.name().unwrap_or_default().to_string();
        entries.push(DeltaEntry {
            path: change.path,
            action: change.action.as_str().to_string(),
            old_path: change.old_path,
            file: FileMeta {
                id: change.file_id.to_string(),
                name,
                path: path.to_string(),
                is_folder: change.is_folder,
                size: change.size,
                rev: change.rev,
                content_hash: None,
                modified_at: change.at,
            },
        });
    }
    Ok(Json(Delta {
        entries,
        cursor: encode_cursor(page.cursor),
        has_more: page.has_more,
        reset: page.reset,
    }))
}

/// `DELETE /trash/{file_id}`: delete a trashed entry for good.
pub async fn trash_purge(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(file_id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .core
        .purge(&user, &FileId::from_string(file_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /trash`: empty the trash.
pub async fn trash_empty(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> ApiResult<StatusCode> {
    state.core.empty_trash(&user).await?;
    Ok(StatusCode::NO_CONTENT)
}
