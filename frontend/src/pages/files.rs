//! The file browser: a folder's listing with breadcrumbs, sortable columns, row
//! selection and a menu of actions per row, and the upload area.
//!
//! The listing is rendered on the server, sorted as the query string says, so it
//! shows before the WASM loads and sorts without JavaScript; after hydration,
//! dropping or picking files or folders uploads them (see `super::upload_panel`
//! and `crate::upload`), rows can be selected, dragged onto folders and acted on
//! (see `super::actions` and `super::dialogs`), and the listing refreshes.

use super::actions::{
    content_url, delete, move_into, parent_of, undo_delete, within, zip_url, Browser, Dialog,
    Notice, Transfer,
};
use super::activity::{Activity, ActivityFeed};
use super::chrome::{or_error_page, NoticeBar, Section, TopBar};
use super::dialogs::{crumbs, BrowserDialogs};
use super::sorting::{SortKey, SortOrder};
use super::upload_panel::{UploadPanel, UploadRow, UploadTarget};
use crate::api::types::{ErrorBody, FileMeta, FolderListing};
use crate::format::{date_time, folder_url, human_size, percent_encode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Loads a folder's listing again, in the browser.
fn reload_listing(
    path: String,
) -> impl std::future::Future<Output = Result<FolderListing, ErrorBody>> + 'static {
    super::actions::call(
        "GET",
        format!("/api/v1/files?path={}", percent_encode(&path)),
        None,
    )
}

fn fetch_listing(
    path: String,
) -> impl std::future::Future<Output = Result<FolderListing, ErrorBody>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        let data = crate::ssr::page_data();
        let cookie = crate::ssr::request_cookie();
        crate::ssr::with_error_status(async move { data.0.folder_listing(cookie, path).await })
    }
    #[cfg(not(feature = "ssr"))]
    {
        super::from_api(format!("/api/v1/files?path={}", percent_encode(&path)))
    }
}

/// `/files` and `/files/*path`, sorted by `?sort=name|size|modified&dir=asc|desc`.
#[component]
pub fn FilesPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let folder_path = Memo::new(move |_| {
        let raw = params.read().get("path").unwrap_or_default();
        let trimmed = raw.trim_matches('/');
        format!("/{trimmed}")
    });
    let sort = Memo::new(move |_| {
        let query = query.read();
        SortOrder::from_query(query.get("sort").as_deref(), query.get("dir").as_deref())
    });
    // The listing as the page first shows a folder (rendered on the server)...
    let listing = Resource::new(move || folder_path.get(), fetch_listing);
    let uploads = RwSignal::new(Vec::<UploadRow>::new());
    // ...and as it is loaded again after every change, in place.
    let entries = RwSignal::new(Vec::<FileMeta>::new());
    let notice = RwSignal::new(None::<Notice>);
    let loads = StoredValue::new(0u64);
    let refresh = Callback::new(move |()| {
        let path = folder_path.get_untracked();
        loads.update_value(|n| *n += 1);
        let load = loads.get_value();
        leptos::task::spawn_local(async move {
            let result = reload_listing(path.clone()).await;
            // Only the newest load of the folder still shown counts.
            if loads.try_get_value() != Some(load)
                || folder_path.try_get_untracked().as_deref() != Some(path.as_str())
            {
                return;
            }
            match result {
                Ok(listing) => {
                    entries.try_set(listing.entries);
                }
                Err(error) => {
                    notice.try_set(Some(Notice::error(format!(
                        "Could not load the folder again: {}",
                        error.error.message
                    ))));
                }
            }
        });
    });
    let activity = Activity::new();
    let browser = Browser::new(folder_path, refresh, entries, notice);
    // Another folder starts with nothing selected and no menu open.
    Effect::new(move |shown: Option<String>| {
        let now = folder_path.get();
        if shown.is_some_and(|shown| shown != now) {
            browser.clear_selection();
            browser.menu.set(None);
        }
        now
    });
    // Changes made elsewhere (another tab, device or person) show up live.
    #[cfg(feature = "hydrate")]
    crate::live::follow_changes(refresh, activity);

    view! {
        <Title text="Files · Cairn" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                or_error_page(
                    listing.await,
                    |listing| {
                        view! { <FolderView listing uploads refresh activity browser sort /> }
                            .into_any()
                    },
                )
            })}
        </Transition>
        <BrowserDialogs browser />
    }
}

/// Handlers that make an element a drop target for entries dragged from the
/// listing: they move there. `folder` is the target's path.
fn accepts_drop(browser: Browser, folder: &str) -> bool {
    let dragging = browser.dragging.read_untracked();
    !dragging.is_empty()
        && dragging
            .iter()
            .all(|item| parent_of(&item.path) != folder && !within(folder, &item.path))
}

#[component]
fn Breadcrumbs(path: String, browser: Browser) -> impl IntoView {
    let crumbs = crumbs(&path);
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
                        let target = RwSignal::new(false);
                        let (over_path, drop_path) = (path.clone(), path.clone());
                        view! {
                            <a
                                href=folder_url(&path)
                                class:drop-target=move || target.get()
                                data-testid="crumb"
                                data-path=path.clone()
                                on:dragover=move |event: leptos::ev::DragEvent| {
                                    if accepts_drop(browser, &over_path) {
                                        event.prevent_default();
                                        event.stop_propagation();
                                        target.set(true);
                                    }
                                }
                                on:dragleave=move |_| target.set(false)
                                on:drop=move |event: leptos::ev::DragEvent| {
                                    target.set(false);
                                    if accepts_drop(browser, &drop_path) {
                                        event.prevent_default();
                                        event.stop_propagation();
                                        let items = browser.dragging.get_untracked();
                                        browser.dragging.set(Vec::new());
                                        move_into(browser, items, drop_path.clone());
                                    }
                                }
                            >
                                {name}
                            </a>
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
    browser: Browser,
    sort: Memo<SortOrder>,
) -> impl IntoView {
    let folder = listing.folder.path.clone();
    browser.entries.set(listing.entries);
    let order = Memo::new(move |_| {
        let mut sorted = browser.entries.get();
        sort.get().apply(&mut sorted);
        sorted
    });
    let drag_over = RwSignal::new(false);
    let target = UploadTarget {
        folder: folder.clone(),
        // Read when the upload starts, so it follows the listing's refreshes.
        shown: Callback::new(move |name: String| {
            browser
                .entries
                .read_untracked()
                .iter()
                .find(|entry| !entry.is_folder && entry.name == name)
                .map(|entry| (entry.id.clone(), entry.rev))
        }),
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
        <TopBar section=Section::Files>
            <ActivityFeed activity />
            <DeviceName />
        </TopBar>
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
                <Breadcrumbs path=folder.clone() browser />
                <div class="toolbar-actions">
                    <button
                        type="button"
                        class="secondary"
                        data-testid="new-folder"
                        on:click=move |_| browser.open(Dialog::NewFolder)
                    >
                        "New folder"
                    </button>
                    <label class="button">
                        "Upload files"
                        <input type="file" multiple class="visually-hidden" data-testid="file-picker" on:change=on_pick />
                    </label>
                    <label class="button">
                        "Upload a folder"
                        <input type="file" multiple prop:webkitdirectory=true class="visually-hidden" data-testid="folder-picker" on:change=on_pick_folder />
                    </label>
                </div>
            </div>
            <p class="hint drop-hint">"Drop files or folders anywhere on this page to upload them here."</p>
            <NoticeBar
                notice=browser.notice
                on_undo=Callback::new(move |ids| undo_delete(browser, ids))
            />
            <UploadPanel uploads />
            <Show
                when=move || !browser.entries.read().is_empty()
                fallback=|| view! {
                    <div class="empty" data-testid="empty-folder">
                        <p class="empty-title">"This folder is empty"</p>
                        <p>"Drop files here to upload them, or use “Upload files” and “New folder” above."</p>
                    </div>
                }
            >
                <Listing browser order sort />
            </Show>
        </main>
    }
}

/// The table of entries, its sortable headers, and the bar of what to do with the
/// selected ones.
#[component]
fn Listing(browser: Browser, order: Memo<Vec<FileMeta>>, sort: Memo<SortOrder>) -> impl IntoView {
    let chosen = Memo::new(move |_| {
        let selected = browser.selected.read();
        order
            .read()
            .iter()
            .filter(|entry| selected.contains(&entry.id))
            .cloned()
            .collect::<Vec<_>>()
    });
    let all_selected = move || {
        let n = chosen.read().len();
        n > 0 && n == order.read().len()
    };
    let toggle_all = move |_| {
        if all_selected() {
            browser.clear_selection();
        } else {
            browser.selected.set(
                order
                    .read_untracked()
                    .iter()
                    .map(|e| e.id.clone())
                    .collect(),
            );
        }
    };
    let header = move |key: SortKey, label: &'static str, class: &'static str| {
        let folder = browser.folder.get_untracked();
        view! {
            <th scope="col" class=class aria-sort=move || sort.get().aria(key)>
                <a
                    class="sort"
                    data-testid=format!("sort-{label}").to_lowercase()
                    href=move || format!("{}{}", folder_url(&folder), sort.get().toggled(key).query())
                >
                    {label}
                    <span class="sort-arrow" aria-hidden="true">
                        {move || match sort.get().aria(key) {
                            "ascending" => "▲",
                            "descending" => "▼",
                            _ => "",
                        }}
                    </span>
                </a>
            </th>
        }
    };
    view! {
        <SelectionBar browser chosen />
        <table class="listing" data-testid="listing">
            <thead>
                <tr>
                    <th scope="col" class="check">
                        <input
                            type="checkbox"
                            aria-label="Select all"
                            data-testid="select-all"
                            prop:checked=all_selected
                            on:change=toggle_all
                        />
                    </th>
                    {header(SortKey::Name, "Name", "name")}
                    {header(SortKey::Size, "Size", "num")}
                    {header(SortKey::Modified, "Modified", "col-modified")}
                    <th scope="col" class="actions"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody on:dragover=move |event: leptos::ev::DragEvent| {
                // Entries dragged within the listing are not uploads.
                if !browser.dragging.read_untracked().is_empty() {
                    event.stop_propagation();
                }
            }>
                <For
                    each=move || order.get()
                    key=|entry| {
                        (
                            entry.id.clone(),
                            entry.name.clone(),
                            entry.path.clone(),
                            entry.rev,
                            entry.size,
                            entry.modified_at,
                        )
                    }
                    children=move |entry| view! { <EntryRow entry browser order /> }
                />
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn SelectionBar(browser: Browser, chosen: Memo<Vec<FileMeta>>) -> impl IntoView {
    let download = move || {
        let chosen = chosen.read();
        match chosen.as_slice() {
            [one] => content_url(&one.id),
            many => zip_url(&many.iter().map(|e| e.id.clone()).collect::<Vec<_>>()),
        }
    };
    let download_name = move || {
        let chosen = chosen.read();
        match chosen.as_slice() {
            [one] if !one.is_folder => one.name.clone(),
            [one] => format!("{}.zip", one.name),
            _ => "Cairn.zip".to_string(),
        }
    };
    view! {
        <Show when=move || !chosen.read().is_empty()>
            <div class="selection-bar" role="toolbar" aria-label="Selected items" data-testid="selection-bar">
                <span class="count" data-testid="selection-count">
                    {move || format!("{} selected", chosen.read().len())}
                </span>
                <a class="button secondary" href=download download=download_name data-testid="bulk-download">
                    "Download"
                </a>
                <button
                    type="button"
                    class="secondary"
                    data-testid="bulk-move"
                    on:click=move |_| browser.open(Dialog::Pick(Transfer::Move, chosen.get_untracked()))
                >
                    "Move to…"
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid="bulk-copy"
                    on:click=move |_| browser.open(Dialog::Pick(Transfer::Copy, chosen.get_untracked()))
                >
                    "Copy to…"
                </button>
                <button
                    type="button"
                    class="danger"
                    data-testid="bulk-delete"
                    on:click=move |_| delete(browser, chosen.get_untracked())
                >
                    "Delete"
                </button>
                <button type="button" class="link" on:click=move |_| browser.clear_selection()>
                    "Clear selection"
                </button>
            </div>
        </Show>
    }
    .into_any()
}

/// Whether a click landed on a control of its own (link, button, checkbox, menu),
/// which then does what it does instead of selecting the row.
#[cfg(feature = "hydrate")]
fn on_control(event: &leptos::ev::MouseEvent) -> bool {
    use wasm_bindgen::JsCast;
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|element| {
            element
                .closest("a, button, input, label, .menu")
                .ok()
                .flatten()
        })
        .is_some()
}

#[cfg(not(feature = "hydrate"))]
fn on_control(_event: &leptos::ev::MouseEvent) -> bool {
    true
}

/// Selects the entries between the anchor and `id`, as a shift-click does.
fn select_range(browser: Browser, order: Memo<Vec<FileMeta>>, id: &str) {
    let order = order.read_untracked();
    let position = |wanted: &str| order.iter().position(|entry| entry.id == wanted);
    let anchor = browser.anchor.get_untracked();
    match (anchor.as_deref().and_then(position), position(id)) {
        (Some(from), Some(to)) => {
            let (low, high) = if from <= to { (from, to) } else { (to, from) };
            browser
                .selected
                .set(order[low..=high].iter().map(|e| e.id.clone()).collect());
        }
        _ => {
            browser.selected.set(vec![id.to_string()]);
            browser.anchor.set(Some(id.to_string()));
        }
    }
}

/// Adds `id` to the selection or takes it out, as a ctrl-click does.
fn toggle_one(browser: Browser, id: &str) {
    browser.selected.update(|selected| {
        if let Some(at) = selected.iter().position(|s| s == id) {
            selected.remove(at);
        } else {
            selected.push(id.to_string());
        }
    });
    browser.anchor.set(Some(id.to_string()));
}

#[component]
fn EntryRow(entry: FileMeta, browser: Browser, order: Memo<Vec<FileMeta>>) -> impl IntoView {
    let id = entry.id.clone();
    let selected = {
        let id = id.clone();
        Memo::new(move |_| browser.selected.read().contains(&id))
    };
    let download = content_url(&entry.id);
    let link = if entry.is_folder {
        view! { <a class="folder" href=folder_url(&entry.path)>{entry.name.clone()}</a> }.into_any()
    } else {
        view! {
            <a class="file" href=download.clone() download=entry.name.clone()>
                {entry.name.clone()}
            </a>
        }
        .into_any()
    };
    let on_row_click = {
        let id = id.clone();
        move |event: leptos::ev::MouseEvent| {
            if on_control(&event) {
                return;
            }
            if event.shift_key() {
                select_range(browser, order, &id);
            } else if event.ctrl_key() || event.meta_key() {
                toggle_one(browser, &id);
            } else {
                browser.selected.set(vec![id.clone()]);
                browser.anchor.set(Some(id.clone()));
            }
        }
    };
    let on_check = {
        let id = id.clone();
        move |event: leptos::ev::MouseEvent| {
            if event.shift_key() {
                select_range(browser, order, &id);
            } else {
                toggle_one(browser, &id);
            }
        }
    };
    let on_drag_start = {
        let (id, entry) = (id.clone(), entry.clone());
        move |event: leptos::ev::DragEvent| {
            let selected = browser.selected.get_untracked();
            let items: Vec<FileMeta> = if selected.contains(&id) {
                order
                    .get_untracked()
                    .into_iter()
                    .filter(|e| selected.contains(&e.id))
                    .collect()
            } else {
                vec![entry.clone()]
            };
            #[cfg(feature = "hydrate")]
            if let Some(transfer) = event.data_transfer() {
                let paths: Vec<&str> = items.iter().map(|item| item.path.as_str()).collect();
                let _ = transfer.set_data("text/plain", &paths.join("\n"));
                transfer.set_effect_allowed("move");
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = event;
            browser.dragging.set(items);
        }
    };
    let drop_target = RwSignal::new(false);
    let (over_path, drop_path) = (entry.path.clone(), entry.path.clone());
    let is_folder = entry.is_folder;
    let name = entry.name.clone();
    view! {
        <tr
            data-testid="entry"
            data-name=entry.name.clone()
            data-folder=is_folder.to_string()
            aria-selected=move || selected.get().to_string()
            class:selected=move || selected.get()
            class:drop-target=move || drop_target.get()
            draggable="true"
            on:click=on_row_click
            on:dragstart=on_drag_start
            on:dragend=move |_| browser.dragging.set(Vec::new())
            on:dragover=move |event: leptos::ev::DragEvent| {
                if is_folder && accepts_drop(browser, &over_path) {
                    event.prevent_default();
                    event.stop_propagation();
                    drop_target.set(true);
                }
            }
            on:dragleave=move |_| drop_target.set(false)
            on:drop=move |event: leptos::ev::DragEvent| {
                drop_target.set(false);
                if is_folder && accepts_drop(browser, &drop_path) {
                    event.prevent_default();
                    event.stop_propagation();
                    let items = browser.dragging.get_untracked();
                    browser.dragging.set(Vec::new());
                    move_into(browser, items, drop_path.clone());
                }
            }
        >
            <td class="check">
                <input
                    type="checkbox"
                    aria-label=format!("Select {name}")
                    data-testid="select"
                    prop:checked=move || selected.get()
                    on:click=on_check
                />
            </td>
            <td class="name">{link}</td>
            <td class="num">{if entry.is_folder { "—".to_string() } else { human_size(entry.size) }}</td>
            <td class="col-modified">{date_time(entry.modified_at)}</td>
            <td class="actions"><RowMenu entry=entry.clone() browser /></td>
        </tr>
    }
    .into_any()
}

/// The "⋯" button of a row and the menu of what to do with that entry.
#[component]
fn RowMenu(entry: FileMeta, browser: Browser) -> impl IntoView {
    let open = {
        let id = entry.id.clone();
        Memo::new(move |_| browser.menu.read().as_deref() == Some(id.as_str()))
    };
    let button = NodeRef::<leptos::html::Button>::new();
    let toggle = {
        let id = entry.id.clone();
        move |_| {
            if open.get_untracked() {
                browser.menu.set(None);
            } else {
                browser.menu.set(Some(id.clone()));
            }
        }
    };
    let close = Callback::new(move |()| {
        browser.menu.set(None);
        if let Some(button) = button.get_untracked() {
            let _ = button.focus();
        }
    });
    let entry = StoredValue::new(entry);
    let name = entry.with_value(|e| e.name.clone());
    view! {
        <div class="row-menu">
            <button
                type="button"
                class="icon-button"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-label=format!("Actions for {name}")
                title="Actions"
                data-testid="row-menu-button"
                node_ref=button
                on:click=toggle
            >
                "⋯"
            </button>
            <Show when=move || open.get()>
                <MenuItems entry=entry.get_value() browser close />
            </Show>
        </div>
    }
    .into_any()
}

#[component]
fn MenuItems(entry: FileMeta, browser: Browser, close: Callback<()>) -> impl IntoView {
    let menu = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        if let Some(first) = menu
            .get()
            .and_then(|menu| menu.query_selector("[role=menuitem]").ok().flatten())
            .and_then(|first| first.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = first.focus();
        }
    });
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            close.run(());
        }
    };
    let (download_label, download_name) = if entry.is_folder {
        ("Download as zip", format!("{}.zip", entry.name))
    } else {
        ("Download", entry.name.clone())
    };
    let details = format!("/details/{}", percent_encode(&entry.id));
    let details_label = if entry.is_folder {
        "Details"
    } else {
        "Details and versions"
    };
    let (rename, move_to, copy_to, share, remove) = (
        entry.clone(),
        entry.clone(),
        entry.clone(),
        entry.clone(),
        entry.clone(),
    );
    view! {
        <div class="menu-backdrop" on:click=move |_| close.run(())></div>
        <div class="menu" role="menu" data-testid="row-menu" node_ref=menu on:keydown=on_key>
            <a role="menuitem" href=content_url(&entry.id) download=download_name on:click=move |_| close.run(())>
                {download_label}
            </a>
            <button
                type="button"
                role="menuitem"
                on:click=move |_| browser.open(Dialog::Rename(rename.clone()))
            >
                "Rename…"
            </button>
            <button
                type="button"
                role="menuitem"
                on:click=move |_| browser.open(Dialog::Pick(Transfer::Move, vec![move_to.clone()]))
            >
                "Move to…"
            </button>
            <button
                type="button"
                role="menuitem"
                on:click=move |_| browser.open(Dialog::Pick(Transfer::Copy, vec![copy_to.clone()]))
            >
                "Copy to…"
            </button>
            <button
                type="button"
                role="menuitem"
                data-testid="share-button"
                on:click=move |_| browser.open(Dialog::Share(share.clone()))
            >
                "Share…"
            </button>
            <a role="menuitem" href=details>{details_label}</a>
            <button
                type="button"
                role="menuitem"
                class="danger-item"
                on:click=move |_| delete(browser, vec![remove.clone()])
            >
                "Delete"
            </button>
        </div>
    }
    .into_any()
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
