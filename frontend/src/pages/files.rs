//! The file browser: a folder's listing with breadcrumbs, and the upload area.
//!
//! The listing is rendered on the server, so it shows before the WASM loads; after
//! hydration, dropping or picking files or folders uploads them (see
//! `upload_panel` and `crate::upload`) and the listing refreshes.

use super::activity::{Activity, ActivityFeed};
use super::search::SearchBox;
use super::upload_panel::{UploadPanel, UploadRow, UploadTarget};
use crate::api::types::{ErrorBody, FileMeta, FolderListing};
use crate::format::{date_time, folder_url, human_size, percent_encode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

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
    let target = UploadTarget {
        folder: folder.clone(),
        shown: std::sync::Arc::new(shown),
        uploads,
        refresh,
    };
    let on_drop = {
        let target = target.clone();
        move |event: leptos::ev::DragEvent| {
            event.prevent_default();
            drag_over.set(false);
            target.drop_files(&event);
        }
    };
    let on_pick = {
        let target = target.clone();
        move |event: leptos::ev::Event| target.pick_files(&event)
    };
    let on_pick_folder = move |event: leptos::ev::Event| target.pick_files(&event);

    view! {
        <header class="topbar">
            <a class="brand" href="/files">"Cairn"</a>
            <SearchBox />
            <ActivityFeed activity />
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
                <label class="button">
                    "Upload a folder"
                    <input type="file" multiple prop:webkitdirectory=true class="visually-hidden" data-testid="folder-picker" on:change=on_pick_folder />
                </label>
            </div>
            <p class="hint">"Drop files or folders anywhere on this page to upload them here."</p>
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
        </tr>
    }
}
