//! The nouns Cairn stores: users, file entries, versions' chunk lists, upload sessions.

use super::{FileId, UploadId, UserId};
use wasm_chunker::ChunkId;

/// A user account; its id is also its namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user and namespace id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// The user's root folder.
    pub root_id: FileId,
    /// Bytes the user may store.
    pub quota_bytes: u64,
    /// Bytes of current versions stored.
    pub used_bytes: u64,
    /// Bytes of older versions kept.
    pub history_bytes: u64,
}

/// A file or folder in a user's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// The entry's id.
    pub id: FileId,
    /// The namespace it belongs to.
    pub owner: UserId,
    /// The containing folder; `None` for a root folder.
    pub parent: Option<FileId>,
    /// The entry's name (empty for a root folder).
    pub name: String,
    /// Folder or file.
    pub is_folder: bool,
    /// Size of the current version (0 for folders).
    pub size: u64,
    /// Content hash of the current version (none for folders).
    pub content_hash: Option<String>,
    /// Current revision, from 1 (0 for folders).
    pub rev: u64,
    /// Last modification, Unix milliseconds.
    pub modified_at: i64,
}

/// Where a chunk lies in a file version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionChunk {
    /// The chunk.
    pub id: ChunkId,
    /// Offset of its first byte in the file.
    pub offset: u64,
    /// Its length.
    pub size: u64,
}

/// One announced chunk of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadChunk {
    /// Position in the file.
    pub index: u64,
    /// The chunk.
    pub id: ChunkId,
    /// Its length.
    pub size: u64,
    /// Whether its bytes arrived in this upload.
    pub received: bool,
}

/// A resumable upload session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSession {
    /// Session id.
    pub id: UploadId,
    /// Whose upload.
    pub owner: UserId,
    /// Target path, as validated at init.
    pub path: String,
    /// Announced total size.
    pub size: u64,
    /// The revision the client edited, if any.
    pub parent_rev: Option<u64>,
    /// The file the client edited, if it said: a commit that finds another file at
    /// the path is a conflict, whatever that file's revision.
    pub base_file: Option<FileId>,
    /// The uploading device's name, if given.
    pub device: Option<String>,
    /// Creation time, Unix milliseconds.
    pub created_at: i64,
    /// Expiry, Unix milliseconds.
    pub expires_at: i64,
    /// Announced chunks, by index.
    pub chunks: Vec<UploadChunk>,
}

/// What a commit should do about a stale `parent_rev`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictPolicy {
    /// Save a conflicted copy beside the file.
    Copy,
    /// Refuse and save nothing.
    Fail,
    /// Never touch what holds the name, whatever it is (the same content, another
    /// file, a folder): save the upload beside it under a conflicted-copy name. For
    /// uploads through a file request, whose answer must not depend on what is there.
    Beside,
}

/// A request to turn a finished upload into a file version, in one transaction.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The upload being committed.
    pub upload: UploadSession,
    /// Its verified content hash, hex.
    pub content_hash: String,
    /// The conflict policy.
    pub on_conflict: ConflictPolicy,
    /// Commit time, Unix milliseconds.
    pub now: i64,
    /// Whether `upload` is a stored session (which the commit closes), or one made
    /// up for a file sent whole, whose chunks the commit records itself.
    pub session_stored: bool,
    /// For a file sent whole: the bytes of its chunks kept in the metadata store
    /// (see [`crate::domain::stored_inline`]).
    pub inline: Vec<(wasm_chunker::ChunkId, bytes::Bytes)>,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// A new version of the file at the path (or a new file).
    Committed(FileEntry),
    /// The content equals the current version: nothing new was stored.
    Unchanged(FileEntry),
    /// The file had moved on; the upload became this conflicted copy.
    ConflictCopy(FileEntry),
    /// The file had moved on and the policy was to fail: nothing was saved.
    Conflict {
        /// The file as it now is.
        current: FileEntry,
    },
}

/// What happened to an entry, as the change journal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    /// A new file or folder (created, uploaded, copied, restored from trash).
    Added,
    /// A new version of a file.
    Modified,
    /// Renamed or moved; `old_path` says from where.
    Moved,
    /// Moved to the trash.
    Deleted,
}

impl ChangeAction {
    /// The stable lowercase name used in storage and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Added => "added",
            ChangeAction::Modified => "modified",
            ChangeAction::Moved => "moved",
            ChangeAction::Deleted => "deleted",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<ChangeAction> {
        Some(match name {
            "added" => ChangeAction::Added,
            "modified" => ChangeAction::Modified,
            "moved" => ChangeAction::Moved,
            "deleted" => ChangeAction::Deleted,
            _ => return None,
        })
    }
}

/// One row of a user's change journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Position in the journal; cursors point here.
    pub seq: i64,
    /// The entry that changed.
    pub file_id: FileId,
    /// What happened.
    pub action: ChangeAction,
    /// The entry's path after the change (before it, for a deletion).
    pub path: String,
    /// For a move, the path before it.
    pub old_path: Option<String>,
    /// Whether the entry is a folder.
    pub is_folder: bool,
    /// The file's revision after the change.
    pub rev: u64,
    /// The file's size after the change.
    pub size: u64,
    /// Who made the change.
    pub actor: UserId,
    /// The device it came from, if known.
    pub device: Option<String>,
    /// When, Unix milliseconds.
    pub at: i64,
}

/// One version in a file's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    /// The revision number, from 1.
    pub rev: u64,
    /// Size of that version.
    pub size: u64,
    /// Its content hash, hex.
    pub content_hash: String,
    /// When it was committed, Unix milliseconds.
    pub created_at: i64,
    /// The device it came from, if known.
    pub device: Option<String>,
}

/// A trashed entry and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrashedEntry {
    /// The entry.
    pub entry: FileEntry,
    /// Its path when it was deleted.
    pub path: String,
    /// When it was deleted, Unix milliseconds.
    pub deleted_at: i64,
}
