//! Conversions between domain types and `/api/v1` wire types, and the small
//! encodings answers share (a link's address; percent-encoding is the web app's
//! `frontend::format::percent_encode`). A leaf: it names no other module of the HTTP
//! layer.

use crate::core::{Limits, LinkReceipt, ShareView};
use crate::domain::{
    Change, Error, FileEntry, RelPath, ShareKind, SharePermission, User, VersionInfo,
};
use frontend::api::types::{
    DeltaEntry, FileMeta, SearchResults, ServerConfig, ShareInfo, UploadCommitted, UserInfo,
    VersionMeta,
};

/// What every client needs before uploading.
pub fn server_config(limits: &Limits) -> ServerConfig {
    ServerConfig {
        chunking: limits.chunking,
        max_request_bytes: limits.max_request_bytes,
        pack_target_bytes: limits.pack_target_bytes,
    }
}

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

/// A link's address on this server (relative, so it works behind any host name).
pub fn link_url(token: &str) -> String {
    format!("/s/{token}")
}

fn kind_to_wire(kind: ShareKind) -> frontend::api::types::ShareKind {
    match kind {
        ShareKind::Link => frontend::api::types::ShareKind::Link,
        ShareKind::User => frontend::api::types::ShareKind::User,
    }
}

/// A kind of share as the domain names it.
pub fn kind_from_wire(kind: frontend::api::types::ShareKind) -> ShareKind {
    match kind {
        frontend::api::types::ShareKind::Link => ShareKind::Link,
        frontend::api::types::ShareKind::User => ShareKind::User,
    }
}

/// A share's permission as the API shows it.
pub fn permission_to_wire(permission: SharePermission) -> frontend::api::types::SharePermission {
    match permission {
        SharePermission::Viewer => frontend::api::types::SharePermission::Viewer,
        SharePermission::Editor => frontend::api::types::SharePermission::Editor,
        SharePermission::UploadOnly => frontend::api::types::SharePermission::UploadOnly,
    }
}

/// A share's permission as the domain names it.
pub fn permission_from_wire(permission: frontend::api::types::SharePermission) -> SharePermission {
    match permission {
        frontend::api::types::SharePermission::Viewer => SharePermission::Viewer,
        frontend::api::types::SharePermission::Editor => SharePermission::Editor,
        frontend::api::types::SharePermission::UploadOnly => SharePermission::UploadOnly,
    }
}

/// A share as the API shows it.
pub fn share_info(view: &ShareView) -> ShareInfo {
    let share = &view.record.share;
    ShareInfo {
        id: share.id.clone(),
        kind: kind_to_wire(share.kind),
        permission: permission_to_wire(share.permission),
        file_id: share.file_id.to_string(),
        name: view.name.clone(),
        is_folder: view.is_folder,
        path: view.path.clone(),
        owner: view.record.owner_name.clone(),
        recipient: view.record.recipient_name.clone(),
        url: share.token.as_ref().map(|t| link_url(t.as_str())),
        has_password: share.password_hash.is_some(),
        expires_at: share.expires_at,
        download_count: share.download_count,
        created_at: share.created_at,
    }
}

/// The answer to an upload through a link: where the file went, and nothing about
/// the owner's file that may have had the name.
pub fn link_committed(receipt: &LinkReceipt) -> UploadCommitted {
    UploadCommitted {
        file: FileMeta {
            id: String::new(),
            name: receipt.path.name().unwrap_or_default().to_string(),
            path: receipt.path.to_string(),
            is_folder: false,
            size: receipt.size,
            rev: 1,
            content_hash: None,
            modified_at: receipt.received_at,
        },
        conflict: false,
    }
}
