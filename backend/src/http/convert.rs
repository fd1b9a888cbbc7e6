//! Conversions between domain types and `/api/v1` wire types.

use crate::domain::{FileEntry, RelPath, User};
use frontend::api::types::{FileMeta, UserInfo};

/// A user as the API shows it.
pub fn user_info(user: &User) -> UserInfo {
    UserInfo {
        id: user.id.to_string(),
        username: user.username.clone(),
        used_bytes: user.used_bytes,
        quota_bytes: user.quota_bytes,
    }
}

/// A file entry at a path as the API shows it.
pub fn file_meta(entry: &FileEntry, path: &RelPath) -> FileMeta {
    FileMeta {
        id: entry.id.to_string(),
        name: entry.name.clone(),
        path: path.to_string(),
        is_folder: entry.is_folder,
        size: entry.size,
        rev: entry.rev,
        content_hash: entry.content_hash.clone(),
        modified_at: entry.modified_at,
    }
}
