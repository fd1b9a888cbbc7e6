//! Dialogs: a modal frame that focuses its first field, closes on Escape or a click
//! beside it and submits on Enter; and the file browser's dialogs in it (new folder,
//! rename, the "Move to…" / "Copy to…" folder picker), plus a confirmation.
//!
//! Dialogs open only after hydration, so the server never renders one.

use super::actions::{
    create_folder, describe, join, move_entry, parent_of, transfer, within, Browser, Dialog,
    Notice, Transfer,
};
use super::share_dialog::ShareDialog;
use crate::api::types::{FileMeta, FolderListing};
use crate::format::percent_encode;
use leptos::prelude::*;

/// Focuses the first field of a dialog: an element marked `data-autofocus`, else
/// the first input, else the first enabled button.
#[cfg(feature = "hydrate")]
fn focus_first(root: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    for selector in [
        "[data-autofocus]",
        "input, select, textarea",
        "button:not([disabled])",
    ] {
        if let Ok(Some(element)) = root.query_selector(selector) {
            if let Ok(element) = element.dyn_into::<web_sys::HtmlElement>() {
                let _ = element.focus();
                return;
            }
        }
    }
}

/// What Tab can reach inside a dialog.
#[cfg(feature = "hydrate")]
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
    select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// Keeps Tab inside a modal dialog: Tab on its last focusable element goes to the
/// first, Shift+Tab on the first (or from outside it) to the last.
#[cfg(feature = "hydrate")]
fn keep_focus_inside(root: &web_sys::Element, event: &web_sys::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    let Ok(found) = root.query_selector_all(FOCUSABLE) else {
        return;
    };
    let focusable: Vec<web_sys::HtmlElement> = (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|node| node.dyn_into().ok())
        .collect();
    let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else {
        event.prevent_default();
        return;
    };
    let active = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.active_element());
    let is_active = |element: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|active| active == element.unchecked_ref::<web_sys::Element>())
    };
    let inside = active
        .as_ref()
        .is_some_and(|active| root.contains(Some(active.unchecked_ref())));
    let target = if event.shift_key() && (is_active(first) || !inside) {
        last
    } else if !event.shift_key() && (is_active(last) || !inside) {
        first
    } else {
        return;
    };
    event.prevent_default();
    let _ = target.focus();
}

/// A modal dialog titled `title`; `on_close` runs on Escape, on a click beside it,
/// and is what "Cancel" buttons call. Tab stays inside it while it is open, and
/// focus goes back to where it was when it closes.
#[component]
pub fn Modal(
    #[prop(into)] title: String,
    on_close: Callback<()>,
    #[prop(optional, into)] testid: String,
    children: Children,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let opener = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.active_element())
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        let opener = send_wrapper::SendWrapper::new(opener);
        on_cleanup(move || {
            if let Some(opener) = opener.take() {
                let _ = opener.focus();
            }
        });
        Effect::new(move |_| {
            if let Some(element) = node.get() {
                focus_first(&element);
            }
        });
    }
    let on_key = move |event: leptos::ev::KeyboardEvent| match event.key().as_str() {
        "Escape" => {
            event.prevent_default();
            on_close.run(());
        }
        #[cfg(feature = "hydrate")]
        "Tab" => {
            if let Some(element) = node.get_untracked() {
                keep_focus_inside(&element, &event);
            }
        }
        _ => {}
    };
    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())>
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby="dialog-title"
                data-testid=if testid.is_empty() { "dialog".to_string() } else { testid }
                node_ref=node
                on:click=|event| event.stop_propagation()
                on:keydown=on_key
            >
                <h2 id="dialog-title">{title}</h2>
                {children()}
            </div>
        </div>
    }
}

/// A failure message inside a dialog.
#[component]
pub fn ErrorLine(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! { <p class="error" role="alert" data-testid="dialog-error">{message}</p> }
        })
    }
}

/// Asks to confirm something that cannot be undone; `on_confirm` does it.
#[component]
pub fn Confirm(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(into)] confirm_label: String,
    on_confirm: Callback<()>,
    on_close: Callback<()>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        on_confirm.run(());
    };
    view! {
        <Modal title on_close testid="confirm">
            <form class="dialog-form" on:submit=submit>
                <p>{message}</p>
                <ErrorLine error />
                <div class="dialog-buttons">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class="danger" data-autofocus="" disabled=move || busy.get()>
                        {confirm_label}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// Whichever dialog the file browser has open.
#[component]
pub fn BrowserDialogs(browser: Browser) -> impl IntoView {
    move || {
        browser.dialog.get().map(|dialog| match dialog {
            Dialog::NewFolder => view! { <NewFolderDialog browser /> }.into_any(),
            Dialog::Rename(entry) => view! { <RenameDialog browser entry /> }.into_any(),
            Dialog::Pick(kind, items) => view! { <PickDialog browser kind items /> }.into_any(),
            Dialog::Share(entry) => view! {
                <ShareDialog
                    file_id=entry.id
                    name=entry.name
                    is_folder=entry.is_folder
                    on_close=Callback::new(move |()| browser.dialog.set(None))
                />
            }
            .into_any(),
        })
    }
}

/// What is wrong with a name typed for a file or folder, if anything.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("Type a name.")
    } else if name.contains('/') {
        Some("A name cannot contain “/”; use “Move to…” to put it in another folder.")
    } else if name == "." || name == ".." {
        Some("“.” and “..” are not names a file or folder can have.")
    } else {
        None
    }
}

#[component]
fn NewFolderDialog(browser: Browser) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let close = Callback::new(move |()| browser.dialog.set(None));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let folder_name = name.get_untracked().trim().to_string();
        if let Some(problem) = name_problem(&folder_name) {
            error.set(Some(problem.to_string()));
            return;
        }
        busy.set(true);
        let path = join(&browser.folder.get_untracked(), &folder_name);
        leptos::task::spawn_local(async move {
            match create_folder(&path).await {
                Ok(_) => {
                    browser.dialog.set(None);
                    browser.refresh.run(());
                    browser.notice.set(Some(Notice::info(format!(
                        "Created the folder “{folder_name}”."
                    ))));
                }
                Err(failure) => {
                    busy.try_set(false);
                    error.try_set(Some(failure.error.message));
                }
            }
        });
    };
    view! {
        <Modal title="New folder" on_close=close>
            <form class="dialog-form" on:submit=submit>
                <label>
                    "Folder name"
                    <input type="text" bind:value=name autocomplete="off" data-testid="dialog-name" />
                </label>
                <ErrorLine error />
                <div class="dialog-buttons">
                    <button type="button" class="secondary" on:click=move |_| close.run(())>"Cancel"</button>
                    <button type="submit" disabled=move || busy.get()>"Create"</button>
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn RenameDialog(browser: Browser, entry: FileMeta) -> impl IntoView {
    let name = RwSignal::new(entry.name.clone());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let close = Callback::new(move |()| browser.dialog.set(None));
    let input = NodeRef::<leptos::html::Input>::new();
    // Select the name without its extension, as file managers do.
    let stem_len = match entry.name.rfind('.') {
        Some(dot) if dot > 0 && !entry.is_folder => entry.name[..dot].encode_utf16().count(),
        _ => entry.name.encode_utf16().count(),
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(element) = input.get() {
            let _ = element.focus();
            let _ = element.set_selection_range(0, stem_len as u32);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = stem_len;
    let old_name = entry.name.clone();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let new_name = name.get_untracked().trim().to_string();
        if new_name == old_name {
            browser.dialog.set(None);
            return;
        }
        if let Some(problem) = name_problem(&new_name) {
            error.set(Some(problem.to_string()));
            return;
        }
        busy.set(true);
        let (id, path) = (entry.id.clone(), entry.path.clone());
        let old_name = old_name.clone();
        leptos::task::spawn_local(async move {
            match move_entry(&id, &join(&parent_of(&path), &new_name)).await {
                Ok(_) => {
                    browser.dialog.set(None);
                    browser.refresh.run(());
                    browser.notice.set(Some(Notice::info(format!(
                        "Renamed “{old_name}” to “{new_name}”."
                    ))));
                }
                Err(failure) => {
                    busy.try_set(false);
                    error.try_set(Some(failure.error.message));
                }
            }
        });
    };
    view! {
        <Modal title="Rename" on_close=close>
            <form class="dialog-form" on:submit=submit>
                <label>
                    "New name"
                    <input
                        type="text"
                        bind:value=name
                        node_ref=input
                        autocomplete="off"
                        data-testid="dialog-name"
                        data-autofocus=""
                    />
                </label>
                <ErrorLine error />
                <div class="dialog-buttons">
                    <button type="button" class="secondary" on:click=move |_| close.run(())>"Cancel"</button>
                    <button type="submit" disabled=move || busy.get()>"Rename"</button>
                </div>
            </form>
        </Modal>
    }
}

/// The folders on the way to `path`, as (name, path), from the root.
pub(super) fn crumbs(path: &str) -> Vec<(String, String)> {
    let mut crumbs = vec![("Files".to_string(), "/".to_string())];
    let mut so_far = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        so_far.push('/');
        so_far.push_str(segment);
        crumbs.push((segment.to_string(), so_far.clone()));
    }
    crumbs
}

#[component]
fn PickDialog(browser: Browser, kind: Transfer, items: Vec<FileMeta>) -> impl IntoView {
    let at = RwSignal::new(browser.folder.get_untracked());
    let folders = RwSignal::new(None::<Result<Vec<FileMeta>, String>>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let close = Callback::new(move |()| browser.dialog.set(None));
    Effect::new(move |_| {
        let path = at.get();
        folders.set(None);
        leptos::task::spawn_local(async move {
            let url = format!("/api/v1/files?path={}", percent_encode(&path));
            let result = super::actions::call::<FolderListing>("GET", url, None)
                .await
                .map(|listing| {
                    listing
                        .entries
                        .into_iter()
                        .filter(|entry| entry.is_folder)
                        .collect()
                })
                .map_err(|failure| failure.error.message);
            if at.try_get_untracked().as_deref() == Some(path.as_str()) {
                folders.try_set(Some(result));
            }
        });
    });
    let moving: Vec<String> = match kind {
        Transfer::Move => items.iter().map(|item| item.path.clone()).collect(),
        Transfer::Copy => Vec::new(),
    };
    let sources: Vec<String> = items.iter().map(|item| parent_of(&item.path)).collect();
    let (verb, button) = match kind {
        Transfer::Move => ("Move", "Move here"),
        Transfer::Copy => ("Copy", "Copy here"),
    };
    let title = format!("{verb} {} to…", describe(&items));
    let pointless = {
        let sources = sources.clone();
        move || kind == Transfer::Move && sources.iter().all(|source| *source == at.get())
    };
    let items = StoredValue::new(items);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let folder = at.get_untracked();
        let items = items.get_value();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let failed = transfer(kind, &items, &folder).await;
            browser.refresh.run(());
            if failed.is_empty() {
                browser.dialog.set(None);
                browser.clear_selection();
                let done = if kind == Transfer::Move {
                    "Moved"
                } else {
                    "Copied"
                };
                browser.notice.set(Some(Notice::info(format!(
                    "{done} {} to {}.",
                    describe(&items),
                    super::actions::folder_label(&folder)
                ))));
            } else {
                busy.try_set(false);
                error.try_set(Some(failed.join("; ")));
            }
        });
    };
    let list = move || match folders.get() {
        None => view! { <li class="muted">"Loading…"</li> }.into_any(),
        Some(Err(message)) => view! { <li class="error" role="alert">{message}</li> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <li class="muted">"No folders in here."</li> }.into_any()
        }
        Some(Ok(list)) => list
            .into_iter()
            .map(|folder| {
                let blocked = moving.iter().any(|path| within(&folder.path, path));
                let path = folder.path.clone();
                view! {
                    <li>
                        <button
                            type="button"
                            class="picker-folder"
                            data-testid="picker-folder"
                            data-name=folder.name.clone()
                            disabled=blocked
                            title=if blocked { "A folder cannot go inside itself" } else { "" }
                            on:click=move |_| at.set(path.clone())
                        >
                            {folder.name.clone()}
                        </button>
                    </li>
                }
                .into_any()
            })
            .collect_view()
            .into_any(),
    };
    view! {
        <Modal title on_close=close testid="picker">
            <form class="dialog-form" on:submit=submit>
                <nav class="picker-crumbs" aria-label="Destination folder">
                    {move || {
                        crumbs(&at.get())
                            .into_iter()
                            .map(|(name, path)| {
                                let current = path == at.get_untracked();
                                view! {
                                    <button
                                        type="button"
                                        class="link"
                                        aria-current=if current { Some("location") } else { None }
                                        on:click=move |_| at.set(path.clone())
                                    >
                                        {name}
                                    </button>
                                    <span class="sep">"/"</span>
                                }
                            })
                            .collect_view()
                    }}
                </nav>
                <ul class="picker-list">{list}</ul>
                <ErrorLine error />
                <div class="dialog-buttons">
                    <button type="button" class="secondary" on:click=move |_| close.run(())>"Cancel"</button>
                    <button
                        type="submit"
                        data-testid="picker-confirm"
                        data-autofocus=""
                        disabled=move || busy.get() || pointless()
                    >
                        {button}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
