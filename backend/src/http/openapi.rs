//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' `#[utoipa::path]`
//! attributes and the wire types' schemas, and served at `GET /api/v1/openapi.json`.

use super::api;
use super::shares;
use super::sync;
use super::tree;
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
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use wasm_chunker::ChunkParams;

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
        api::get_config,
        api::auth_signup,
        api::auth_login,
        api::auth_logout,
        api::me,
        api::tokens_list,
        api::tokens_create,
        api::tokens_delete,
        api::files_list,
        api::files_upload_small,
        api::files_get,
        tree::files_delete,
        tree::files_move,
        tree::files_copy,
        api::files_content,
        api::files_zip,
        api::folders_create,
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
        api::upload_init,
        api::upload_status,
        api::upload_cancel,
        api::upload_announce,
        api::upload_put_packed,
        api::upload_put_chunk,
        api::upload_complete,
        shares::shares_create,
        shares::shares_list,
        shares::shares_update,
        shares::shares_delete,
        shares::link_show,
        shares::link_unlock,
        shares::link_content_root,
        shares::link_content_path,
        shares::link_config,
        shares::link_upload_small,
        shares::link_upload_init,
        shares::link_upload_status,
        shares::link_upload_cancel,
        shares::link_upload_announce,
        shares::link_upload_put_packed,
        shares::link_upload_put_chunk,
        shares::link_upload_complete,
    ),
    components(schemas(
        AnnounceChunks,
        Binary,
        ChunkAnnouncement,
        ChunkParams,
        ChunksNeeded,
        ChunksStored,
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
        OnConflict,
        PathRequest,
        Resync,
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
    modifiers(&SecuritySchemes),
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

/// Declares the two ways to authenticate that operations refer to.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer <token>` with the token from log-in, sign-up or \
                         `POST /api/v1/tokens`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::extract::SESSION_COOKIE,
                "The browser session cookie that log-in and sign-up set.",
            ))),
        );
    }
}

/// Raw bytes: a file's content, a ZIP archive, or chunks being uploaded.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub(super) struct Binary(#[allow(dead_code)] Vec<u8>);

/// The multipart form of `POST /api/v1/files`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct SmallUpload {
    /// Where the file goes, e.g. `/Documents/notes.txt`; without it, the root folder
    /// under the file field's file name. Send it before `file`.
    #[schema(required = false)]
    path: String,
    /// The device's name, for the name of a conflicted copy: at most 64 characters,
    /// no control characters. Send it before `file`.
    #[schema(required = false)]
    device: String,
    /// The file's bytes.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A 409 answer to `complete`: the usual error shape and, for code `conflict` (with
/// `on_conflict: "fail"`), the file as it now is.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct CompleteConflict {
    /// The error: `conflict`, `chunks-missing`, `already-exists` or `not-a-folder`.
    error: ErrorDetail,
    /// For `conflict` only: the file as it now is.
    #[schema(required = false)]
    current: FileMeta,
}

/// `GET /openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    summary = "This OpenAPI document",
    description = "Public. The OpenAPI 3.1 description of every `/api/v1` endpoint.",
    responses(
        (status = 200, description = "The OpenAPI document.", body = Object, content_type = "application/json"),
    ),
)]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
