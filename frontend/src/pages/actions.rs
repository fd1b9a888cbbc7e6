//! What the file browser does to entries: the state its listing, menus, dialogs and
//! selection share ([`Browser`]), and the API calls behind each action (new folder,
//! rename, move, copy, delete, restore, versions, tokens).
//!
//! Actions run only in the browser; on the server the calls answer an error and are
//! never made, since no event handler runs there. Every failure ends as a message on
//! the page, never in the console alone.

use crate::api::types::{ErrorBody, ErrorDetail, FileMeta};
use crate::format::percent_encode;
use leptos::prelude::*;
use serde::de::DeserializeOwned;

/// Which destination dialog is open: move or copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// Move the entries there.
    Move,
    /// Copy the entries there.
    Copy,
}

/// The dialog open over the file browser, with what it acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// A new folder in the folder shown.
    NewFolder,
    /// A new name for one entry.
    Rename(FileMeta),
    /// A destination folder for entries.
    Pick(Transfer, Vec<FileMeta>),
    /// The shares of one entry (`super::share_dialog`).
    Share(FileMeta),
}

/// A message over the listing: what an action did (with an undo for deletions), or
/// why it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The message.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
    /// Ids of entries just moved to the trash, which "Undo" restores.
    pub undo: Vec<String>,
}

impl Notice {
    /// A report of what was done.
    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            error: false,
            undo: Vec::new(),
        }
    }

    /// A report of what failed.
    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            error: true,
            undo: Vec::new(),
        }
    }
}

/// The file browser's state that outlives a refresh of the listing: the listing is
/// rendered again on every change, and the selection, open menu, dialog and notice
/// must survive that.
#[derive(Debug, Clone, Copy)]
pub struct Browser {
    /// The folder shown, e.g. `/Documents`.
    pub folder: Memo<String>,
    /// Loads the listing again.
    pub refresh: Callback<()>,
    /// The folder's entries as last loaded; rows are keyed by entry, so a refresh
    /// leaves the rows that did not change (and a drag or focus in them) alone.
    pub entries: RwSignal<Vec<FileMeta>>,
    /// Ids of the selected entries.
    pub selected: RwSignal<Vec<String>>,
    /// The entry a shift-click selects from.
    pub anchor: RwSignal<Option<String>>,
    /// The entry whose action menu is open.
    pub menu: RwSignal<Option<String>>,
    /// The open dialog.
    pub dialog: RwSignal<Option<Dialog>>,
    /// The message over the listing.
    pub notice: RwSignal<Option<Notice>>,
    /// The entries being dragged onto a folder.
    pub dragging: RwSignal<Vec<FileMeta>>,
}

impl Browser {
    /// A browser showing `entries` of `folder`, with nothing selected; `refresh`
    /// loads `entries` again and reports a failure in `notice`.
    pub fn new(
        folder: Memo<String>,
        refresh: Callback<()>,
        entries: RwSignal<Vec<FileMeta>>,
        notice: RwSignal<Option<Notice>>,
    ) -> Browser {
        Browser {
            folder,
            refresh,
            entries,
            selected: RwSignal::new(Vec::new()),
            anchor: RwSignal::new(None),
            menu: RwSignal::new(None),
            dialog: RwSignal::new(None),
            notice,
            dragging: RwSignal::new(Vec::new()),
        }
    }

    /// Opens `dialog`, closing any menu.
    pub fn open(&self, dialog: Dialog) {
        self.menu.set(None);
        self.dialog.set(Some(dialog));
    }

    /// Forgets the selection.
    pub fn clear_selection(&self) {
        self.selected.set(Vec::new());
        self.anchor.set(None);
    }
}

/// `/Documents` + `a.txt` → `/Documents/a.txt`.
pub fn join(folder: &str, name: &str) -> String {
    if folder == "/" || folder.is_empty() {
        format!("/{name}")
    } else {
        format!("{}/{name}", folder.trim_end_matches('/'))
    }
}

/// The folder holding `path`: `/a/b.txt` → `/a`, `/b.txt` → `/`.
pub fn parent_of(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((parent, _)) => parent.to_string(),
    }
}

/// A folder as the pages name it: the root is "Files", any other its path.
pub fn folder_label(path: &str) -> String {
    if path == "/" || path.is_empty() {
        "Files".to_string()
    } else {
        path.to_string()
    }
}

/// Whether `path` is `folder` or inside it.
pub fn within(path: &str, folder: &str) -> bool {
    path == folder || path.starts_with(&format!("{}/", folder.trim_end_matches('/')))
}

/// The name a copy gets in the folder of its original: `report.pdf` →
/// `report (copy).pdf`, a folder `Photos` → `Photos (copy)`.
pub fn copy_name(name: &str, is_folder: bool) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !is_folder && !stem.is_empty() => format!("{stem} (copy).{ext}"),
        _ => format!("{name} (copy)"),
    }
}

/// "report.pdf" for one entry, "3 items" for several.
pub fn describe(items: &[FileMeta]) -> String {
    match items {
        [one] => format!("“{}”", one.name),
        many => format!("{} items", many.len()),
    }
}

/// Where a file's (or a folder's, as a zip) download is served.
pub fn content_url(id: &str) -> String {
    format!("/api/v1/files/{}/content", percent_encode(id))
}

/// Where several entries are served as one zip.
pub fn zip_url(ids: &[String]) -> String {
    let joined = ids
        .iter()
        .map(|id| percent_encode(id))
        .collect::<Vec<_>>()
        .join(",");
    format!("/api/v1/zip?ids={joined}")
}

/// `method url` with an optional JSON body; a `204` answers `T` from `null`.
pub async fn call<T: DeserializeOwned>(
    method: &'static str,
    url: String,
    body: Option<serde_json::Value>,
) -> Result<T, ErrorBody> {
    #[cfg(feature = "hydrate")]
    {
        use crate::api::client;
        let response = match body {
            Some(body) => {
                let text = wasm_bindgen::JsValue::from_str(&body.to_string());
                client::send(method, &url, Some(&text), Some("application/json")).await?
            }
            None => client::send(method, &url, None, None).await?,
        };
        if response.status() == 204 {
            return serde_json::from_str("null").map_err(|e| ErrorBody {
                error: ErrorDetail {
                    code: "bad-response".into(),
                    message: format!("{url} answered nothing where an answer was expected: {e}"),
                },
            });
        }
        client::decode(&url, response).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (method, body);
        Err(ErrorBody {
            error: ErrorDetail {
                code: "no-browser".into(),
                message: format!("{url} can only be called from the browser"),
            },
        })
    }
}

fn path_body(path: &str) -> Option<serde_json::Value> {
    Some(serde_json::json!({ "path": path }))
}

/// `POST /folders`.
pub async fn create_folder(path: &str) -> Result<FileMeta, ErrorBody> {
    call("POST", "/api/v1/folders".into(), path_body(path)).await
}

/// `POST /files/{id}/move`: rename or move.
pub async fn move_entry(id: &str, to: &str) -> Result<FileMeta, ErrorBody> {
    let url = format!("/api/v1/files/{}/move", percent_encode(id));
    call("POST", url, path_body(to)).await
}

/// `POST /files/{id}/copy`.
pub async fn copy_entry(id: &str, to: &str) -> Result<FileMeta, ErrorBody> {
    let url = format!("/api/v1/files/{}/copy", percent_encode(id));
    call("POST", url, path_body(to)).await
}

/// `DELETE /files/{id}`: to the trash.
pub async fn trash_entry(id: &str) -> Result<serde_json::Value, ErrorBody> {
    call(
        "DELETE",
        format!("/api/v1/files/{}", percent_encode(id)),
        None,
    )
    .await
}

/// `POST /trash/{id}/restore`.
pub async fn restore_trashed(id: &str) -> Result<FileMeta, ErrorBody> {
    let url = format!("/api/v1/trash/{}/restore", percent_encode(id));
    call("POST", url, None).await
}

/// `DELETE /trash/{id}`: for good.
pub async fn purge(id: &str) -> Result<(), ErrorBody> {
    call(
        "DELETE",
        format!("/api/v1/trash/{}", percent_encode(id)),
        None,
    )
    .await
}

/// `DELETE /trash`.
pub async fn empty_trash() -> Result<(), ErrorBody> {
    call("DELETE", "/api/v1/trash".into(), None).await
}

/// `POST /files/{id}/versions/{rev}/restore`.
pub async fn restore_version(id: &str, rev: u64) -> Result<FileMeta, ErrorBody> {
    let url = format!(
        "/api/v1/files/{}/versions/{rev}/restore",
        percent_encode(id)
    );
    call("POST", url, None).await
}

/// Moves (or copies) `items` into `folder`, one after another; answers what failed,
/// as one line per entry.
pub async fn transfer(transfer: Transfer, items: &[FileMeta], folder: &str) -> Vec<String> {
    let mut failed = Vec::new();
    for item in items {
        let result = match transfer {
            Transfer::Move => move_entry(&item.id, &join(folder, &item.name)).await,
            Transfer::Copy => {
                let name = if parent_of(&item.path) == folder {
                    copy_name(&item.name, item.is_folder)
                } else {
                    item.name.clone()
                };
                copy_entry(&item.id, &join(folder, &name)).await
            }
        };
        if let Err(error) = result {
            failed.push(format!("{}: {}", item.name, error.error.message));
        }
    }
    failed
}

/// Moves `items` into `folder` (a drop on a folder row or breadcrumb) and reports
/// the outcome over the listing.
pub fn move_into(browser: Browser, items: Vec<FileMeta>, folder: String) {
    let items: Vec<FileMeta> = items
        .into_iter()
        .filter(|item| item.path != folder && parent_of(&item.path) != folder)
        .collect();
    if items.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        let failed = transfer(Transfer::Move, &items, &folder).await;
        browser.clear_selection();
        browser.refresh.run(());
        browser.notice.set(Some(if failed.is_empty() {
            Notice::info(format!(
                "Moved {} to {}",
                describe(&items),
                folder_label(&folder)
            ))
        } else {
            Notice::error(format!(
                "Some items could not be moved. {}",
                failed.join("; ")
            ))
        }));
    });
}

/// Moves `items` to the trash and offers to undo it.
pub fn delete(browser: Browser, items: Vec<FileMeta>) {
    browser.menu.set(None);
    leptos::task::spawn_local(async move {
        let mut trashed = Vec::new();
        let mut failed = Vec::new();
        for item in &items {
            match trash_entry(&item.id).await {
                Ok(_) => trashed.push(item.id.clone()),
                Err(error) => failed.push(format!("{}: {}", item.name, error.error.message)),
            }
        }
        browser.clear_selection();
        browser.refresh.run(());
        browser.notice.set(Some(if failed.is_empty() {
            Notice {
                text: format!("Moved {} to the trash.", describe(&items)),
                error: false,
                undo: trashed,
            }
        } else {
            Notice::error(format!(
                "Some items could not be deleted. {}",
                failed.join("; ")
            ))
        }));
    });
}

/// Restores entries just deleted (the notice's "Undo").
pub fn undo_delete(browser: Browser, ids: Vec<String>) {
    leptos::task::spawn_local(async move {
        let mut failed = Vec::new();
        for id in &ids {
            if let Err(error) = restore_trashed(id).await {
                failed.push(error.error.message);
            }
        }
        browser.refresh.run(());
        browser.notice.set(Some(if failed.is_empty() {
            Notice::info("Restored from the trash.")
        } else {
            Notice::error(format!(
                "Could not restore everything: {}",
                failed.join("; ")
            ))
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_and_split() {
        assert_eq!(join("/", "a.txt"), "/a.txt");
        assert_eq!(join("/Docs", "a.txt"), "/Docs/a.txt");
        assert_eq!(parent_of("/Docs/a.txt"), "/Docs");
        assert_eq!(parent_of("/a.txt"), "/");
    }

    #[test]
    fn copies_keep_their_extension() {
        assert_eq!(copy_name("report.pdf", false), "report (copy).pdf");
        assert_eq!(copy_name(".bashrc", false), ".bashrc (copy)");
        assert_eq!(copy_name("v1.2", true), "v1.2 (copy)");
    }
}
