//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' `#[utoipa::path]`
//! attributes and the wire types' schemas, and served at `GET /api/v1/openapi.json`.
//!
//! This module depends on the handler modules; none depends on it.

use super::doc_modifiers::{CommonErrors, LinkTwins, SecuritySchemes};
use super::state::AppState;
use super::wire_schemas::{
    Binary, ChangeEvent, ChangeEventName, CompleteConflict, NoDetail, NotificationEvent,
    ResyncEvent, ResyncEventName, SharedData, SharedEvent, SharedEventName, SmallUpload,
};
use super::{auth, files, links, meta, shares, sync, tokens, tree, uploads};
use axum::extract::State;
use axum::Json;
use frontend::api::types::{
    AnnounceChunks, ChunkAnnouncement, ChunksNeeded, ChunksStored, CreatedToken, Credentials,
    Delta, DeltaEntry, ErrorBody, ErrorDetail, FileMeta, FolderListing, IndexedChunk, LinkPassword,
    LoginResponse, LongPoll, NewFolder, NewShare, NewToken, OnConflict, PathRequest, Resync,
    SearchResults, ServerConfig, ShareCreated, ShareInfo, ShareKind, ShareList, SharePage,
    SharePermission, ShareUpdate, SharedEntry, TokenInfo, TokenList, TrashEntry, TrashListing,
    UploadCommitted, UploadComplete, UploadInit, UploadInitResponse, UploadStatus, UserInfo,
    VersionList, VersionMeta,
};
use utoipa::openapi::{RefOr, Schema};
use utoipa::OpenApi;
use wasm_chunker::ChunkParams;

/// The link holders' twins of the upload operations.
const UPLOAD_TWINS: LinkTwins = LinkTwins(uploads::LINK_TWINS);

/// The `/api/v1` contract.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cairn API",
        description = "The JSON API of Cairn, a self-hosted file store. Every error answers \
            `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}` with a stable kebab-case \
            code; a known path called with a method it does not take answers 405 \
            `method-not-allowed`, an unknown path 404 `not-found`. Files of other users are \
            never shown: their ids answer 404 like ids that do not exist. Authenticate with \
            `Authorization: Bearer <token>` (from log-in, sign-up or `POST /api/v1/tokens`) or \
            with the `cairn_session` cookie that log-in sets."
    ),
    paths(
        openapi_json,
        meta::get_config,
        auth::auth_signup,
        auth::auth_login,
        auth::auth_logout,
        auth::me,
        tokens::tokens_list,
        tokens::tokens_create,
        tokens::tokens_delete,
        files::files_list,
        uploads::files_upload_small,
        files::files_get,
        tree::files_delete,
        tree::files_move,
        tree::files_copy,
        files::files_content,
        files::files_zip,
        files::folders_create,
        tree::versions_list,
        tree::versions_content,
        tree::versions_restore,
        tree::trash_list,
        tree::trash_empty,
        tree::trash_purge,
        tree::trash_restore,
        tree::search,
        tree::sync_delta,
        sync::notifications_longpoll,
        sync::notifications_stream,
        uploads::upload_init,
        uploads::upload_status,
        uploads::upload_cancel,
        uploads::upload_announce,
        uploads::upload_put_packed,
        uploads::upload_put_chunk,
        uploads::upload_complete,
        shares::shares_create,
        shares::shares_list,
        shares::shares_update,
        shares::shares_delete,
        links::link_show,
        links::link_unlock,
        links::link_content_root,
        links::link_content_path,
        links::link_config,
        links::link_upload_small,
    ),
    components(schemas(
        AnnounceChunks,
        Binary,
        ChunkAnnouncement,
        ChunkParams,
        ChunksNeeded,
        ChunksStored,
        ChangeEvent,
        ChangeEventName,
        CompleteConflict,
        CreatedToken,
        Credentials,
        Delta,
        DeltaEntry,
        ErrorBody,
        ErrorDetail,
        FileMeta,
        FolderListing,
        IndexedChunk,
        LinkPassword,
        LoginResponse,
        LongPoll,
        NewFolder,
        NewToken,
        NoDetail,
        NotificationEvent,
        OnConflict,
        PathRequest,
        Resync,
        ResyncEvent,
        ResyncEventName,
        SearchResults,
        ServerConfig,
        ShareCreated,
        ShareInfo,
        ShareKind,
        ShareList,
        SharePage,
        SharePermission,
        ShareUpdate,
        SharedEntry,
        SharedData,
        SharedEvent,
        SharedEventName,
        NewShare,
        SmallUpload,
        TokenInfo,
        TokenList,
        TrashEntry,
        TrashListing,
        UploadCommitted,
        UploadComplete,
        UploadInit,
        UploadInitResponse,
        UploadStatus,
        UserInfo,
        VersionList,
        VersionMeta,
    )),
    modifiers(&SecuritySchemes, &UPLOAD_TWINS, &CommonErrors),
    tags(
        (name = "meta", description = "This document."),
        (name = "config", description = "What clients need to know before uploading."),
        (name = "auth", description = "Accounts and sessions."),
        (name = "tokens", description = "API tokens for scripts."),
        (name = "files", description = "Browsing, downloading and organising files and folders."),
        (name = "versions", description = "A file's history."),
        (name = "trash", description = "Deleted entries, until they are purged."),
        (name = "search", description = "Finding entries by name."),
        (name = "shares", description = "Sharing files and folders: public links (with an \
            optional password and expiry, or as file requests that only receive uploads) and \
            shares with other users."),
        (name = "links", description = "What a public link's holder can do, with the link's \
            token as the credential: see what it shares, enter its password, download, and \
            upload into a file request. No bearer token or session is needed."),
        (name = "sync", description = "The change journal, for sync clients: pages of changes, \
            a long-poll, and a live event stream."),
        (name = "uploads", description = "The resumable, deduplicating upload protocol: init, \
            announce, chunk PUTs (single or packed), status, complete."),
    )
)]
pub struct ApiDoc;

/// The document as this server serves it: [`ApiDoc`], with the limits that depend on
/// its configuration (the largest chunk) filled in.
pub fn document(limits: &crate::core::Limits) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    let max_chunk = u64::from(limits.chunking.max_size);
    if let Some(components) = doc.components.as_mut() {
        for name in ["ChunkAnnouncement", "IndexedChunk"] {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
                if let Some(RefOr::T(Schema::Object(size))) = object.properties.get_mut("size") {
                    size.maximum = Some(utoipa::Number::UInt(
                        usize::try_from(max_chunk).unwrap_or(usize::MAX),
                    ));
                }
            }
        }
    }
    doc
}

/// `GET /openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    summary = "This OpenAPI document",
    description = "Public. The OpenAPI 3.1 description of every `/api/v1` endpoint, with this server's limits.",
    responses(
        (status = 200, description = "The OpenAPI document.", body = Object, content_type = "application/json"),
    ),
)]
pub async fn openapi_json(State(state): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    Json(document(state.core.limits()))
}
