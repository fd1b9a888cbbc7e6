//! Uploading files from the browser (DESIGN §4–§5): pipelined, resumable, and never
//! failed by a transient error.
//!
//! Per file, a Web Worker (`worker`) chunks and hashes the `File` and reports its
//! chunks in batches; the upload announces each batch (`init`, then
//! `POST …/chunks`) while the worker goes on, and sends the chunks the server lacks
//! packed into requests of about `pack_target_bytes`, a few at once, so sending
//! starts long before hashing ends. Pack bodies are `Blob` slices of the file: the
//! page never holds the file's bytes, whatever its size. Failed requests are retried
//! with back-off (`net`); pause and cancel abort what is in flight (`control`).
//!
//! An unfinished upload's session id is kept in IndexedDB under the file's name,
//! size, modification time and target path, so dropping or picking the same file
//! again after a reload, a closed tab or a lost network continues that session: the
//! server answers which chunks it still lacks, and only those are sent.
//!
//! The decisions are plain Rust, compiled and unit-tested natively: `plan` (the
//! chunks, what to pack next, what an answer changes), `session` (the next step),
//! `outcome` (how a step's failure moves the upload on, how it ends), `retry`
//! (which failures are retried, and after how long), `resume` (which session a
//! file continues), `slots` (how many files go at once), `rate` and
//! `device_names` (what a device may be called). The browser glue, built with the
//! `hydrate` feature only, sends, waits and shows: `uploads` (entry points, turns,
//! config), `transfer` (one file's loop), `net`, `control`, `worker`, `selection`
//! and `device`.

// Without `hydrate` nothing calls the decisions but their tests.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
mod device_names;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
mod outcome;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
mod plan;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
mod rate;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
mod resume;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
mod retry;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
mod session;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
mod slots;

#[cfg(feature = "hydrate")]
mod control;
#[cfg(feature = "hydrate")]
mod device;
#[cfg(feature = "hydrate")]
mod net;
#[cfg(feature = "hydrate")]
mod selection;
#[cfg(feature = "hydrate")]
mod transfer;
#[cfg(feature = "hydrate")]
mod uploads;
#[cfg(feature = "hydrate")]
mod worker;

#[cfg(feature = "hydrate")]
pub use device::{ask_device_name, device_name};
#[cfg(feature = "hydrate")]
pub use outcome::UploadError;
#[cfg(feature = "hydrate")]
pub use selection::{dropped, picked, Selection};
#[cfg(feature = "hydrate")]
pub use session::RunState;
#[cfg(feature = "hydrate")]
pub use uploads::{upload_file, upload_file_via};

/// Pauses, resumes or cancels upload `id` (the panel row's id).
#[cfg(feature = "hydrate")]
pub fn set_state(id: u64, state: RunState) {
    control::set(id, state);
}
