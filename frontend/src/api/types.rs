//! Every `/api/v1` request and response body, shared by the server and the browser.
//!
//! Plain serde types, compiled for both targets. With feature `ssr` they also
//! describe themselves for the server's OpenAPI document (`utoipa::ToSchema`); the
//! browser build carries none of that. The server converts its domain types into
//! these in its `http` module; nothing here knows how the server stores anything.

use serde::{Deserialize, Serialize};

pub use wasm_chunker::ChunkParams;

/// The body of every error answer: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// A stable, kebab-case code and a message saying what went wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `upload-expired`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

/// `GET /api/v1/config`: what every client needs to know before uploading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServerConfig {
    /// Chunking parameters every client must use, so dedup works across devices.
    pub chunking: ChunkParams,
    /// Largest request body the server accepts, in bytes.
    pub max_request_bytes: u64,
    /// Size clients should aim for when packing several chunks into one request.
    pub pack_target_bytes: u64,
}

/// `POST /api/v1/auth/signup` and `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Credentials {
    /// 1 to 64 characters: ASCII letters, digits, `.`, `_` and `-`.
    #[cfg_attr(
        feature = "ssr",
        schema(min_length = 1, max_length = 64, pattern = r#"^[A-Za-z0-9._-]{1,64}$"#)
    )]
    pub username: String,
    /// At least 8 characters (sign-up) and at most 1024 bytes of UTF-8.
    #[cfg_attr(feature = "ssr", schema(min_length = 8, max_length = 1024))]
    pub password: String,
}

/// A user as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserInfo {
    /// Opaque user id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Bytes stored in current versions.
    pub used_bytes: u64,
    /// Bytes the user may store.
    pub quota_bytes: u64,
    /// Bytes of older versions kept: they cost no quota, but are kept within it
    /// (past it, the oldest go).
    #[serde(default)]
    pub history_bytes: u64,
}

/// The answer to a successful sign-up or log-in; the session cookie is set as well.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Who is logged in.
    pub user: UserInfo,
    /// A bearer token for scripts (`Authorization: Bearer <token>`).
    pub token: String,
}

/// A file or folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FileMeta {
    /// Opaque file id.
    pub id: String,
    /// Last path segment.
    pub name: String,
    /// Full path from the user's root, starting with `/`.
    pub path: String,
    /// Whether this is a folder.
    pub is_folder: bool,
    /// Size in bytes (0 for folders).
    pub size: u64,
    /// Current revision (0 for folders).
    pub rev: u64,
    /// Content hash of the current revision, hex (absent for folders).
    pub content_hash: Option<String>,
    /// Last modification, Unix milliseconds.
    pub modified_at: i64,
}

/// `GET /api/v1/files?path=`: a folder and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FolderListing {
    /// The folder itself.
    pub folder: FileMeta,
    /// Its entries, folders first, then by name.
    pub entries: Vec<FileMeta>,
}

/// `POST /api/v1/folders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewFolder {
    /// Path of the folder to create, e.g. `/Documents/2026`; missing parents are
    /// created too.
    /// Names are held in Unicode NFC (the server normalises them) and must be names
    /// every common system can hold: none of `\` `<` `>` `:` `"` `|` `?` `*`, no control or invisible
    /// formatting character (bidirectional overrides, zero-width characters), no trailing
    /// dot or space, not a Windows device name (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`,
    /// `LPT1`-`LPT9`, with any extension), at most 255 bytes of UTF-8 each; the whole
    /// path at most 4096 bytes. Not `/`.
    #[cfg_attr(
        feature = "ssr",
        schema(
            max_length = 4096,
            pattern = r#"^(?:/[^/\\<>:"|?*\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]{0,254}[^/\\<>:"|?*. \u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF])+$"#
        )
    )]
    pub path: String,
}

/// One chunk as a client announces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChunkAnnouncement {
    /// SHA-256 of the chunk's bytes: 64 hex digits (the server writes them in lower
    /// case, and reads either).
    #[cfg_attr(feature = "ssr", schema(pattern = r#"^[0-9a-fA-F]{64}$"#))]
    pub hash: String,
    /// Length in bytes: 1 to `chunking.max_size` of `GET /api/v1/config`.
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub size: u64,
}

impl From<&wasm_chunker::ChunkRef> for ChunkAnnouncement {
    fn from(chunk: &wasm_chunker::ChunkRef) -> Self {
        ChunkAnnouncement {
            hash: chunk.id.to_hex(),
            size: u64::from(chunk.len),
        }
    }
}

/// `POST /api/v1/files/upload/init`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UploadInit {
    /// Where the file goes, e.g. `/Documents/report.pdf`. Through a file-request
    /// link, relative to the shared folder.
    /// Names are held in Unicode NFC (the server normalises them) and must be names
    /// every common system can hold: none of `\` `<` `>` `:` `"` `|` `?` `*`, no control or invisible
    /// formatting character (bidirectional overrides, zero-width characters), no trailing
    /// dot or space, not a Windows device name (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`,
    /// `LPT1`-`LPT9`, with any extension), at most 255 bytes of UTF-8 each; the whole
    /// path at most 4096 bytes. Not `/`.
    #[cfg_attr(
        feature = "ssr",
        schema(
            max_length = 4096,
            pattern = r#"^(?:/[^/\\<>:"|?*\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]{0,254}[^/\\<>:"|?*. \u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF])+$"#
        )
    )]
    pub path: String,
    /// Total size in bytes.
    pub size: u64,
    /// The revision the client edited, if it is replacing a file it knew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_rev: Option<u64>,
    /// The id of the file the client edited, with `parent_rev`: when the path holds
    /// another file by the time the upload completes (the edited one was moved or
    /// deleted and another took its name), the upload is a conflict too. At most 128
    /// characters, no control characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "ssr",
        schema(max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#)
    )]
    pub file_id: Option<String>,
    /// A name for the uploading device, used in conflicted-copy names: at most 64
    /// characters, no control or invisible formatting characters; trimmed, and blank
    /// is the same as absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "ssr",
        schema(
            max_length = 64,
            pattern = r#"^[^\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]*$"#
        )
    )]
    pub device: Option<String>,
    /// The file's first chunks, in order; more may be announced later. Their sizes add
    /// up to at most `size`, and there are at most `ceil(size / chunking.min_size) + 1`
    /// of them.
    #[serde(default)]
    pub chunks: Vec<ChunkAnnouncement>,
}

/// The answer to `init`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UploadInitResponse {
    /// Opaque id of the upload session.
    pub upload_id: String,
    /// Indexes of announced chunks the server still needs.
    pub chunks_needed: Vec<u64>,
    /// When the session expires if not completed, Unix milliseconds.
    pub expires_at: i64,
}

/// One chunk announced by index, in `POST /api/v1/files/upload/{id}/chunks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IndexedChunk {
    /// Position of the chunk in the file.
    pub index: u64,
    /// SHA-256 of the chunk's bytes: 64 hex digits (the server writes them in lower
    /// case, and reads either).
    #[cfg_attr(feature = "ssr", schema(pattern = r#"^[0-9a-fA-F]{64}$"#))]
    pub hash: String,
    /// Length in bytes: 1 to `chunking.max_size` of `GET /api/v1/config`.
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub size: u64,
}

/// `POST /api/v1/files/upload/{id}/chunks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AnnounceChunks {
    /// Further chunks, by index.
    pub chunks: Vec<IndexedChunk>,
}

/// The indexes of announced chunks the server still needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChunksNeeded {
    /// Indexes still to be sent.
    pub chunks_needed: Vec<u64>,
}

/// The answer to a chunk `PUT`, single or packed: what was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChunksStored {
    /// Indexes now stored.
    pub stored: Vec<u64>,
}

/// `GET /api/v1/files/upload/{id}`: where an upload stands, for resuming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UploadStatus {
    /// Opaque id of the upload session.
    pub upload_id: String,
    /// Target path.
    pub path: String,
    /// Total size in bytes.
    pub size: u64,
    /// Number of chunks announced so far.
    pub announced: u64,
    /// Indexes received or already stored for this user.
    pub received: Vec<u64>,
    /// Indexes still missing.
    pub missing: Vec<u64>,
    /// Expiry, Unix milliseconds.
    pub expires_at: i64,
}

/// What to do when the file changed since the client's `parent_rev`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Save the upload as a conflicted copy beside the file.
    #[default]
    Copy,
    /// Answer 409 and save nothing.
    Fail,
}

/// `POST /api/v1/files/upload/{id}/complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UploadComplete {
    /// SHA-256 over the concatenated chunk digests: 64 hex digits, either case.
    #[cfg_attr(feature = "ssr", schema(pattern = r#"^[0-9a-fA-F]{64}$"#))]
    pub content_hash: String,
    /// Conflict policy; `copy` when absent.
    #[serde(default)]
    pub on_conflict: OnConflict,
}

/// The answer to `complete`: the committed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UploadCommitted {
    /// The file as it now is.
    pub file: FileMeta,
    /// True when the upload was saved as a conflicted copy.
    pub conflict: bool,
}

/// `POST /api/v1/files/{id}/move` and `POST /api/v1/files/{id}/copy`: where to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PathRequest {
    /// The new path, e.g. `/Archive/report.pdf`; missing folders are created.
    /// Names are held in Unicode NFC (the server normalises them) and must be names
    /// every common system can hold: none of `\` `<` `>` `:` `"` `|` `?` `*`, no control or invisible
    /// formatting character (bidirectional overrides, zero-width characters), no trailing
    /// dot or space, not a Windows device name (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`,
    /// `LPT1`-`LPT9`, with any extension), at most 255 bytes of UTF-8 each; the whole
    /// path at most 4096 bytes. Not `/`.
    #[cfg_attr(
        feature = "ssr",
        schema(
            max_length = 4096,
            pattern = r#"^(?:/[^/\\<>:"|?*\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]{0,254}[^/\\<>:"|?*. \u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF])+$"#
        )
    )]
    pub path: String,
}

/// An entry in the trash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TrashEntry {
    /// The entry, with the path it had when it was deleted.
    pub file: FileMeta,
    /// When it was deleted, Unix milliseconds.
    pub deleted_at: i64,
}

/// `GET /api/v1/trash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TrashListing {
    /// Trashed entries, most recently deleted first.
    pub entries: Vec<TrashEntry>,
}

/// One version of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VersionMeta {
    /// Revision number, from 1.
    pub rev: u64,
    /// Size in bytes.
    pub size: u64,
    /// Content hash, hex.
    pub content_hash: String,
    /// When it was committed, Unix milliseconds.
    pub created_at: i64,
    /// The device it came from, if known.
    pub device: Option<String>,
}

/// `GET /api/v1/files/{id}/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VersionList {
    /// Versions, newest first.
    pub versions: Vec<VersionMeta>,
}

/// `GET /api/v1/search?q=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// Matching live entries, by name.
    pub entries: Vec<FileMeta>,
}

/// One change in `GET /api/v1/sync/delta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeltaEntry {
    /// The entry's path after the change (before it, for `deleted`).
    pub path: String,
    /// `added`, `modified`, `moved` or `deleted`.
    pub action: String,
    /// For `moved`, the path before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// The entry as the change left it.
    pub file: FileMeta,
    /// The id of the user who made the change.
    #[serde(default)]
    pub actor: String,
    /// The device it was made from, when the client named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// When, in Unix milliseconds.
    #[serde(default)]
    pub at: i64,
}

/// `GET /api/v1/sync/delta?cursor=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Delta {
    /// Changes after the cursor, oldest first.
    pub entries: Vec<DeltaEntry>,
    /// Where to continue from.
    pub cursor: String,
    /// Whether more changes wait after this page.
    pub has_more: bool,
    /// The cursor was not understood or is too old: list the tree again, then
    /// continue from `cursor`.
    #[serde(default)]
    pub reset: bool,
}

/// `GET /api/v1/notifications/longpoll?cursor=&timeout=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LongPoll {
    /// Whether changes follow the cursor: fetch them with `/sync/delta`.
    pub changes: bool,
    /// With changes, the newest cursor; without, the cursor given.
    pub cursor: String,
}

/// The data of a `resync` event on `GET /api/v1/notifications/stream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Resync {
    /// The cursor the stream goes on from (also the event's id).
    pub cursor: String,
    /// Why: the cursor was not understood, or the client is too far behind.
    pub message: String,
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewToken {
    /// A name to recognise the token by, e.g. `backup script`: at most 100
    /// characters, not blank, no control characters; trimmed.
    #[cfg_attr(
        feature = "ssr",
        schema(
            max_length = 100,
            pattern = r#"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$"#
        )
    )]
    pub label: String,
}

/// An API token as listed (the secret is shown only once, when created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// Opaque token id, for revoking it.
    pub id: String,
    /// Its label.
    pub label: String,
    /// When it was created, Unix milliseconds.
    pub created_at: i64,
}

/// The answer to `POST /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// The token.
    pub info: TokenInfo,
    /// The secret to send as `Authorization: Bearer <token>`; it is not shown again.
    pub token: String,
}

/// `GET /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenList {
    /// The user's API tokens, newest first.
    pub tokens: Vec<TokenInfo>,
}

/// Whom a share is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ShareKind {
    /// A public link, `/s/{token}`: whoever holds it (and the password, if set).
    Link,
    /// Another Cairn user: the folder or file appears in their tree.
    User,
}

/// What a share lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SharePermission {
    /// List and download.
    Viewer,
    /// List, download, upload, rename, move and delete inside the share (user shares).
    Editor,
    /// Upload only, without seeing what is there: a "file request" link.
    UploadOnly,
}

/// `POST /api/v1/shares`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewShare {
    /// The shared file or folder (not the root folder): at most 128 characters, no
    /// control characters.
    #[cfg_attr(
        feature = "ssr",
        schema(max_length = 128, pattern = r#"^[^\u0000-\u001F\u007F-\u009F]+$"#)
    )]
    pub file_id: String,
    /// A public link or a share with a user.
    pub kind: ShareKind,
    /// What the holder may do: a link is `viewer` or (on a folder) `upload_only`; a
    /// user share is `viewer` or `editor`.
    pub permission: SharePermission,
    /// For a user share, required: the recipient's login name (not one's own). When
    /// given (for either kind), a valid username.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(pattern = r#"^[A-Za-z0-9._-]{1,64}$"#))]
    pub username: Option<String>,
    /// For a link only: a password its visitors must enter, 1 to 256 characters
    /// (empty is the same as none).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 256))]
    pub password: Option<String>,
    /// When the share stops working, Unix milliseconds; in the future.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// The answer to `POST /api/v1/shares`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShareCreated {
    /// The share's id, for changing or revoking it.
    pub id: String,
    /// For a link: its address, `/s/{token}` on this server.
    pub url: Option<String>,
}

/// A share as its owner or its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShareInfo {
    /// Opaque share id.
    pub id: String,
    /// A public link or a share with a user.
    pub kind: ShareKind,
    /// What the holder may do.
    pub permission: SharePermission,
    /// The shared file or folder.
    pub file_id: String,
    /// Its name.
    pub name: String,
    /// Whether it is a folder.
    pub is_folder: bool,
    /// Where it is: in the owner's tree for shares made, in the recipient's tree
    /// (under `/Shared with me`) for shares received.
    pub path: String,
    /// Login name of the owner.
    pub owner: String,
    /// For a user share: the recipient's login name.
    pub recipient: Option<String>,
    /// For a link: its address, `/s/{token}` on this server.
    pub url: Option<String>,
    /// For a link: whether visitors must enter a password.
    pub has_password: bool,
    /// When the share stops working, Unix milliseconds.
    pub expires_at: Option<i64>,
    /// For a link: how many downloads went through it.
    pub download_count: u64,
    /// When it was made, Unix milliseconds.
    pub created_at: i64,
}

/// `GET /api/v1/shares`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShareList {
    /// The shares the user made, newest first.
    pub made: Vec<ShareInfo>,
    /// The shares other users made with this user, newest first.
    pub received: Vec<ShareInfo>,
}

/// `PATCH /api/v1/shares/{id}`: what to change; fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShareUpdate {
    /// A new permission (links: viewer or upload_only; user shares: viewer or editor).
    #[serde(default)]
    pub permission: Option<SharePermission>,
    /// A new password for a link, 1 to 256 characters (empty removes it).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 256))]
    pub password: Option<String>,
    /// Removes the link's password.
    #[serde(default)]
    pub remove_password: bool,
    /// A new expiry, Unix milliseconds; in the future.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Removes the expiry: the share works until it is revoked.
    #[serde(default)]
    pub remove_expiry: bool,
}

/// `GET /api/v1/shares?file_id=`: only the shares of one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareListQuery {
    /// Only the shares made of this file or folder.
    #[serde(default)]
    pub file_id: Option<String>,
}

/// One entry as a link shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SharedEntry {
    /// Its name.
    pub name: String,
    /// Its path relative to the shared folder, such as `/photos/a.jpg` (`/` is the
    /// shared entry itself).
    pub path: String,
    /// Whether it is a folder.
    pub is_folder: bool,
    /// Size in bytes (0 for folders).
    pub size: u64,
    /// Last modification, Unix milliseconds.
    pub modified_at: i64,
    /// Whether the browser can show it as an image.
    pub is_image: bool,
}

/// `GET /api/v1/s/{token}`: what a link shows at a path inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SharePage {
    /// The link's token.
    pub token: String,
    /// Whether the visitor must enter the password first; then nothing else is shown.
    pub needs_password: bool,
    /// What the link allows.
    pub permission: SharePermission,
    /// The shared entry's name.
    pub name: String,
    /// Who shared it.
    pub owner: String,
    /// When the link stops working, Unix milliseconds.
    pub expires_at: Option<i64>,
    /// The path shown, relative to the shared entry (`/` for the entry itself).
    pub path: String,
    /// Whether the path shown is a folder (then `entries` lists it) or a file.
    pub is_folder: bool,
    /// The file shown, when it is one.
    pub file: Option<SharedEntry>,
    /// The folder's entries; always empty for a file request.
    pub entries: Vec<SharedEntry>,
    /// For a file request: the largest file the form without JavaScript takes, in
    /// bytes (the page's uploader has no limit).
    pub max_form_upload_bytes: u64,
}

/// `POST /api/v1/s/{token}/unlock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkPassword {
    /// The link's password: at most 1024 bytes of UTF-8.
    #[cfg_attr(feature = "ssr", schema(max_length = 1024))]
    pub password: String,
}
