//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' `#[utoipa::path]`
//! attributes and the wire types' schemas, and served at `GET /api/v1/openapi.json`.

use super::api;
use super::shares;
use super::sync;
use super::tree;
use super::AppState;
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
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, Schema};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};
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
    modifiers(&SecuritySchemes, &CommonErrors),
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

/// The refusals every operation of a kind can answer, whatever its handler does:
/// added to each operation's answers (merged into the row of their status, since
/// an operation has one answer per status) when its own rows do not name them yet.
struct CommonErrors;

/// One refusal shared by many operations: its status, the text that says it is
/// already documented, and the text to add.
struct Common {
    status: &'static str,
    marker: &'static str,
    text: &'static str,
}

const INTERNAL: Common = Common {
    status: "500",
    marker: "`internal`",
    text: "`internal`: a fault on the server; the message is generic and the cause is logged.",
};
const CROSS_ORIGIN: Common = Common {
    status: "403",
    marker: "`cross-origin-request`",
    text: "`cross-origin-request`: a browser sent it from another site's page, or it carries the \
        session cookie without naming where it comes from (`Origin` or `Sec-Fetch-Site`); send it \
        from Cairn's own pages, or with a bearer token instead of the cookie.",
};
const LINK_RATE: Common = Common {
    status: "429",
    marker: "`too-many-requests`",
    text: "`too-many-requests`: this client address sent more requests to link endpoints this \
        minute than allowed; wait `Retry-After` seconds.",
};
const BAD_PATH_PARAMETER: Common = Common {
    status: "400",
    marker: "path parameter",
    text: "`bad-request`: a path parameter holds a control character, is longer than its \
        `maxLength`, is not percent-encoded UTF-8, or is not of its type.",
};
const BAD_QUERY: Common = Common {
    status: "400",
    marker: "query string is malformed",
    text: "`bad-request`: the query string is malformed (a parameter given twice, or not of its \
        type).",
};
const BAD_JSON: Common = Common {
    status: "400",
    marker: "not the JSON this endpoint takes",
    text: "`bad-request`: the body is not the JSON this endpoint takes (send `Content-Type: \
        application/json`, at most `max_request_bytes` of `GET /api/v1/config`).",
};

/// Operations that do no work that could fail: no `internal` answer.
const CANNOT_FAIL: &[&str] = &["/api/v1/openapi.json", "/api/v1/config"];

impl Common {
    fn add_to(&self, operation: &mut Operation) {
        let responses = &mut operation.responses.responses;
        match responses.get_mut(self.status) {
            Some(RefOr::T(response)) => {
                if !response.description.contains(self.marker) {
                    response.description = format!("{} {}", response.description, self.text);
                }
            }
            Some(RefOr::Ref(_)) => {}
            None => {
                let mut response = Response::new(self.text);
                response.content.insert(
                    "application/json".into(),
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                );
                if self.status == "429" {
                    response.headers.insert(
                        "Retry-After".into(),
                        utoipa::openapi::HeaderBuilder::new()
                            .schema(u64::schema())
                            .description(Some("Seconds to wait."))
                            .build(),
                    );
                }
                responses.insert(self.status.into(), RefOr::T(response));
            }
        }
    }
}

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                (false, &mut item.get),
                (false, &mut item.head),
                (false, &mut item.options),
                (false, &mut item.trace),
                (true, &mut item.post),
                (true, &mut item.put),
                (true, &mut item.patch),
                (true, &mut item.delete),
            ];
            for (unsafe_method, operation) in operations {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                let parameters = operation.parameters.clone().unwrap_or_default();
                let json_body = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("application/json"));
                if parameters
                    .iter()
                    .any(|p| p.parameter_in == ParameterIn::Path)
                {
                    BAD_PATH_PARAMETER.add_to(operation);
                }
                if parameters
                    .iter()
                    .any(|p| p.parameter_in == ParameterIn::Query)
                {
                    BAD_QUERY.add_to(operation);
                }
                if json_body {
                    BAD_JSON.add_to(operation);
                }
                if unsafe_method {
                    CROSS_ORIGIN.add_to(operation);
                }
                if path.starts_with("/api/v1/s/") {
                    LINK_RATE.add_to(operation);
                }
                if !CANNOT_FAIL.contains(&path.as_str()) {
                    INTERNAL.add_to(operation);
                }
            }
        }
    }
}

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

/// The name of a change event.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum ChangeEventName {
    /// `event: change`.
    Change,
}

/// The name of a resync event.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum ResyncEventName {
    /// `event: resync`.
    Resync,
}

/// The name of an event about what others share.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum SharedEventName {
    /// `event: shared`.
    Shared,
}

/// `event: change`: one change of the user's own tree, in journal order.
#[derive(ToSchema, serde::Serialize)]
#[allow(dead_code)]
pub(super) struct ChangeEvent {
    /// The `event:` line.
    event: ChangeEventName,
    /// The `id:` line: the change's cursor, as `/api/v1/sync/delta` takes it; send it back
    /// as `Last-Event-ID` to resume after it.
    #[schema(pattern = r#"^c[0-9a-f]+$"#)]
    id: String,
    /// The `data:` line: the change, as JSON.
    data: DeltaEntry,
}

/// `event: resync`: the stream cannot go on from the cursor asked for.
#[derive(ToSchema, serde::Serialize)]
#[allow(dead_code)]
pub(super) struct ResyncEvent {
    /// The `event:` line.
    event: ResyncEventName,
    /// The `id:` line: the cursor the stream goes on from.
    #[schema(pattern = r#"^c[0-9a-f]+$"#)]
    id: String,
    /// The `data:` line, as JSON.
    data: Resync,
}

/// Nothing more: `{}`.
#[derive(ToSchema, serde::Serialize)]
#[schema(max_properties = 0)]
pub(super) struct NoDetail {}

/// The data of a `shared` event.
#[derive(ToSchema, serde::Serialize)]
#[serde(untagged)]
#[allow(dead_code)]
pub(super) enum SharedData {
    /// A change inside a share, with its paths under `/Shared with me`.
    Change(Box<DeltaEntry>),
    /// A share was made or removed: list the shared folders again.
    Share(NoDetail),
}

/// `event: shared`: something changed in what other users share with this one. It has
/// no `id:` line: it is not in this user's journal.
#[derive(ToSchema, serde::Serialize)]
#[allow(dead_code)]
pub(super) struct SharedEvent {
    /// The `event:` line.
    event: SharedEventName,
    /// The `data:` line, as JSON.
    data: SharedData,
}

/// One event of `GET /api/v1/notifications/stream`, as the `event:`, `id:` and `data:`
/// lines of a `text/event-stream` frame (the `data:` line holds the JSON shown here).
/// Comment lines (`:heartbeat`) keep an idle stream open and carry nothing.
#[derive(ToSchema, serde::Serialize)]
#[serde(untagged)]
#[allow(dead_code)]
pub(super) enum NotificationEvent {
    /// A change of the user's own tree.
    Change(Box<ChangeEvent>),
    /// Start again from a listing.
    Resync(Box<ResyncEvent>),
    /// A change in what others share with this user.
    Shared(Box<SharedEvent>),
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
