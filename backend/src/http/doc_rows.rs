//! Rows of the OpenAPI document that many operations share, each written once as a
//! reusable response: operations name them in their `responses(...)` as
//! `response = inline(…)`, and the document's modifiers merge them into every
//! operation of the kind that answers them (`doc_modifiers.rs`). A leaf: it names no
//! other module of the HTTP layer.
//!
//! Each description starts with the error code it documents, in backticks, which is
//! how a modifier tells that an operation already names it.

#![allow(dead_code)] // The types only describe answers: none is built, no field read.

use frontend::api::types::ErrorBody;
use utoipa::ToResponse;

/// 500 for every operation that does work that can fail.
#[derive(ToResponse)]
#[response(
    description = "`internal`: a fault on the server; the message is generic and the cause is logged."
)]
pub struct Internal(ErrorBody);

/// 401 for every operation that needs a user's credentials.
#[derive(ToResponse)]
#[response(description = "`unauthenticated`: no valid bearer token or session cookie.")]
pub struct Unauthenticated(ErrorBody);

/// 403 for every unsafe method.
#[derive(ToResponse)]
#[response(
    description = "`cross-origin-request`: a browser sent it from another site's page, or it carries the session cookie without naming where it comes from (`Origin` or `Sec-Fetch-Site`); send it from Cairn's own pages, or with a bearer token instead of the cookie."
)]
pub struct CrossOrigin(ErrorBody);

/// 400 for every operation with path parameters.
#[derive(ToResponse)]
#[response(
    description = "`bad-request`: a path parameter holds a control character, is longer than its `maxLength`, is not percent-encoded UTF-8, or is not of its type."
)]
pub struct BadPathParameter(ErrorBody);

/// 400 for every operation with query parameters.
#[derive(ToResponse)]
#[response(
    description = "`bad-request`: the query string is malformed (a parameter given twice, or not of its type)."
)]
pub struct BadQuery(ErrorBody);

/// 400 for every operation with a JSON body.
#[derive(ToResponse)]
#[response(
    description = "`bad-request`: the body is not the JSON this endpoint takes (send `Content-Type: application/json`, at most `max_request_bytes` of `GET /api/v1/config`)."
)]
pub struct BadJson(ErrorBody);

/// 404 for the operations on one of a user's entries by id.
#[derive(ToResponse)]
#[response(
    description = "`not-found`: no live file or folder with that id among this user's files."
)]
pub struct EntryNotFound(ErrorBody);

/// 304 for the downloads that honour `If-None-Match`.
#[derive(ToResponse)]
#[response(
    description = "`If-None-Match` matched: the client's copy is current; no body.",
    headers(("ETag" = String, description = "The content hash, quoted."))
)]
pub struct NotModified;

/// 403 for the operations that change a user's tree.
#[derive(ToResponse)]
#[response(
    description = "`forbidden`: the path or entry is in a folder shared with this user as a viewer, is a shared folder's root (which only its owner may rename, move or delete), or is `/Shared with me` itself."
)]
pub struct ViewerForbidden(ErrorBody);

/// 503 for the operations that check a password.
#[derive(ToResponse)]
#[response(
    description = "`server-busy`: every password check is taken; wait `Retry-After` seconds.",
    headers(("Retry-After" = u64, description = "Seconds to wait."))
)]
pub struct ServerBusy(ErrorBody);

/// 429 for the operations that stream an archive.
#[derive(ToResponse)]
#[response(
    description = "`too-many-at-once`: as many archives (change streams) run for this user or link as may at once; try again after `Retry-After` seconds.",
    headers(("Retry-After" = u64, description = "Seconds to wait."))
)]
pub struct TooManyAtOnce(ErrorBody);

/// 404 for the steps of an upload after `init`.
#[derive(ToResponse)]
#[response(
    description = "`upload-not-found`: no upload with that id for this sender (completed, cancelled, expired and collected, or never started)."
)]
pub struct UploadNotFound(ErrorBody);

/// 410 for the steps of an upload after `init`.
#[derive(ToResponse)]
#[response(description = "`upload-expired`: the upload session expired; start a new one.")]
pub struct UploadExpired(ErrorBody);

/// 413 for the chunk PUTs.
#[derive(ToResponse)]
#[response(
    description = "`too-large`: the body is larger than the server's request limit (`max_request_bytes` of `GET /api/v1/config`)."
)]
pub struct TooLarge(ErrorBody);

/// 422 for the chunk PUTs.
#[derive(ToResponse)]
#[response(
    description = "`chunk-hash-mismatch`: a chunk's bytes do not hash to what was announced, or `chunk-size-mismatch`: the body is not the one announced chunk's size. The chunks that passed are stored all the same."
)]
pub struct ChunkMismatch(ErrorBody);

/// 503 for the chunk PUTs.
#[derive(ToResponse)]
#[response(
    description = "`chunk-busy`: a chunk was being removed by garbage collection as it arrived; send it again after `Retry-After` seconds (the others were stored).",
    headers(("Retry-After" = u64, description = "Seconds to wait."))
)]
pub struct ChunkBusyOnPut(ErrorBody);

/// 503 for the commits of chunks sent earlier.
#[derive(ToResponse)]
#[response(
    description = "`chunk-busy`: a chunk was being removed by garbage collection; send it again (or retry) after `Retry-After` seconds.",
    headers(("Retry-After" = u64, description = "Seconds to wait."))
)]
pub struct ChunkBusyOnCommit(ErrorBody);

/// 503 for the one-request uploads.
#[derive(ToResponse)]
#[response(
    description = "`chunk-busy`: a chunk was being removed by garbage collection as it was stored; send the request again after `Retry-After` seconds.",
    headers(("Retry-After" = u64, description = "Seconds to wait."))
)]
pub struct ChunkBusyOnStore(ErrorBody);

/// 429 for every link operation, from the link rate limit.
#[derive(ToResponse)]
#[response(
    description = "`too-many-requests`: this client address sent more requests to link endpoints this minute than allowed; wait `Retry-After` seconds.",
    headers(("Retry-After" = u64, description = "Seconds to wait."))
)]
pub struct TooManyRequests(ErrorBody);

/// 401 for the link operations past the password.
#[derive(ToResponse)]
#[response(description = "`link-password-required`: the link has a password; enter it first.")]
pub struct LinkPasswordRequired(ErrorBody);

/// 404 for the link operations.
#[derive(ToResponse)]
#[response(
    description = "`link-not-found`: no such link (never made, or revoked), or the shared entry is gone."
)]
pub struct LinkNotFound(ErrorBody);

/// 410 for the link operations.
#[derive(ToResponse)]
#[response(description = "`link-expired`: the link expired.")]
pub struct LinkExpired(ErrorBody);

/// 403 for the uploads through a link.
#[derive(ToResponse)]
#[response(description = "`forbidden`: the link is not a file request.")]
pub struct NotAFileRequest(ErrorBody);

/// 507 for the user's own uploads.
#[derive(ToResponse)]
#[response(
    description = "`quota-exceeded`: the file does not fit in what is left of the user's quota. `too-many-entries`: the user has as many files and folders as an account may hold."
)]
pub struct QuotaExceeded(ErrorBody);

/// 507 for the uploads through a link: the owner's numbers stay untold.
#[derive(ToResponse)]
#[response(
    description = "`quota-exceeded`: the owner has no room for the file (how much room there is stays untold). `too-many-entries`: the owner's account holds as many files and folders as it may."
)]
pub struct RecipientFull(ErrorBody);

/// How the twin of a user's upload operation that link holders call, at
/// `/api/v1/s/{token}/files/upload/…`, differs from it. The rest the document
/// derives: the twin takes the link's token in its path instead of credentials, is
/// refused as a link is ([`LinkPasswordRequired`], [`NotAFileRequest`],
/// [`LinkNotFound`], [`LinkExpired`], [`TooManyRequests`]), never as a user is
/// ([`Unauthenticated`], [`ViewerForbidden`]), and a full quota is told as
/// [`RecipientFull`].
pub struct LinkTwin {
    /// The id of the user's operation (its handler's name).
    pub operation: &'static str,
    /// The twin's summary.
    pub summary: &'static str,
    /// The twin's description, if it has one.
    pub description: Option<&'static str>,
    /// Rows whose text differs for a link holder, as status and description; the
    /// answer's body and headers stay the user operation's.
    pub rows: &'static [(&'static str, &'static str)],
    /// Statuses a link holder is never answered.
    pub never: &'static [&'static str],
}

/// The token in the path of every link operation.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LinkTokenParam {
    /// The link's token.
    #[param(max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#)]
    pub token: String,
}
