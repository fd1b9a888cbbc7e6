//! The rules of Cairn, as plain types and pure functions: paths, ids, upload plans,
//! conflict names, account rules, and the errors a user can run into.
//!
//! Architecture invariant: nothing here does IO or knows HTTP, SQL or S3; it imports
//! none of axum, http, sea_orm, aws_sdk_s3, redis, leptos, serde_json or tokio::fs.

mod access;
mod commit;
mod error;
mod ids;
mod model;
mod names;
mod path;
mod quota;
mod rules;
mod security;
mod shares;

pub use access::{below, locate, mount, recipient_path, Grant, Located, Mount, SHARED_FOLDER};
pub use commit::{decide_commit, AtPath, CommitDecision, CopyOf, Lineage};
pub use error::Error;
pub use ids::{check_id, FileId, UploadId, UserId, MAX_ID_CHARS};
pub use model::*;
pub use names::{clash_names, Clash};
pub use path::{
    check_new_name, name_key, name_safe, PathError, RelPath, MAX_NAME_BYTES, MAX_PATH_BYTES,
};
pub use quota::{
    admit_bytes, admit_entries, admit_upload, history_to_forget, max_chunks, versions_over_cap,
    Holdings, OpenUploadLimits, Starter, LINK_DEVICE,
};
pub use rules::*;
pub use security::*;
pub use shares::*;
