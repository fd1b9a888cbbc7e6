//! The use cases: what a request asks of Cairn, over the ports.
//!
//! `Core` holds the adapters chosen by configuration and the server's limits. Each
//! method authorises against the acting user's namespace, applies the `domain` rules
//! and calls the ports; it knows nothing of HTTP.

mod access;
mod accounts;
mod chunk_puts;
mod events;
mod files;
mod gc;
mod password_work;
mod shares;
mod slots;
mod small_uploads;
mod uploader;
mod uploads;

pub use uploader::{Committed, LinkReceipt, Uploader};
pub use uploads::{InitRequest, UploadState};

pub use accounts::ApiToken;
pub use events::{ChangeFeed, PollOutcome, StreamItem};
pub use files::{DeltaPage, Download, FileContent, ZipItem};
pub use gc::GcReport;
pub use shares::{LinkAccess, LinkView, ShareChange, ShareRequest, ShareView};
pub use slots::Slot;

use crate::domain::{Error, OpenUploadLimits, User};
use crate::ports::{AttemptLimiter, BlobStore, EventBus, MetadataStore, StoreError};
use std::sync::Arc;
use wasm_chunker::ChunkParams;

/// The server's limits and defaults that use cases apply.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Chunking parameters every client must use.
    pub chunking: ChunkParams,
    /// Largest request body, in bytes.
    pub max_request_bytes: u64,
    /// Size clients should pack chunk requests to.
    pub pack_target_bytes: u64,
    /// Quota of a new account, in bytes.
    pub default_quota_bytes: u64,
    /// How long an upload session lives, in milliseconds.
    pub upload_ttl_ms: i64,
    /// How long a browser session lives, in milliseconds.
    pub session_ttl_ms: i64,
    /// How often garbage collection runs, in milliseconds.
    pub gc_interval_ms: u64,
    /// How many journal entries a change stream's client may lag behind before it
    /// is told to resync (list again) instead.
    pub stream_backlog: u64,
    /// Wrong passwords one link accepts within the attempt window before it answers
    /// "too many attempts".
    pub share_password_failures_per_link: u32,
    /// Wrong link passwords (over all links) one client may send within the window.
    pub share_password_failures_per_client: u32,
    /// How many unfinished uploads an account, and its file-request links, may have
    /// open at once.
    pub open_uploads: OpenUploadLimits,
    /// How many ZIP archives one user, or one link, streams at once.
    pub zips_at_once: u64,
    /// How many change streams one user holds open at once.
    pub streams_per_user: u64,
    /// How many requests one client address may send to the public link endpoints
    /// per minute.
    pub link_requests_per_minute: u64,
    /// Failed log-ins one username takes within the log-in window before it is
    /// locked out; 0 for no limit.
    pub login_failures_per_user: u32,
    /// Failed log-ins (over all usernames) one client may make within the window;
    /// 0 for no limit.
    pub login_failures_per_client: u32,
    /// Sign-ups one client may make per hour; 0 for no limit.
    pub signups_per_hour: u32,
    /// Argon2 computations running at once.
    pub password_hashes_at_once: usize,
    /// Requests that may wait for a turn to compute Argon2; more get "busy".
    pub password_queue: usize,
    /// How long a request waits for its turn, in milliseconds.
    pub password_wait_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            chunking: ChunkParams::default(),
            max_request_bytes: 32 * 1024 * 1024,
            pack_target_bytes: 16 * 1024 * 1024,
            default_quota_bytes: 100 * 1024 * 1024 * 1024,
            upload_ttl_ms: 7 * 24 * 3600 * 1000,
            session_ttl_ms: 30 * 24 * 3600 * 1000,
            gc_interval_ms: 3600 * 1000,
            stream_backlog: 1000,
            share_password_failures_per_link: 5,
            share_password_failures_per_client: 20,
            open_uploads: OpenUploadLimits {
                per_account: 1000,
                through_links: 100,
            },
            zips_at_once: 3,
            streams_per_user: 20,
            link_requests_per_minute: 600,
            login_failures_per_user: 5,
            login_failures_per_client: 20,
            signups_per_hour: 20,
            password_hashes_at_once: std::thread::available_parallelism().map_or(1, usize::from),
            password_queue: 64,
            password_wait_ms: 2000,
        }
    }
}

/// Cairn's use cases over the configured adapters.
pub struct Core {
    meta: Arc<dyn MetadataStore>,
    blobs: Arc<dyn BlobStore>,
    bus: Arc<dyn EventBus>,
    feed: Arc<ChangeFeed>,
    attempts: AttemptLimiters,
    limits: Limits,
    signed_in: accounts::SignedIn,
    busy: slots::Slots,
    link_rate: slots::RequestRate,
    password_work: Arc<password_work::PasswordWork>,
}

/// The counters of failed attempts, one per kind, each with its own window.
#[derive(Clone)]
pub struct AttemptLimiters {
    /// Wrong link passwords, per link and per client.
    pub links: Arc<dyn AttemptLimiter>,
    /// Failed log-ins, per username and per client.
    pub logins: Arc<dyn AttemptLimiter>,
    /// Sign-ups, per client (an hour's window).
    pub signups: Arc<dyn AttemptLimiter>,
}

impl Core {
    /// Wires the use cases to their adapters; `attempts` counts failed password
    /// checks and sign-ups.
    pub fn new(
        meta: Arc<dyn MetadataStore>,
        blobs: Arc<dyn BlobStore>,
        bus: Arc<dyn EventBus>,
        attempts: AttemptLimiters,
        limits: Limits,
    ) -> Core {
        Core {
            password_work: password_work::PasswordWork::new(
                limits.password_hashes_at_once,
                limits.password_queue,
                std::time::Duration::from_millis(limits.password_wait_ms),
            ),
            meta,
            blobs,
            bus,
            feed: Arc::new(ChangeFeed::default()),
            attempts,
            limits,
            signed_in: accounts::SignedIn::default(),
            busy: slots::Slots::default(),
            link_rate: slots::RequestRate::default(),
        }
    }

    /// A place for one more ZIP archive of `user`'s, or `TooManyAtOnce` when they stream as
    /// many as they may at once.
    pub fn zip_slot_of_user(&self, user: &User) -> Result<Slot, Error> {
        self.slot(
            format!("zip user {}", user.id),
            self.limits.zips_at_once,
            "archive downloads",
        )
    }

    /// A place for one more ZIP archive through the link `share_id`.
    pub fn zip_slot_of_link(&self, share_id: &str) -> Result<Slot, Error> {
        self.slot(
            format!("zip link {share_id}"),
            self.limits.zips_at_once,
            "archive downloads through this link",
        )
    }

    /// A place for one more open change stream of `user`'s.
    pub fn stream_slot(&self, user: &User) -> Result<Slot, Error> {
        self.slot(
            format!("stream {}", user.id),
            self.limits.streams_per_user,
            "open change streams",
        )
    }

    fn slot(&self, key: String, limit: u64, what: &str) -> Result<Slot, Error> {
        self.busy
            .take(key, limit)
            .ok_or_else(|| Error::TooManyAtOnce {
                what: what.to_string(),
                limit,
            })
    }

    /// Counts one request of `client` to the public link endpoints; too many in the
    /// current minute are refused.
    pub fn admit_link_request(&self, client: &str) -> Result<(), Error> {
        self.link_rate
            .admit(client, self.limits.link_requests_per_minute, now_ms())
            .map_err(|retry_after_secs| Error::TooManyRequests { retry_after_secs })
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

/// The current time, Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::AlreadyExists(what) => Error::AlreadyExists(what),
            StoreError::NotFound(what) => Error::NotFound(what),
            StoreError::NotAFolder(what) => Error::NotAFolder(what),
            StoreError::Invalid(why) => Error::BadRequest(why),
            StoreError::QuotaExceeded { needed, available } => {
                Error::QuotaExceeded { needed, available }
            }
            StoreError::TooManyUploads { open, limit } => Error::TooManyUploads { open, limit },
            StoreError::TooManyEntries { limit } => Error::TooManyEntries { limit },
            StoreError::ChunkBusy(chunk) => Error::ChunkBusy(format!("chunk {chunk}")),
            StoreError::Backend(cause) => Error::Internal(cause),
        }
    }
}
