//! Schemas that exist only for the OpenAPI document: shapes the API sends or takes
//! that no handler builds as one Rust type (raw bytes, the multipart form of a small
//! upload, the frames of the event stream). A leaf: it names no other module of the
//! HTTP layer, and no handler builds these types.

use frontend::api::types::{DeltaEntry, ErrorDetail, FileMeta, Resync};
use utoipa::ToSchema;

/// Raw bytes: a file's content, a ZIP archive, or chunks being uploaded.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(#[allow(dead_code)] Vec<u8>);

/// The multipart form of `POST /api/v1/files`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SmallUpload {
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
pub struct CompleteConflict {
    /// The error: `conflict`, `chunks-missing`, `already-exists` or `not-a-folder`.
    error: ErrorDetail,
    /// For `conflict` only: the file as it now is.
    #[schema(required = false)]
    current: FileMeta,
}

/// The name of a change event.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ChangeEventName {
    /// `event: change`.
    Change,
}

/// The name of a resync event.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ResyncEventName {
    /// `event: resync`.
    Resync,
}

/// The name of an event about what others share.
#[derive(ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SharedEventName {
    /// `event: shared`.
    Shared,
}

/// `event: change`: one change of the user's own tree, in journal order.
#[derive(ToSchema, serde::Serialize)]
#[allow(dead_code)]
pub struct ChangeEvent {
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
pub struct ResyncEvent {
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
pub struct NoDetail {}

/// The data of a `shared` event.
#[derive(ToSchema, serde::Serialize)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum SharedData {
    /// A change inside a share, with its paths under `/Shared with me`.
    Change(Box<DeltaEntry>),
    /// A share was made or removed: list the shared folders again.
    Share(NoDetail),
}

/// `event: shared`: something changed in what other users share with this one. It has
/// no `id:` line: it is not in this user's journal.
#[derive(ToSchema, serde::Serialize)]
#[allow(dead_code)]
pub struct SharedEvent {
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
pub enum NotificationEvent {
    /// A change of the user's own tree.
    Change(Box<ChangeEvent>),
    /// Start again from a listing.
    Resync(Box<ResyncEvent>),
    /// A change in what others share with this user.
    Shared(Box<SharedEvent>),
}
