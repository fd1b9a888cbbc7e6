//! What a link shows at a path inside it, as its page and its API show it: the
//! shared file, a folder's entries, or only the file request's name; and only that
//! it needs a password, until it is entered. A leaf: it names no handler module.

use super::content::image_type;
use super::convert::permission_to_wire;
use crate::core::{Core, LinkView};
use crate::domain::{share_subpath, Error, FileEntry, RelPath};
use frontend::api::types::{SharePage, SharedEntry};

fn shared_entry(entry: &FileEntry, path: &RelPath) -> SharedEntry {
    SharedEntry {
        name: entry.name.clone(),
        path: path.to_string(),
        is_folder: entry.is_folder,
        size: entry.size,
        modified_at: entry.modified_at,
        is_image: !entry.is_folder && image_type(&entry.name).is_some(),
    }
}

/// What a link shows at `path` (relative to its root), for its page and its API.
pub async fn share_page(
    state_core: &Core,
    grant: Option<&str>,
    token: &str,
    path: &str,
) -> Result<SharePage, Error> {
    let sub = share_subpath(path)?;
    let access = match state_core.open_link(token, grant).await {
        Err(Error::LinkPasswordRequired) => {
            let access = state_core.find_link(token).await?;
            return Ok(SharePage {
                token: token.to_string(),
                needs_password: true,
                permission: permission_to_wire(access.share.permission),
                name: String::new(),
                owner: String::new(),
                expires_at: access.share.expires_at,
                path: "/".into(),
                is_folder: false,
                file: None,
                entries: Vec::new(),
                max_form_upload_bytes: 0,
            });
        }
        other => other?,
    };
    let mut page = SharePage {
        token: token.to_string(),
        needs_password: false,
        permission: permission_to_wire(access.share.permission),
        name: access.root.name.clone(),
        owner: access.owner.username.clone(),
        expires_at: access.share.expires_at,
        path: "/".into(),
        is_folder: access.root.is_folder,
        file: None,
        entries: Vec::new(),
        max_form_upload_bytes: state_core
            .limits()
            .max_request_bytes
            .saturating_sub(64 * 1024),
    };
    match state_core.link_view(&access, &sub).await? {
        LinkView::UploadOnly { .. } => {}
        LinkView::File { file, path } => {
            page.path = path.to_string();
            page.is_folder = false;
            page.file = Some(shared_entry(&file, &path));
        }
        LinkView::Folder { path, entries, .. } => {
            page.path = path.to_string();
            page.is_folder = true;
            page.entries = entries
                .iter()
                .map(|(entry, path)| shared_entry(entry, path))
                .collect();
        }
    }
    Ok(page)
}
