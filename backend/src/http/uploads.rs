//! The resumable upload protocol's handlers (init, announce, chunk PUTs, status,
//! cancel, complete), one set for every sender: each serves both
//! `/api/v1/files/upload/…`, for a logged-in user, and
//! `/api/v1/s/{token}/files/upload/…`, for the holder of a file-request link, and
//! [`Uploader`] says which one is acting. Also the one-request upload of a small
//! file by a user (`POST /api/v1/files`).
//!
//! What differs for a link holder is decided in `core` (the link's checks, what is
//! skipped, what is replaced) and in the answers here: paths relative to the shared
//! folder, no device or base file, and a commit that tells nothing of the folder.

use super::convert::{file_meta, link_committed};
use super::doc_rows::{
    ChunkBusyOnCommit, ChunkBusyOnPut, ChunkBusyOnStore, ChunkMismatch, LinkTwin, QuotaExceeded,
    TooLarge, Unauthenticated, UploadExpired, UploadNotFound, ViewerForbidden,
};
use super::error::{error_body, ApiError};
use super::extract::{ApiJson, ApiMultipart, ApiPath, ApiQuery, AuthUser, Uploader};
use super::state::AppState;
use super::upload_wire::{
    announced_chunks, body_stream, chunk_index, content_length, init_chunks, read_small_form,
    PackedQuery,
};
use super::wire_schemas::{Binary, CompleteConflict, SmallUpload};
use crate::core::{Committed, InitRequest, UploadState};
use crate::domain::{
    share_subpath, CommitOutcome, ConflictPolicy, Error, FileId, RelPath, UploadId,
};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use frontend::api::types::{
    AnnounceChunks, ChunksNeeded, ChunksStored, ErrorBody, FileMeta, OnConflict, UploadCommitted,
    UploadComplete, UploadInit, UploadInitResponse, UploadStatus,
};
use serde::Deserialize;

type ApiResult<T> = Result<T, ApiError>;

/// The path of an upload's routes past `init`.
#[derive(Deserialize)]
pub struct UploadAt {
    upload_id: String,
}

/// The path of one chunk's route.
#[derive(Deserialize)]
pub struct ChunkAt {
    upload_id: String,
    index: String,
}

/// `POST /files/upload/init` and `POST /s/{token}/files/upload/init`.
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(ViewerForbidden)),
        (status = 409, description = "`already-exists`: a folder is at the path.", body = ErrorBody),
        (status = 429, description = "`too-many-uploads`: the account has as many unfinished uploads open as it may (`CAIRN_MAX_OPEN_UPLOADS`, or `CAIRN_MAX_OPEN_LINK_UPLOADS` through file-request links); finish or cancel some.", body = ErrorBody),
        (status = 507, description = "`quota-exceeded`: the file does not fit in what is left of the user's quota, counting the bytes announced by their open uploads. `too-many-entries`: the user has as many files and folders as an account may hold.", body = ErrorBody),
    ),
)]
pub async fn upload_init(
    State(state): State<AppState>,
    uploader: Uploader,
    ApiJson(request): ApiJson<UploadInit>,
) -> ApiResult<Json<UploadInitResponse>> {
    let uploader = uploader.open(&state.core).await?;
    let chunks = init_chunks(&request)?;
    let request = match uploader {
        crate::core::Uploader::User(_) => InitRequest {
            path: RelPath::parse(&request.path)?,
            size: request.size,
            parent_rev: request.parent_rev,
            base_file: request.file_id.as_deref().map(FileId::parse).transpose()?,
            device: request.device,
            chunks,
        },
        crate::core::Uploader::Link(_) => {
            // A file request names no device and replaces no file, but a body that
            // would be refused elsewhere is refused here too.
            crate::domain::device_name(request.device.clone())?;
            request.file_id.as_deref().map(FileId::parse).transpose()?;
            InitRequest {
                path: share_subpath(&request.path)?,
                size: request.size,
                parent_rev: None,
                base_file: None,
                device: None,
                chunks,
            }
        }
    };
    let (session, chunks_needed) = state.core.upload_init(&uploader, request).await?;
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(UploadNotFound)),
        (status = 410, response = inline(UploadExpired)),
    ),
)]
pub async fn upload_announce(
    State(state): State<AppState>,
    uploader: Uploader,
    ApiPath(at): ApiPath<UploadAt>,
    ApiJson(request): ApiJson<AnnounceChunks>,
) -> ApiResult<Json<ChunksNeeded>> {
    let uploader = uploader.open(&state.core).await?;
    let chunks = announced_chunks(&request)?;
    let chunks_needed = state
        .core
        .upload_announce(&uploader, &UploadId::from_string(at.upload_id), chunks)
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(UploadNotFound)),
        (status = 410, response = inline(UploadExpired)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(ChunkMismatch)),
        (status = 503, response = inline(ChunkBusyOnPut)),
    ),
)]
pub async fn upload_put_chunk(
    State(state): State<AppState>,
    uploader: Uploader,
    ApiPath(at): ApiPath<ChunkAt>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ChunksStored>> {
    let uploader = uploader.open(&state.core).await?;
    let index = chunk_index(&at.index)?;
    let stored = state
        .core
        .upload_put_chunks(
            &uploader,
            &UploadId::from_string(at.upload_id),
            &[index],
            content_length(&headers),
            body_stream(body),
        )
        .await?;
    Ok(Json(ChunksStored { stored }))
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(UploadNotFound)),
        (status = 410, response = inline(UploadExpired)),
        (status = 413, response = inline(TooLarge)),
        (status = 422, response = inline(ChunkMismatch)),
        (status = 503, response = inline(ChunkBusyOnPut)),
    ),
)]
pub async fn upload_put_packed(
    State(state): State<AppState>,
    uploader: Uploader,
    ApiPath(at): ApiPath<UploadAt>,
    ApiQuery(query): ApiQuery<PackedQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ChunksStored>> {
    let uploader = uploader.open(&state.core).await?;
    let indexes = query.indexes()?;
    let stored = state
        .core
        .upload_put_chunks(
            &uploader,
            &UploadId::from_string(at.upload_id),
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(UploadNotFound)),
    ),
)]
pub async fn upload_cancel(
    State(state): State<AppState>,
    uploader: Uploader,
    ApiPath(at): ApiPath<UploadAt>,
) -> ApiResult<StatusCode> {
    let uploader = uploader.open(&state.core).await?;
    state
        .core
        .upload_cancel(&uploader, &UploadId::from_string(at.upload_id))
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(UploadNotFound)),
        (status = 410, response = inline(UploadExpired)),
    ),
)]
pub async fn upload_status(
    State(state): State<AppState>,
    uploader: Uploader,
    ApiPath(at): ApiPath<UploadAt>,
) -> ApiResult<Json<UploadStatus>> {
    let uploader = uploader.open(&state.core).await?;
    let UploadState {
        session,
        received,
        missing,
    } = state
        .core
        .upload_status(&uploader, &UploadId::from_string(at.upload_id))
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 404, response = inline(UploadNotFound)),
        (status = 409, description = "`conflict` (with `on_conflict: \"fail\"`): the file changed since `parent_rev`; the answer carries the file as it now is, and nothing was saved. `chunks-missing`: some chunks were never sent, or must be sent again. `already-exists`: a folder is at the path. `not-a-folder`: a parent on the path is a file.", body = CompleteConflict),
        (status = 410, response = inline(UploadExpired)),
        (status = 422, description = "`content-hash-mismatch`: the chunks do not hash to `content_hash`.", body = ErrorBody),
        (status = 503, response = inline(ChunkBusyOnCommit)),
        (status = 507, description = "`quota-exceeded`: the file no longer fits in what is left of the user's quota. `too-many-entries`: the user has as many files and folders as an account may hold.", body = ErrorBody),
    ),
)]
pub async fn upload_complete(
    State(state): State<AppState>,
    uploader: Uploader,
    ApiPath(at): ApiPath<UploadAt>,
    ApiJson(request): ApiJson<UploadComplete>,
) -> ApiResult<Response> {
    let uploader = uploader.open(&state.core).await?;
    let policy = match request.on_conflict {
        OnConflict::Copy => ConflictPolicy::Copy,
        OnConflict::Fail => ConflictPolicy::Fail,
    };
    let committed = state
        .core
        .upload_complete(
            &uploader,
            &UploadId::from_string(at.upload_id),
            &request.content_hash,
            policy,
        )
        .await?;
    match committed {
        Committed::Own { outcome, path } => commit_answer(outcome, &path, StatusCode::OK),
        Committed::Link(receipt) => Ok(Json(link_committed(&receipt)).into_response()),
    }
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
        (status = 401, response = inline(Unauthenticated)),
        (status = 403, response = inline(ViewerForbidden)),
        (status = 409, description = "`already-exists`: a folder is at the path; `not-a-folder`: a parent on the path is a file.", body = ErrorBody),
        (status = 503, response = inline(ChunkBusyOnStore)),
        (status = 507, response = inline(QuotaExceeded)),
    ),
)]
pub async fn files_upload_small(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiMultipart(form): ApiMultipart,
) -> ApiResult<Response> {
    let form = read_small_form(form).await?;
    let path = match (form.path, form.file_name) {
        (Some(path), _) => RelPath::parse(&path)?,
        (None, Some(name)) => RelPath::root().join(&name)?,
        (None, None) => {
            return Err(Error::BadRequest(
                "give a path field, or a file name, for where the file goes".into(),
            )
            .into())
        }
    };
    let (outcome, path) = state
        .core
        .upload_small(&user, path, form.bytes, form.device)
        .await?;
    commit_answer(outcome, &path, StatusCode::CREATED)
}

/// The answer to a commit to `path`: the file as committed (`status`, `conflict:
/// true` for a conflicted copy beside it), or 409 with the current file for
/// `on_conflict: "fail"`.
fn commit_answer(
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
                error: error_body(&error).error,
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
    current: FileMeta,
}

/// The upload operations as link holders call them, at
/// `/api/v1/s/{token}/files/upload/…`: what their documentation says that the
/// user's does not.
pub const LINK_TWINS: &[LinkTwin] = &[
    LinkTwin {
        operation: "upload_init",
        summary: "Start an upload into a file request",
        description: Some("As `POST /api/v1/files/upload/init`, with `path` relative to the shared folder. Every chunk must be sent (nothing the owner stores is skipped), and a name already taken gets a conflicted-copy name when the upload commits: nothing is ever replaced."),
        rows: &[
            ("200", "The upload session and the chunks to send (all of them)."),
            ("400", "`invalid-path` or `bad-request`: the path is malformed, leaves the shared folder or is `/`, or a chunk is malformed."),
        ],
        never: &["409"],
    },
    LinkTwin {
        operation: "upload_announce",
        summary: "Announce further chunks of a file-request upload",
        description: None,
        rows: &[
            ("200", "The chunks still to send."),
        ],
        never: &[],
    },
    LinkTwin {
        operation: "upload_put_chunk",
        summary: "Send one chunk of a file-request upload",
        description: None,
        rows: &[],
        never: &[],
    },
    LinkTwin {
        operation: "upload_put_packed",
        summary: "Send several chunks of a file-request upload in one body",
        description: None,
        rows: &[],
        never: &[],
    },
    LinkTwin {
        operation: "upload_cancel",
        summary: "Cancel a file-request upload",
        description: None,
        rows: &[],
        never: &[],
    },
    LinkTwin {
        operation: "upload_status",
        summary: "Where a file-request upload stands",
        description: None,
        rows: &[
            ("200", "Chunks received and missing; the path is relative to the shared folder."),
        ],
        never: &[],
    },
    LinkTwin {
        operation: "upload_complete",
        summary: "Commit a file-request upload",
        description: Some("The file lands in the shared folder; when its name is taken (by a file of any content or a folder) it is saved beside it under a conflicted-copy name, which only the folder's owner sees. The answer is the same whatever the folder holds: the name and path sent (relative to the shared folder), the size, `conflict: false`, and no id."),
        rows: &[
            ("200", "Saved."),
            ("400", "`bad-request`: chunks were not announced from 0 on or do not add up to the size, or the body is not the JSON this endpoint takes."),
            ("409", "`chunks-missing`: some chunks were never sent, or must be sent again."),
        ],
        never: &[],
    },
];
