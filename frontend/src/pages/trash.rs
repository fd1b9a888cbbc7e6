//! `/trash`: what the user deleted, most recent first, with "Restore" and "Delete
//! forever" per entry and "Empty trash". Rendered on the server with its data; the
//! buttons work once the page has hydrated.

use super::actions::{empty_trash, folder_label, parent_of, purge, restore_trashed, Notice};
use super::chrome::{or_error_page, NoticeBar, Section, TopBar};
use super::dialogs::Confirm;
use crate::api::types::{ErrorBody, FileMeta, TrashListing};
use crate::format::{date_time, folder_url, human_size};
use leptos::prelude::*;
use leptos_meta::Title;

fn fetch_trash(
) -> impl std::future::Future<Output = Result<TrashListing, ErrorBody>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        let data = crate::ssr::page_data();
        let cookie = crate::ssr::request_cookie();
        crate::ssr::with_error_status(async move { data.0.trash(cookie).await })
    }
    #[cfg(not(feature = "ssr"))]
    {
        super::from_api("/api/v1/trash".to_string())
    }
}

/// What a confirmation asks to delete for good.
#[derive(Debug, Clone, PartialEq)]
enum Purge {
    One(FileMeta),
    All,
}

/// `/trash`.
#[component]
pub fn TrashPage() -> impl IntoView {
    let trash = Resource::new(|| (), |()| fetch_trash());
    let notice = RwSignal::new(None::<Notice>);
    let confirm = RwSignal::new(None::<Purge>);
    let refresh = Callback::new(move |()| trash.refetch());
    view! {
        <Title text="Trash · Cairn" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                or_error_page(
                    trash.await,
                    |listing| view! { <TrashView listing notice confirm refresh /> }.into_any(),
                )
            })}
        </Transition>
        <PurgeDialog confirm notice refresh />
    }
}

#[component]
fn TrashView(
    listing: TrashListing,
    notice: RwSignal<Option<Notice>>,
    confirm: RwSignal<Option<Purge>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let empty = listing.entries.is_empty();
    let rows = listing
        .entries
        .into_iter()
        .map(|trashed| {
            let file = trashed.file;
            let restore = {
                let file = file.clone();
                move |_| {
                    let file = file.clone();
                    leptos::task::spawn_local(async move {
                        match restore_trashed(&file.id).await {
                            Ok(restored) => {
                                refresh.run(());
                                notice.set(Some(Notice::info(format!(
                                    "Restored “{}” to {}.",
                                    file.name,
                                    folder_label(&parent_of(&restored.path))
                                ))));
                            }
                            Err(error) => notice.set(Some(Notice::error(format!(
                                "Could not restore “{}”: {}",
                                file.name, error.error.message
                            )))),
                        }
                    });
                }
            };
            let forever = {
                let file = file.clone();
                move |_| confirm.set(Some(Purge::One(file.clone())))
            };
            let folder = parent_of(&file.path);
            let class = if file.is_folder { "folder" } else { "file" };
            view! {
                <tr data-testid="trash-entry" data-name=file.name.clone()>
                    <td class="name"><span class=class>{file.name.clone()}</span></td>
                    <td class="col-where"><a href=folder_url(&folder)>{folder_label(&folder)}</a></td>
                    <td class="col-modified">{date_time(trashed.deleted_at)}</td>
                    <td class="num">{if file.is_folder { "—".to_string() } else { human_size(file.size) }}</td>
                    <td class="row-buttons">
                        <button type="button" class="secondary small" data-testid="restore" on:click=restore>
                            "Restore"
                        </button>
                        <button type="button" class="danger small" data-testid="delete-forever" on:click=forever>
                            "Delete forever"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TopBar section=Section::Trash />
        <main class="files">
            <div class="toolbar">
                <h1 class="page-title">"Trash"</h1>
                <button
                    type="button"
                    class="danger"
                    data-testid="empty-trash"
                    disabled=empty
                    on:click=move |_| confirm.set(Some(Purge::All))
                >
                    "Empty trash"
                </button>
            </div>
            <p class="hint">"Deleted files and folders stay here until you delete them for good."</p>
            <NoticeBar notice />
            {if empty {
                view! {
                    <div class="empty" data-testid="trash-empty">
                        <p class="empty-title">"The trash is empty"</p>
                        <p>"What you delete shows up here, and can be restored from here."</p>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <table class="listing" data-testid="trash">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col" class="col-where">"Was in"</th>
                                <th scope="col" class="col-modified">"Deleted"</th>
                                <th scope="col" class="num">"Size"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                    .into_any()
            }}
        </main>
    }
    .into_any()
}

#[component]
fn PurgeDialog(
    confirm: RwSignal<Option<Purge>>,
    notice: RwSignal<Option<Notice>>,
    refresh: Callback<()>,
) -> impl IntoView {
    move || {
        confirm.get().map(|what| {
            let busy = RwSignal::new(false);
            let error = RwSignal::new(None::<String>);
            let (title, message, label) = match &what {
                Purge::One(file) => (
                    "Delete forever?",
                    format!(
                        "“{}” will be deleted for good, with all its versions. This cannot be undone.",
                        file.name
                    ),
                    "Delete forever",
                ),
                Purge::All => (
                    "Empty the trash?",
                    "Everything in the trash will be deleted for good. This cannot be undone."
                        .to_string(),
                    "Empty trash",
                ),
            };
            let on_confirm = Callback::new(move |()| {
                busy.set(true);
                let what = what.clone();
                leptos::task::spawn_local(async move {
                    let (result, done) = match &what {
                        Purge::One(file) => (
                            purge(&file.id).await,
                            format!("Deleted “{}” for good.", file.name),
                        ),
                        Purge::All => (empty_trash().await, "Emptied the trash.".to_string()),
                    };
                    match result {
                        Ok(()) => {
                            confirm.set(None);
                            refresh.run(());
                            notice.set(Some(Notice::info(done)));
                        }
                        Err(failure) => {
                            busy.try_set(false);
                            error.try_set(Some(failure.error.message));
                        }
                    }
                });
            });
            view! {
                <Confirm
                    title
                    message
                    confirm_label=label
                    on_confirm
                    on_close=Callback::new(move |()| confirm.set(None))
                    busy
                    error
                />
            }
        })
    }
}
