//! Conversions between domain types and `/api/v1` wire types.

use crate::domain::{Change, Error, FileEntry, RelPath, User, VersionInfo};
use frontend::api::types::{DeltaEntry, FileMeta, SearchResults, UserInfo, VersionMeta};

/// A user as the API shows it.
pub fn user_info(user: &User) -> UserInfo {
    UserInfo {
        id: user.id.to_string(),
        username: user.username.clone(),
        used_bytes: user.used_bytes,
        history_bytes: user.history_bytes,
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

/// A version of a file as the API shows it.
pub fn version_meta(version: VersionInfo) -> VersionMeta {
    VersionMeta {
        rev: version.rev,
        size: version.size,
        content_hash: version.content_hash,
        created_at: version.created_at,
        device: version.device,
    }
}

/// Cursors are opaque to clients: `c` and the journal position in hex. The same
/// cursor serves `/sync/delta`, `/notifications/longpoll` and the event stream's ids.
pub fn encode_cursor(seq: i64) -> String {
    format!("c{seq:x}")
}

/// The journal position of a cursor; -1 (which no position is) when it is not one.
pub fn decode_cursor(cursor: &str) -> i64 {
    cursor
        .strip_prefix('c')
        .and_then(|hex| i64::from_str_radix(hex, 16).ok())
        .unwrap_or(-1)
}

/// Search hits as the API and the search page show them.
pub fn search_results(found: &[(FileEntry, RelPath)]) -> SearchResults {
    SearchResults {
        entries: found
            .iter()
            .map(|(entry, path)| file_meta(entry, path))
            .collect(),
    }
}

/// A journal entry as `/sync/delta` and the event stream send it.
pub fn delta_entry(change: Change) -> Result<DeltaEntry, Error> {
    let path = RelPath::parse(&change.path)?;
    let name = path.name().unwrap_or_default().to_string();
    Ok(DeltaEntry {
        path: change.path,
        action: change.action.as_str().to_string(),
        old_path: change.old_path,
        file: FileMeta {
            id: change.file_id.to_string(),
            name,
            path: path.to_string(),
            is_folder: change.is_folder,
            size: change.size,
            rev: change.rev,
            content_hash: None,
            modified_at: change.at,
        },
        actor: change.actor.to_string(),
        device: change.device,
        at: change.at,
    })
}
