//! The file browser: a folder's listing with breadcrumbs, and the upload area.
//!
//! The listing is rendered on the server, so it shows before the WASM loads; after
//! hydration, dropping or picking files uploads them (see `crate::upload`) and the
//! listing refreshes.

use super::activity::{Activity, ActivityFeed};
use super::search::SearchBox;
use super::share_dialog::{ShareButton, ShareDialogHost};
use crate::api::types::{ErrorBody, FileMeta, FolderListing};
use crate::format::{date_time, folder_url, human_size, percent_encode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Where one upload stands, as the upload panel shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UploadProgress {
    /// File size in bytes.
    pub total: u64,
    /// Bytes chunked and hashed so far.
    pub hashed: u64,
    /// Chunk bytes sent to the server so far.
    pub sent: u64,
    /// Bytes the server already had, so they were not sent.
    pub skipped: u64,
    /// What is happening now.
    pub phase: UploadPhase,
    /// When the file had changed elsewhere since this page showed it: the name of
    /// the conflicted copy this upload was saved as, beside it.
    pub conflict_copy: Option<String>,
}

/// The phases of one upload. Only the browser moves an upload along; the server
/// renders none.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Default)]
pub enum UploadPhase {
    /// Chunking and hashing in a worker.
    #[default]
    Hashing,
    /// Sending the chunks the server lacks.
    Sending,
    /// Committed.
    Done,
    /// Stopped by an error, with a message for the user.
    Failed(String),
}

/// One row of the upload panel.
#[derive(Debug, Clone)]
pub struct UploadRow {
    /// Sequence number, unique on this page.
    pub id: u64,
    /// File name.
    pub name: String,
    /// Progress, updated as the upload runs. Reference-counted rather than owned by
    /// a component, since the listing (and the component that started the upload)
    /// re-renders while the upload goes on.
    pub progress: ArcRwSignal<UploadProgress>,
}

fn fetch_listing(
    path: String,
) -> impl std::future::Future<Output = Result<FolderListing, ErrorBody>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        let data = crate::ssr::page_data();
        let cookie = crate::ssr::request_cookie();
        async move { data.0.folder_listing(cookie, path).await }
    }
    #[cfg(not(feature = "ssr"))]
    {
        super::from_api(format!("/api/v1/files?path={}", percent_encode(&path)))
    }
}

/// `/files` and `/files/*path`.
#[component]
pub fn FilesPage() -> impl IntoView {
    let params = use_params_map();
    let folder_path = Memo::new(move |_| {
        let raw = params.read().get("path").unwrap_or_default();
        let trimmed = raw.trim_matches('/');
        format!("/{trimmed}")
    });
    let listing = Resource::new(move || folder_path.get(), fetch_listing);
    let uploads = RwSignal::new(Vec::<UploadRow>::new());
    let refresh = Callback::new(move |()| listing.refetch());
    let activity = Activity::new();
    // Sharing (pages::share_dialog): the dialog outlives listing refreshes.
    super::share_dialog::provide_share_target();
    // Changes made elsewhere (another tab, device or person) show up live.
    #[cfg(feature = "hydrate")]
    crate::live::follow_changes(refresh, activity);

    view! {
        <Title text="Files · Cairn" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(listing) => {
                        view! { <FolderView listing uploads refresh activity /> }.into_any()
                    }
                    Err(error) if error.error.code == "unauthenticated" => {
                        view! { <LoggedOut /> }.into_any()
                    }
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Transition>
        <ShareDialogHost />
    }
}

#[component]
fn LoggedOut() -> impl IntoView {
    view! {
        <main class="centered">
            <h1 class="brand">"Cairn"</h1>
            <p>"You are not logged in."</p>
            <p>
                <a href="/login">"Log in"</a>
                " or "
                <a href="/signup">"create an account"</a>
            </p>
        </main>
    }
}

#[component]
fn PageError(error: ErrorBody) -> impl IntoView {
    view! {
        <main class="centered">
            <h1>"Something went wrong"</h1>
            <p class="error" role="alert">{error.error.message}</p>
            <p><a href="/files">"Back to your files"</a></p>
        </main>
    }
}

#[component]
fn Breadcrumbs(path: String) -> impl IntoView {
    let mut crumbs = vec![("Files".to_string(), "/".to_string())];
    let mut so_far = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        so_far.push('/');
        so_far.push_str(segment);
        crumbs.push((segment.to_string(), so_far.clone()));
    }
    let last = crumbs.len() - 1;
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            {crumbs
                .into_iter()
                .enumerate()
                .map(|(i, (name, path))| {
                    if i == last {
                        view! { <span aria-current="page">{name}</span> }.into_any()
                    } else {
                        view! {
                            <a href=folder_url(&path)>{name}</a>
                            <span class="sep">"/"</span>
                        }
                            .into_any()
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
fn FolderView(
    listing: FolderListing,
    uploads: RwSignal<Vec<UploadRow>>,
    refresh: Callback<()>,
    activity: Activity,
) -> impl IntoView {
    let folder = listing.folder.path.clone();
    let empty = listing.entries.is_empty();
    // The version this page shows of each file: an upload of the same name edits it.
    let shown: std::collections::HashMap<String, (String, u64)> = listing
        .entries
        .iter()
        .filter(|entry| !entry.is_folder)
        .map(|entry| (entry.name.clone(), (entry.id.clone(), entry.rev)))
        .collect();
    let rows = listing
        .entries
        .into_iter()
        .map(|entry| view! { <EntryRow entry /> })
        .collect_view();
    let drag_over = RwSignal::new(false);
    let start_uploads = {
        let folder = folder.clone();
        move |files: Vec<SelectedFile>| {
            start_uploads(files, folder.clone(), &shown, uploads, refresh)
        }
    };
    let on_drop = {
        let start_uploads = start_uploads.clone();
        move |event: leptos::ev::DragEvent| {
            event.prevent_default();
            drag_over.set(false);
            start_uploads(dropped_files(&event));
        }
    };
    let on_pick = move |event: leptos::ev::Event| start_uploads(picked_files(&event));

    view! {
        <header class="topbar">
            <a class="brand" href="/files">"Cairn"</a>
            <SearchBox />
            <ActivityFeed activity />
            <a href="/shared" data-testid="shared-link">"Shared"</a>
            <DeviceName />
            <form method="post" action="/logout">
                <button type="submit" class="link">"Log out"</button>
            </form>
        </header>
        <main
            class="files"
            class:drag-over=move || drag_over.get()
            data-testid="drop-zone"
            on:dragover=move |event: leptos::ev::DragEvent| {
                event.prevent_default();
                drag_over.set(true);
            }
            on:dragleave=move |_| drag_over.set(false)
            on:drop=on_drop
        >
            <div class="toolbar">
                <Breadcrumbs path=folder.clone() />
                <label class="button">
                    "Upload files"
                    <input type="file" multiple class="visually-hidden" data-testid="file-picker" on:change=on_pick />
                </label>
            </div>
            <p class="hint">"Drop files anywhere on this page to upload them here."</p>
            <UploadPanel uploads />
            {if empty {
                view! { <p class="empty" data-testid="empty-folder">"This folder is empty."</p> }.into_any()
            } else {
                view! {
                    <table class="listing" data-testid="listing">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col" class="num">"Size"</th>
                                <th scope="col">"Modified"</th>
                                <th scope="col"><span class="visually-hidden">"Share"</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                    .into_any()
            }}
        </main>
    }
}

/// This browser's device name (conflicted copies made here carry it); a click
/// renames it. The server cannot know it, so the page shows it once hydrated.
#[component]
fn DeviceName() -> impl IntoView {
    let name = RwSignal::new(String::from("This device"));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| name.set(crate::upload::device_name()));
    let rename = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(new_name) = crate::upload::ask_device_name(&name.get_untracked()) {
            name.set(new_name);
        }
    };
    view! {
        <button
            type="button"
            class="link device"
            data-testid="device-name"
            title="Name this device: conflicted copies of files edited here carry its name"
            on:click=rename
        >
            {move || name.get()}
        </button>
    }
    .into_any()
}

#[component]
fn EntryRow(entry: FileMeta) -> impl IntoView {
    let link = if entry.is_folder {
        view! { <a class="folder" href=folder_url(&entry.path)>{entry.name.clone()}</a> }.into_any()
    } else {
        let href = format!("/api/v1/files/{}/content", percent_encode(&entry.id));
        view! {
            <a class="file" href=href download=entry.name.clone()>
                {entry.name.clone()}
            </a>
        }
        .into_any()
    };
    view! {
        <tr data-testid="entry" data-name=entry.name.clone()>
            <td>{link}</td>
            <td class="num">{if entry.is_folder { "—".to_string() } else { human_size(entry.size) }}</td>
            <td>{date_time(entry.modified_at)}</td>
            // Sharing (pages::share_dialog).
            <td>
                <ShareButton
                    file_id=entry.id.clone()
                    name=entry.name.clone()
                    is_folder=entry.is_folder
                />
            </td>
        </tr>
    }
}

#[component]
fn UploadPanel(uploads: RwSignal<Vec<UploadRow>>) -> impl IntoView {
    view! {
        <Show when=move || !uploads.read().is_empty()>
            <section class="uploads" aria-label="Uploads" data-testid="upload-panel">
                <For
                    each=move || uploads.get()
                    key=|row| row.id
                    children=|row| view! { <UploadLine row /> }
                />
            </section>
        </Show>
    }
}

#[component]
fn UploadLine(row: UploadRow) -> impl IntoView {
    let progress = row.progress;
    let status = {
        let progress = progress.clone();
        move || {
            let p = progress.get();
            match p.phase {
                UploadPhase::Hashing => format!(
                    "hashing {} of {}",
                    human_size(p.hashed),
                    human_size(p.total)
                ),
                UploadPhase::Sending => format!(
                    "sending {} of {}",
                    human_size(p.sent),
                    human_size(p.total.saturating_sub(p.skipped))
                ),
                UploadPhase::Done if p.conflict_copy.is_some() => format!(
                    "the file changed on another device meanwhile; both are kept, yours as “{}”",
                    p.conflict_copy.unwrap_or_default()
                ),
                UploadPhase::Done if p.skipped > 0 => {
                    format!("done, {} already stored, not sent", human_size(p.skipped))
                }
                UploadPhase::Done => "done".to_string(),
                UploadPhase::Failed(message) => format!("failed: {message}"),
            }
        }
    };
    let state = {
        let progress = progress.clone();
        move || match progress.get().phase {
            UploadPhase::Hashing => "hashing",
            UploadPhase::Sending => "sending",
            UploadPhase::Done => "done",
            UploadPhase::Failed(_) => "failed",
        }
    };
    let conflict = {
        let progress = progress.clone();
        move || progress.read().conflict_copy.clone()
    };
    let fraction = move || {
        let p = progress.get();
        let to_send = p.total.saturating_sub(p.skipped);
        match p.phase {
            UploadPhase::Done => 1.0,
            _ if p.total == 0 => 0.0,
            UploadPhase::Hashing => 0.5 * p.hashed as f64 / p.total as f64,
            _ if to_send == 0 => 1.0,
            _ => 0.5 + 0.5 * p.sent as f64 / to_send as f64,
        }
    };
    view! {
        <div
            class="upload"
            data-testid="upload"
            data-name=row.name.clone()
            data-state=state
            data-conflict=conflict
        >
            <span class="name">{row.name.clone()}</span>
            <progress max="1" value=fraction></progress>
            <span class="status" data-testid="upload-status">{status}</span>
        </div>
    }
}

/// A file chosen by the user, in whichever form this build can handle.
#[cfg(feature = "hydrate")]
type SelectedFile = web_sys::File;
#[cfg(not(feature = "hydrate"))]
type SelectedFile = ();

#[cfg(feature = "hydrate")]
fn dropped_files(event: &leptos::ev::DragEvent) -> Vec<SelectedFile> {
    let Some(list) = event.data_transfer().and_then(|transfer| transfer.files()) else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

#[cfg(not(feature = "hydrate"))]
fn dropped_files(_event: &leptos::ev::DragEvent) -> Vec<SelectedFile> {
    Vec::new()
}

#[cfg(feature = "hydrate")]
fn picked_files(event: &leptos::ev::Event) -> Vec<SelectedFile> {
    use wasm_bindgen::JsCast;
    let Some(input) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files: Vec<SelectedFile> = input
        .files()
        .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default();
    // Let the same file be picked again later.
    input.set_value("");
    files
}

#[cfg(not(feature = "hydrate"))]
fn picked_files(_event: &leptos::ev::Event) -> Vec<SelectedFile> {
    Vec::new()
}

thread_local! {
    static NEXT_UPLOAD_ID: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn start_uploads(
    files: Vec<SelectedFile>,
    folder: String,
    shown: &std::collections::HashMap<String, (String, u64)>,
    uploads: RwSignal<Vec<UploadRow>>,
    refresh: Callback<()>,
) {
    #[cfg(feature = "hydrate")]
    for file in files {
        let id = NEXT_UPLOAD_ID.with(|next| {
            let id = next.get();
            next.set(id + 1);
            id
        });
        let progress = ArcRwSignal::new(UploadProgress {
            total: file.size() as u64,
            ..UploadProgress::default()
        });
        uploads.update(|rows| {
            rows.push(UploadRow {
                id,
                name: file.name(),
                progress: progress.clone(),
            })
        });
        let folder = folder.clone();
        let base = shown.get(&file.name()).cloned();
        leptos::task::spawn_local(async move {
            let result = crate::upload::upload_file(file, &folder, base, progress.clone()).await;
            match result {
                Ok(_) => refresh.run(()),
                Err(message) => progress.update(|p| p.phase = UploadPhase::Failed(message)),
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (files, folder, shown, uploads, refresh);
}
