//! The "Share" button of each file and folder in the file browser and its dialog:
//! make a public link (to view, or a file request for a folder) with an optional
//! password and expiry date, copy it, share with another user as viewer or editor,
//! and see and revoke the entry's existing shares. The dialog needs the page's
//! script; the `/shared` page lists the same shares without it.

use super::shared::{permission_label, revoke};
use crate::api::types::{
    ErrorBody, NewShare, ShareCreated, ShareInfo, ShareKind, ShareList, SharePermission,
};
use leptos::prelude::*;

/// The entry whose share dialog is open, if any. Kept by the page rather than by the
/// entry's row, so that the dialog stays open while the listing refreshes (after a
/// change made elsewhere, say).
#[derive(Clone, Copy)]
pub struct ShareTarget(RwSignal<Option<(String, String, bool)>>);

/// Gives the page a place for the share dialog; call once, in the page's component.
pub fn provide_share_target() {
    provide_context(ShareTarget(RwSignal::new(None)));
}

/// The share dialog of the entry whose "Share" button was pressed; put it outside the
/// part of the page that re-renders.
#[component]
pub fn ShareDialogHost() -> impl IntoView {
    let target = use_context::<ShareTarget>();
    move || {
        let target = target?;
        let (file_id, name, is_folder) = target.0.get()?;
        Some(view! {
            <ShareDialog
                file_id
                name
                is_folder
                on_close=Callback::new(move |()| target.0.set(None))
            />
        })
    }
}

/// A "Share" button for one entry; a click opens the page's share dialog for it.
#[component]
pub fn ShareButton(file_id: String, name: String, is_folder: bool) -> impl IntoView {
    let target = use_context::<ShareTarget>();
    view! {
        <button
            type="button"
            class="link"
            data-testid="share-button"
            aria-haspopup="dialog"
            on:click=move |_| {
                if let Some(target) = target {
                    target.0.set(Some((file_id.clone(), name.clone(), is_folder)));
                }
            }
        >
            "Share"
        </button>
    }
}

async fn load_shares(file_id: String) -> Result<ShareList, ErrorBody> {
    #[cfg(feature = "hydrate")]
    {
        let url = format!(
            "/api/v1/shares?file_id={}",
            crate::format::percent_encode(&file_id)
        );
        crate::api::client::get_json(&url).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = file_id;
        Ok(ShareList {
            made: Vec::new(),
            received: Vec::new(),
        })
    }
}

async fn create_share(request: NewShare) -> Result<ShareCreated, String> {
    #[cfg(feature = "hydrate")]
    {
        crate::api::client::send_json("POST", "/api/v1/shares", &request)
            .await
            .map_err(|e| e.error.message)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = request;
        Err("sharing needs the page's script".into())
    }
}

/// The absolute address of a link, for copying.
fn absolute(url: &str) -> String {
    #[cfg(feature = "hydrate")]
    if let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) {
        return format!("{origin}{url}");
    }
    url.to_string()
}

/// Copies text to the clipboard; whether the browser accepted it.
fn copy_to_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        let Some(window) = web_sys::window() else {
            return false;
        };
        let clipboard = js_sys::Reflect::get(&window.navigator(), &JsValue::from_str("clipboard"))
            .unwrap_or(JsValue::UNDEFINED);
        let Ok(write) = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText")) else {
            return false;
        };
        let Some(write) = write.dyn_ref::<js_sys::Function>() else {
            return false;
        };
        write.call1(&clipboard, &JsValue::from_str(text)).is_ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// Unix milliseconds at the end of a `YYYY-MM-DD` day, in the browser's time zone.
fn end_of_day(date: &str) -> Option<i64> {
    if date.is_empty() {
        return None;
    }
    #[cfg(feature = "hydrate")]
    {
        let ms = js_sys::Date::parse(&format!("{date}T23:59:59"));
        (!ms.is_nan()).then_some(ms as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

#[component]
fn ShareDialog(
    file_id: String,
    name: String,
    is_folder: bool,
    on_close: Callback<()>,
) -> impl IntoView {
    let shares = LocalResource::new({
        let file_id = file_id.clone();
        move || load_shares(file_id.clone())
    });
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<String>);
    let copied = RwSignal::new(false);
    let permission = RwSignal::new(String::from("viewer"));
    let password = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let user_permission = RwSignal::new(String::from("viewer"));

    let make_link = {
        let file_id = file_id.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let request = NewShare {
                file_id: file_id.clone(),
                kind: ShareKind::Link,
                permission: if permission.get_untracked() == "upload_only" {
                    SharePermission::UploadOnly
                } else {
                    SharePermission::Viewer
                },
                username: None,
                password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
                expires_at: end_of_day(&expiry.get_untracked()),
            };
            leptos::task::spawn_local(async move {
                match create_share(request).await {
                    Ok(share) => {
                        error.set(None);
                        copied.set(false);
                        created.set(share.url.as_deref().map(absolute));
                        password.set(String::new());
                        shares.refetch();
                    }
                    Err(message) => error.set(Some(message)),
                }
            });
        }
    };
    let share_with_user = {
        let file_id = file_id.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let request = NewShare {
                file_id: file_id.clone(),
                kind: ShareKind::User,
                permission: if user_permission.get_untracked() == "editor" {
                    SharePermission::Editor
                } else {
                    SharePermission::Viewer
                },
                username: Some(username.get_untracked().trim().to_string()),
                password: None,
                expires_at: None,
            };
            leptos::task::spawn_local(async move {
                match create_share(request).await {
                    Ok(_) => {
                        error.set(None);
                        username.set(String::new());
                        shares.refetch();
                    }
                    Err(message) => error.set(Some(message)),
                }
            });
        }
    };
    let copy = move |_| {
        if let Some(url) = created.get_untracked() {
            copied.set(copy_to_clipboard(&url));
        }
    };
    let revoke_share = move |id: String| {
        leptos::task::spawn_local(async move {
            match revoke(&id).await {
                Ok(()) => shares.refetch(),
                Err(message) => error.set(Some(message)),
            }
        });
    };

    view! {
        <div class="dialog-backdrop">
            <section
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-label=format!("Share {name}")
                data-testid="share-dialog"
            >
                <header>
                    <h2>{format!("Share “{name}”")}</h2>
                    <button
                        type="button"
                        class="link"
                        aria-label="Close"
                        data-testid="share-close"
                        on:click=move |_| on_close.run(())
                    >
                        "×"
                    </button>
                </header>
                {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <form on:submit=make_link data-testid="share-link-form">
                    <h3>"Public link"</h3>
                    <label>
                        "Anyone with the link"
                        <select
                            data-testid="share-link-permission"
                            on:change=move |ev| permission.set(event_target_value(&ev))
                        >
                            <option value="viewer">"can view and download"</option>
                            {is_folder.then(|| view! {
                                <option value="upload_only">"can only upload (file request)"</option>
                            })}
                        </select>
                    </label>
                    <label>
                        "Password (optional)"
                        <input
                            type="password"
                            autocomplete="new-password"
                            data-testid="share-password"
                            prop:value=move || password.get()
                            on:input=move |ev| password.set(event_target_value(&ev))
                        />
                    </label>
                    <label>
                        "Expires (optional)"
                        <input
                            type="date"
                            data-testid="share-expiry"
                            on:input=move |ev| expiry.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="submit" data-testid="create-link">"Create link"</button>
                    {move || created.get().map(|url| view! {
                        <div class="created-link">
                            <input type="text" readonly value=url.clone() data-testid="created-link" aria-label="The new link" />
                            <button type="button" data-testid="copy-link" on:click=copy>"Copy link"</button>
                            {move || copied.get().then(|| view! { <span role="status">"Copied"</span> })}
                        </div>
                    })}
                </form>
                <form on:submit=share_with_user data-testid="share-user-form">
                    <h3>"Share with a user"</h3>
                    <label>
                        "Username"
                        <input
                            type="text"
                            required
                            data-testid="share-username"
                            prop:value=move || username.get()
                            on:input=move |ev| username.set(event_target_value(&ev))
                        />
                    </label>
                    <select
                        aria-label="Their permission"
                        data-testid="share-user-permission"
                        on:change=move |ev| user_permission.set(event_target_value(&ev))
                    >
                        <option value="viewer">"can view"</option>
                        <option value="editor">"can edit"</option>
                    </select>
                    <button type="submit" data-testid="share-with-user">"Share"</button>
                </form>
                <h3>"Shared so far"</h3>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match shares.await {
                            Ok(list) if list.made.is_empty() => {
                                view! { <p class="empty">"Not shared yet."</p> }.into_any()
                            }
                            Ok(list) => view! {
                                <ul class="share-list" data-testid="entry-shares">
                                    {list
                                        .made
                                        .into_iter()
                                        .map(|share| view! { <ExistingShare share revoke=revoke_share /> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any(),
                            Err(error) => view! {
                                <p class="error" role="alert">{error.error.message}</p>
                            }
                                .into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </div>
    }
}

#[component]
fn ExistingShare(
    share: ShareInfo,
    revoke: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let who = match (&share.kind, &share.url) {
        (ShareKind::Link, Some(url)) => {
            let mut text = format!("Link {url}");
            if share.has_password {
                text.push_str(" (password)");
            }
            text
        }
        _ => format!("User {}", share.recipient.clone().unwrap_or_default()),
    };
    let id = share.id.clone();
    view! {
        <li data-testid="entry-share">
            <span>{who}</span>
            " · "
            <span>{permission_label(share.permission)}</span>
            " "
            <button
                type="button"
                class="link"
                data-testid="revoke-entry-share"
                on:click=move |_| revoke(id.clone())
            >
                "Revoke"
            </button>
        </li>
    }
}
