//! The ports: what the core needs from storage, as traits with one adapter per
//! technology (`adapters/`). Config picks the adapters at run time, so the core holds
//! them as `Arc<dyn …>`.
//!
//! Architecture invariant: a `MetadataStore` method is one transaction; every method
//! takes the namespace (`UserId`) it works in and never reads outside it.

use crate::domain::{
    Change, Commit, CommitOutcome, FileEntry, FileId, OpenUploadLimits, RelPath, Share,
    SharePermission, ShareRecord, ShareToken, Starter, TrashedEntry, UploadChunk, UploadId,
    UploadSession, User, UserId, VersionChunk, VersionInfo,
};
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use std::collections::HashSet;
use wasm_chunker::ChunkId;

/// A storage failure, in the port's own terms.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (e.g. a taken username or name in a folder).
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// What the operation needed is not there.
    #[error("not found: {0}")]
    NotFound(String),
    /// A file stands where a folder is needed.
    #[error("not a folder: {0}")]
    NotAFolder(String),
    /// The operation does not make sense (e.g. moving a folder into itself).
    #[error("invalid: {0}")]
    Invalid(String),
    /// A chunk the operation needs is being deleted by garbage collection at this
    /// moment; the same operation succeeds once it is done.
    #[error("chunk {0} is being collected")]
    ChunkBusy(String),
    /// The owner has as many open uploads as they may have.
    #[error("{open} open uploads, at most {limit}")]
    TooManyUploads {
        /// Open uploads.
        open: u64,
        /// The cap.
        limit: u64,
    },
    /// The owner keeps as many entries as they may.
    #[error("{limit} entries, the most allowed")]
    TooManyEntries {
        /// The cap.
        limit: u64,
    },
    /// A commit would take the owner past their quota.
    #[error("over quota: {needed} bytes needed, {available} free")]
    QuotaExceeded {
        /// Bytes the new version needs.
        needed: u64,
        /// Bytes free for it (the version it replaces counts as free).
        available: u64,
    },
    /// The storage itself failed (connection, IO, corruption).
    #[error("storage failure: {0}")]
    Backend(String),
}

/// What decides whether a new upload session may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadAdmission {
    /// Bytes of the file the upload would replace (it may reuse their room).
    pub replaces: u64,
    /// Who starts it.
    pub starter: Starter,
    /// The caps on open uploads.
    pub limits: OpenUploadLimits,
}

/// A new account, with its root folder.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The account.
    pub user: User,
    /// Creation time, Unix milliseconds.
    pub now: i64,
}

/// What kind of credential a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A browser session (cookie).
    Session,
    /// An API token for scripts.
    Api,
}

/// A stored credential: only the SHA-256 of the secret is kept.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Hex SHA-256 of the secret.
    pub token_hash: String,
    /// Whose.
    pub user_id: UserId,
    /// Session or API token.
    pub kind: TokenKind,
    /// A label for API tokens.
    pub label: Option<String>,
    /// Creation time, Unix milliseconds.
    pub created_at: i64,
    /// Expiry, Unix milliseconds; `None` never expires.
    pub expires_at: Option<i64>,
}

/// Users, files, versions, chunk references, upload sessions, the journal and
/// shares: every role of the metadata store, which one adapter implements.
pub trait MetadataStore:
    AccountStore + TreeStore + UploadStore + JournalStore + ShareStore + ChunkCollector
{
}

impl<T> MetadataStore for T where
    T: AccountStore + TreeStore + UploadStore + JournalStore + ShareStore + ChunkCollector
{
}

/// Accounts and their credentials.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates a user and their root folder.
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError>;
    /// Finds a user by login name.
    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// A user by id.
    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError>;
    /// Stores a credential.
    async fn insert_token(&self, token: NewToken) -> Result<(), StoreError>;
    /// The user a live credential belongs to.
    async fn user_by_token(&self, token_hash: &str, now: i64) -> Result<Option<User>, StoreError>;
    /// Removes a credential.
    async fn delete_token(&self, token_hash: &str) -> Result<(), StoreError>;
    /// A user's API tokens, newest first: (token hash, label, created at).
    async fn list_api_tokens(
        &self,
        user: &UserId,
    ) -> Result<Vec<(String, String, i64)>, StoreError>;
    /// Revokes one of a user's API tokens; false when it has no such token.
    async fn revoke_api_token(&self, user: &UserId, token_hash: &str) -> Result<bool, StoreError>;
}

/// Each namespace's tree: entries, folders, versions, the trash, search.
#[async_trait]
pub trait TreeStore: Send + Sync {
    /// Resolves a path to a live entry.
    async fn entry_by_path(
        &self,
        owner: &UserId,
        path: &RelPath,
    ) -> Result<Option<FileEntry>, StoreError>;
    /// A live entry by id.
    async fn entry_by_id(
        &self,
        owner: &UserId,
        id: &FileId,
    ) -> Result<Option<FileEntry>, StoreError>;
    /// The path of a live entry.
    async fn entry_path(&self, owner: &UserId, id: &FileId) -> Result<RelPath, StoreError>;
    /// The live entries of a folder.
    async fn list_children(
        &self,
        owner: &UserId,
        folder: &FileId,
    ) -> Result<Vec<FileEntry>, StoreError>;
    /// Creates a folder and any missing parents; returns the folder (existing or new).
    async fn create_folders(
        &self,
        owner: &UserId,
        path: &RelPath,
        now: i64,
    ) -> Result<FileEntry, StoreError>;
    /// The chunks of a file version, in order.
    async fn version_chunks(
        &self,
        owner: &UserId,
        file: &FileId,
        rev: u64,
    ) -> Result<Vec<VersionChunk>, StoreError>;
    /// Moves a live entry (and so everything under it) to the trash.
    async fn trash_entry(
        &self,
        owner: &UserId,
        id: &FileId,
        now: i64,
    ) -> Result<TrashedEntry, StoreError>;
    /// The trashed entries, most recently deleted first.
    async fn list_trash(&self, owner: &UserId) -> Result<Vec<TrashedEntry>, StoreError>;
    /// Restores a trashed entry to its folder (to the root when that folder is gone),
    /// under a free name; returns it and its path.
    async fn restore_entry(
        &self,
        owner: &UserId,
        id: &FileId,
        now: i64,
    ) -> Result<(FileEntry, RelPath), StoreError>;
    /// Renames or moves a live entry to `to`, creating missing parent folders.
    async fn move_entry(
        &self,
        owner: &UserId,
        id: &FileId,
        to: &RelPath,
        now: i64,
    ) -> Result<FileEntry, StoreError>;
    /// Copies a live entry (a folder with everything in it) to `to`; files share the
    /// original's chunks.
    async fn copy_entry(
        &self,
        owner: &UserId,
        id: &FileId,
        to: &RelPath,
        now: i64,
    ) -> Result<FileEntry, StoreError>;
    /// A file's versions, newest first.
    async fn list_versions(
        &self,
        owner: &UserId,
        id: &FileId,
    ) -> Result<Vec<VersionInfo>, StoreError>;
    /// Makes an old version current again, as a new version.
    async fn restore_version(
        &self,
        owner: &UserId,
        id: &FileId,
        rev: u64,
        now: i64,
    ) -> Result<FileEntry, StoreError>;
    /// Live entries whose name contains `query`, ignoring case, at most `limit`.
    async fn search(
        &self,
        owner: &UserId,
        query: &str,
        limit: u64,
    ) -> Result<Vec<FileEntry>, StoreError>;
    /// Deletes a trashed entry and everything under it for good: its versions' chunk
    /// references are dropped (a chunk left with none becomes collectable after the
    /// grace period) and its size leaves the user's usage.
    async fn purge_entry(&self, owner: &UserId, id: &FileId, now: i64) -> Result<(), StoreError>;
}

/// Upload sessions, the chunks they announce and receive, and their commits.
#[async_trait]
pub trait UploadStore: Send + Sync {
    /// Stores a new upload session with its announced chunks, if `admission` lets
    /// its owner start it at `now` (checked with the owner's open uploads and usage
    /// in the same transaction).
    async fn create_upload(
        &self,
        upload: &UploadSession,
        admission: &UploadAdmission,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Adds announced chunks to an upload.
    async fn announce_chunks(
        &self,
        owner: &UserId,
        upload: &UploadId,
        chunks: &[UploadChunk],
    ) -> Result<(), StoreError>;
    /// An upload session with its chunks, or with only the chunks at `only`.
    async fn upload(
        &self,
        owner: &UserId,
        upload: &UploadId,
        only: Option<&[u64]>,
    ) -> Result<Option<UploadSession>, StoreError>;
    /// Of `chunks`, those already stored in `owner`'s scope: referenced by their
    /// files' versions or received in their open uploads.
    async fn known_chunks(
        &self,
        owner: &UserId,
        chunks: &[ChunkId],
    ) -> Result<HashSet<ChunkId>, StoreError>;
    /// Of `chunks`, those referenced by a version of a live file in `owner`'s tree
    /// under `root` (the entry itself when it is a file): what a share's recipient
    /// can read of them through a share of `root`.
    async fn known_chunks_under(
        &self,
        owner: &UserId,
        root: &FileId,
        chunks: &[ChunkId],
    ) -> Result<HashSet<ChunkId>, StoreError>;
    /// Records that chunks of an upload arrived and their bytes are stored: in the
    /// blob store, or, for the small chunks in `inline`, here with the record.
    /// Returns the chunks that garbage collection is deleting at this moment: they
    /// are left unreceived, to be sent again once it is done.
    async fn chunks_received(
        &self,
        owner: &UserId,
        upload: &UploadId,
        received: &[UploadChunk],
        inline: &[(ChunkId, Bytes)],
        now: i64,
    ) -> Result<Vec<ChunkId>, StoreError>;
    /// Takes back the mark "received" of chunks `indexes` of an upload, whose bytes
    /// turned out to be gone: they are to be sent again.
    async fn chunks_lost(
        &self,
        owner: &UserId,
        upload: &UploadId,
        indexes: &[u64],
    ) -> Result<(), StoreError>;
    /// The bytes of a chunk kept in the metadata store, if it is.
    async fn inline_chunk(&self, id: &ChunkId) -> Result<Option<Bytes>, StoreError>;
    /// Commits a finished upload: the file version, its chunk references, the usage.
    async fn commit_upload(&self, commit: Commit) -> Result<CommitOutcome, StoreError>;
    /// Deletes `owner`'s upload session `upload`, given up on; whether there was one.
    /// Chunks only it held become collectable once their grace period has passed.
    async fn delete_upload(&self, owner: &UserId, upload: &UploadId) -> Result<bool, StoreError>;
    /// Deletes upload sessions that expired by `now`; returns how many.
    async fn expire_uploads(&self, now: i64) -> Result<u64, StoreError>;
}

/// Each namespace's change journal, which sync reads.
#[async_trait]
pub trait JournalStore: Send + Sync {
    /// Journal entries after position `after`, oldest first, at most `limit`.
    async fn changes_since(
        &self,
        owner: &UserId,
        after: i64,
        limit: u64,
    ) -> Result<Vec<Change>, StoreError>;
    /// The newest journal position of a user (0 when empty).
    async fn latest_change(&self, owner: &UserId) -> Result<i64, StoreError>;
    /// Whether more than `count` journal entries follow position `after`.
    async fn changes_exceed(
        &self,
        owner: &UserId,
        after: i64,
        count: u64,
    ) -> Result<bool, StoreError>;
}

/// Shares, and the few lookups that cross namespaces through them.
#[async_trait]
pub trait ShareStore: Send + Sync {
    /// Whose tree a live entry is in; the one method that looks across namespaces,
    /// so that a share's recipient can reach an entry of the owner's by id (the core
    /// then checks a share covers it).
    async fn entry_owner(&self, id: &FileId) -> Result<Option<UserId>, StoreError>;
    /// Whose namespace an upload session commits into (see `entry_owner`).
    async fn upload_owner(&self, id: &UploadId) -> Result<Option<UserId>, StoreError>;
    /// The live user shares made with `recipient` (not expired at `now`, their
    /// shared entry not in the trash), oldest first.
    async fn received_grants(
        &self,
        recipient: &UserId,
        now: i64,
    ) -> Result<Vec<crate::domain::Grant>, StoreError>;
    /// The users `owner` shares something with, whom a change of the owner's concerns.
    async fn share_recipients(&self, owner: &UserId) -> Result<Vec<UserId>, StoreError>;
    /// Stores a new share. A user share of the same entry with the same recipient
    /// already there is `AlreadyExists`.
    async fn insert_share(&self, share: &Share) -> Result<(), StoreError>;
    /// One share by id, with the names of its owner and recipient.
    async fn share_by_id(&self, id: &str) -> Result<Option<ShareRecord>, StoreError>;
    /// A link by its token, with its owner's account.
    async fn share_by_token(&self, token: &ShareToken)
        -> Result<Option<(Share, User)>, StoreError>;
    /// The shares `owner` made, newest first; only those of `file` when given.
    async fn shares_made(
        &self,
        owner: &UserId,
        file: Option<&FileId>,
    ) -> Result<Vec<ShareRecord>, StoreError>;
    /// The user shares made with `recipient`, newest first.
    async fn shares_received(&self, recipient: &UserId) -> Result<Vec<ShareRecord>, StoreError>;
    /// Changes a share's permission, password hash and expiry.
    async fn update_share(
        &self,
        id: &str,
        permission: SharePermission,
        password_hash: Option<String>,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Deletes a share (revoking it); false when there was none.
    async fn delete_share(&self, id: &str) -> Result<bool, StoreError>;
    /// Counts one download through a link.
    async fn count_share_download(&self, id: &str) -> Result<(), StoreError>;
}

/// Garbage collection of chunks that nothing references.
#[async_trait]
pub trait ChunkCollector: Send + Sync {
    /// Chunks that no version and no upload references, whose grace period has
    /// passed and which no other collector is deleting, at most `limit`.
    async fn collectable_chunks(&self, now: i64, limit: u64) -> Result<Vec<ChunkId>, StoreError>;
    /// Marks a chunk as being collected if it is still collectable, in one
    /// transaction; true when it did: the caller may then delete its bytes and
    /// then calls [`ChunkCollector::forget_chunk`]. While it is marked, no upload can
    /// mark it received and no commit can reference it.
    async fn begin_collecting(&self, id: &ChunkId, now: i64) -> Result<bool, StoreError>;
    /// Deletes the record of a chunk marked by `begin_collecting` once its bytes
    /// are gone; true when it did.
    async fn forget_chunk(&self, id: &ChunkId) -> Result<bool, StoreError>;
}

/// An attempt that [`AttemptLimiter::reserve`] let through, counted as a failure
/// under its keys until [`AttemptLimiter::finish`] says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// Tells this attempt from others under the same keys.
    pub id: u64,
    /// Attempts under any of the keys within the window that failed or are still
    /// being checked: zero for a caller that has not failed lately and has nothing
    /// else in flight (a flood's parallel guesses count each other before any fails).
    pub earlier_attempts: u32,
}

/// Counts failed attempts (wrong passwords, sign-ups) per key in a sliding window,
/// to slow down guessing: past a key's limit it answers "wait", each lockout longer
/// than the one before. Kept in memory by one process; the trait lets several
/// replicas share the counts (in Redis, say) later.
///
/// An attempt is reserved before the work it limits (a password check) and counts
/// from then on, so parallel attempts cannot all pass a check made before any of
/// them failed.
#[async_trait]
pub trait AttemptLimiter: Send + Sync {
    /// Reserves an attempt under every one of `keys` (each with its limit; 0 for
    /// none, though its attempts are still counted for `earlier_attempts`) at
    /// `now` (Unix milliseconds): `Err(seconds)` to wait when one of them is
    /// locked out or has its limit of attempts within the window.
    async fn reserve(&self, keys: &[(String, u32)], now: i64) -> Result<Attempt, u64>;
    /// Settles a reserved attempt: `failed` keeps it counted (and locks a key out
    /// once it has its limit of failures); otherwise it is forgotten.
    async fn finish(&self, keys: &[(String, u32)], attempt: Attempt, failed: bool, now: i64);
}

/// Content-addressed chunk bytes.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores a chunk durably. Storing an existing chunk again keeps one copy but
    /// must take as long as storing a new one (no answer may reveal that some
    /// other user stores it).
    async fn put(&self, id: &ChunkId, bytes: Bytes) -> Result<(), StoreError>;
    /// Reads a whole chunk.
    async fn get(&self, id: &ChunkId) -> Result<Bytes, StoreError>;
    /// Whether a chunk is stored.
    async fn contains(&self, id: &ChunkId) -> Result<bool, StoreError>;
    /// Removes a chunk; removing a missing chunk is a no-op.
    async fn delete(&self, id: &ChunkId) -> Result<(), StoreError>;
}

/// "User `user`'s journal grew": all a notification says. Listeners read the changes
/// themselves from the journal, from the position they reached, so a lost
/// notification delays a change, never loses it, and announcing one costs the
/// committing request no query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalNotice {
    /// Whose journal grew.
    pub user: UserId,
}

/// What a subscription to the event bus delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusEvent {
    /// One user's journal grew.
    Changed(JournalNotice),
    /// Notifications may have been lost (a receiver fell behind, the connection to the
    /// bus was re-established): every listener should read its journal again.
    Missed,
}

/// Journal notifications between the server replicas that share a database.
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Tells every subscriber, on every replica, that a user's journal grew.
    async fn publish(&self, notice: JournalNotice) -> Result<(), StoreError>;
    /// Every notification published from now on, for all users. A process subscribes
    /// once and fans out to its listeners; the stream ends only with the bus.
    fn subscribe(&self) -> BoxStream<'static, BusEvent>;
}
