//! Everything a request can run into, each with a message saying what to do.

use super::PathError;

/// A use case's failure. `http::error` maps each variant to a status and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No valid session or token.
    #[error("you are not logged in; log in and try again")]
    Unauthenticated,
    /// Wrong username or password.
    #[error("wrong username or password")]
    InvalidCredentials,
    /// The username does not follow the rules.
    #[error("username must be 1 to 64 characters: letters, digits, '.', '_' or '-'")]
    InvalidUsername,
    /// The password is too short.
    #[error("password must be at least 8 characters long")]
    WeakPassword,
    /// Someone has that username.
    #[error("the username {0:?} is taken; choose another")]
    UsernameTaken(String),
    /// A malformed path.
    #[error(transparent)]
    Path(#[from] PathError),
    /// Nothing at that path or id, for this user.
    #[error("{0} not found")]
    NotFound(String),
    /// A file or folder is in the way.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// A folder was expected.
    #[error("{0} is a file, not a folder")]
    NotAFolder(String),
    /// A file was expected.
    #[error("{0} is a folder; pick a file")]
    IsAFolder(String),
    /// Something in the request does not add up; the message says what.
    #[error("{0}")]
    BadRequest(String),
    /// No upload session with that id for this user.
    #[error("upload {0} not found; start the upload again")]
    UploadNotFound(String),
    /// The upload session expired.
    #[error("upload {0} expired; start the upload again")]
    UploadExpired(String),
    /// A chunk's bytes do not match its announced hash.
    #[error("chunk {index} hash mismatch: expected {expected}, got {actual}; re-read the file and retry")]
    ChunkHashMismatch {
        /// Chunk index.
        index: u64,
        /// Announced hash.
        expected: String,
        /// Hash of the received bytes.
        actual: String,
    },
    /// A chunk body has the wrong length.
    #[error("chunk {index} size mismatch: announced {expected} bytes, got {actual}; re-read the file and retry")]
    ChunkSizeMismatch {
        /// Chunk index.
        index: u64,
        /// Announced size.
        expected: u64,
        /// Received size.
        actual: u64,
    },
    /// Complete was called before every chunk arrived.
    #[error("{missing} chunk(s) still missing, first index {first}; send them, then complete")]
    ChunksMissing {
        /// How many chunks are missing.
        missing: usize,
        /// The first missing index.
        first: u64,
    },
    /// Garbage collection was deleting a chunk of the request just as it arrived;
    /// sending it again succeeds once it is done (a second or so).
    #[error(
        "{0} was being removed by the server's clean-up as it arrived; send it again in a second"
    )]
    ChunkBusy(String),
    /// The content hash does not match the chunks.
    #[error("content hash mismatch: the chunks hash to {actual}, the request says {expected}; re-read the file and retry")]
    ContentHashMismatch {
        /// Hash in the request.
        expected: String,
        /// Hash of the announced chunks.
        actual: String,
    },
    /// The file changed since the client's base revision (`on_conflict: "fail"`).
    #[error("{path} changed since the version you edited; it is now at revision {current_rev}: fetch it, merge, and upload again")]
    Conflict {
        /// The file's path.
        path: String,
        /// The current revision.
        current_rev: u64,
    },
    /// The user's quota would be exceeded.
    #[error("this upload needs {needed} bytes but only {available} of your quota are free; delete files or empty the trash")]
    QuotaExceeded {
        /// Bytes the upload needs.
        needed: u64,
        /// Bytes left.
        available: u64,
    },
    /// A file request's owner has no room for the file; a link holder is not told
    /// how much room there is.
    #[error("the person who asked for files has no room for this one; tell them, or send a smaller file")]
    RecipientFull,
    /// The account keeps as many files and folders as it may.
    #[error("this account keeps {limit} files and folders, the most it may (those in the trash count too); delete some or empty the trash")]
    TooManyEntries {
        /// The cap.
        limit: u64,
    },
    /// The account has as many open uploads as it may have.
    #[error("{open} uploads are still open, the most allowed at once is {limit}; finish or cancel some (unfinished ones expire on their own)")]
    TooManyUploads {
        /// Open uploads.
        open: u64,
        /// The cap.
        limit: u64,
    },
    /// As many of a kind of long-running work (archives, change streams) run for this
    /// user or link as may at once.
    #[error("{limit} {what} are running, the most allowed at once; wait for one to finish and try again")]
    TooManyAtOnce {
        /// What kind of work.
        what: String,
        /// The cap.
        limit: u64,
    },
    /// Too many requests from this client lately.
    #[error("too many requests from your address; wait {retry_after_secs} seconds and try again")]
    TooManyRequests {
        /// Seconds until requests are taken again.
        retry_after_secs: u64,
    },
    /// The request body is larger than the server accepts.
    #[error("request body of {size} bytes exceeds the limit of {limit} bytes; send fewer chunks per request")]
    TooLarge {
        /// Body size.
        size: u64,
        /// Limit.
        limit: u64,
    },
    /// A `Range` outside the content.
    #[error("the requested range lies outside the file's {size} bytes; ask for bytes 0 to {size} at most")]
    RangeNotSatisfiable {
        /// The content's size.
        size: u64,
    },
    /// A share link that does not exist, was revoked, or whose shared entry is gone.
    #[error("this link has expired or was removed; ask the person who shared it for a new one")]
    LinkNotFound,
    /// A share link whose expiry has passed.
    #[error("this link has expired or was removed; ask the person who shared it for a new one")]
    LinkExpired,
    /// A password-protected link opened without its password.
    #[error("this link is protected by a password; enter it to continue")]
    LinkPasswordRequired,
    /// A wrong link password.
    #[error("wrong password for this link; check it and try again")]
    WrongLinkPassword,
    /// Too many wrong passwords lately.
    #[error("too many wrong passwords; wait {retry_after_secs} seconds and try again")]
    TooManyAttempts {
        /// Seconds until another attempt is allowed.
        retry_after_secs: u64,
    },
    /// Too many accounts were made from one client address lately.
    #[error("too many accounts were created from your address lately; wait {retry_after_secs} seconds and try again")]
    TooManySignups {
        /// Seconds until another sign-up is allowed.
        retry_after_secs: u64,
    },
    /// Every password check is taken and the queue for them is full.
    #[error("the server is busy checking other passwords; wait {retry_after_secs} seconds and try again")]
    Busy {
        /// Seconds to wait before trying again.
        retry_after_secs: u64,
    },
    /// A password longer than the server hashes.
    #[error("the password is longer than {limit} bytes; use a shorter one")]
    PasswordTooLong {
        /// The longest password accepted, in bytes.
        limit: usize,
    },
    /// A state-changing request that another site's page sent, or that does not say
    /// where it comes from while carrying the session cookie.
    #[error("{0}")]
    CrossOrigin(String),
    /// The credential is valid but does not allow this (e.g. a change inside a
    /// folder shared as a viewer); the message says what it allows and whom to ask.
    #[error("{0}")]
    Forbidden(String),
    /// A fault on the server's side; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}
