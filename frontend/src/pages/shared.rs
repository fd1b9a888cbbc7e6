//! `/shared`: every share the user made (links and shares with users, with their
//! address, permission, expiry and downloads, and a button to revoke each) and every
//! share made with them (to open or remove). Rendered whole on the server.

use super::chrome::{Section, TopBar};
use crate::api::types::{ErrorBody, ShareInfo, ShareKind, ShareList, SharePermission};
use crate::format::{date_time, folder_url};
use leptos::prelude::*;
use leptos_meta::Title;

fn fetch_shares() -> impl std::future::Future<Output = Result<ShareList, ErrorBody>> + Send + 'static
{
    #[cfg(feature = "ssr")]
    {
        let data = crate::ssr::page_data();
        let cookie = crate::ssr::request_cookie();
        crate::ssr::with_error_status(async move { data.0.shares(cookie).await })
    }
    #[cfg(not(feature = "ssr"))]
    {
        super::from_api("/api/v1/shares".to_string())
    }
}

/// How a permission reads on the page.
pub fn permission_label(permission: SharePermission) -> &'static str {
    match permission {
        SharePermission::Viewer => "can view",
        SharePermission::Editor => "can edit",
        SharePermission::UploadOnly => "file request (upload only)",
    }
}

/// Revokes a share through the API; the error message when it failed.
pub async fn revoke(id: &str) -> Result<(), String> {
    #[cfg(feature = "hydrate")]
    {
        let url = format!("/api/v1/shares/{}", crate::format::percent_encode(id));
        let response = crate::api::client::send("DELETE", &url, None, None)
            .await
            .map_err(|e| e.error.message)?;
        if response.ok() {
            return Ok(());
        }
        crate::api::client::decode::<serde_json::Value>(&url, response)
            .await
            .map(|_| ())
            .map_err(|e| e.error.message)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        Err("revoking needs the page's script".into())
    }
}

/// `/shared`.
#[component]
pub fn SharedPage() -> impl IntoView {
    let shares = Resource::new(|| (), |()| fetch_shares());
    let refresh = Callback::new(move |()| shares.refetch());
    view! {
        <Title text="Shared · Cairn" />
        <TopBar section=Section::Shared />
        <main class="files" data-testid="shared-page">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match shares.await {
                        Ok(list) => view! { <ShareTables list refresh /> }.into_any(),
                        Err(error) if error.error.code == "unauthenticated" => view! {
                            <p>"You are not logged in. " <a href="/login">"Log in"</a></p>
                        }
                            .into_any(),
                        Err(error) => view! {
                            <p class="error" role="alert">{error.error.message}</p>
                        }
                            .into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn ShareTables(list: ShareList, refresh: Callback<()>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let made = if list.made.is_empty() {
        view! { <p class="empty">"You have not shared anything yet. Use “Share” beside a file or folder."</p> }
            .into_any()
    } else {
        let rows = list
            .made
            .into_iter()
            .map(|share| view! { <MadeRow share refresh error /> })
            .collect_view();
        view! {
            <table class="listing" data-testid="shares-made">
                <thead>
                    <tr>
                        <th scope="col">"Shared"</th>
                        <th scope="col">"With"</th>
                        <th scope="col">"Permission"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col" class="num">"Downloads"</th>
                        <th scope="col"></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let received = if list.received.is_empty() {
        view! { <p class="empty">"Nobody has shared anything with you yet."</p> }.into_any()
    } else {
        let rows = list
            .received
            .into_iter()
            .map(|share| view! { <ReceivedRow share refresh error /> })
            .collect_view();
        view! {
            <table class="listing" data-testid="shares-received">
                <thead>
                    <tr>
                        <th scope="col">"Shared with you"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"Permission"</th>
                        <th scope="col"></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        <h1>"Shared by you"</h1>
        {made}
        <h1>"Shared with you"</h1>
        {received}
    }
}

fn revoke_action(id: String, refresh: Callback<()>, error: RwSignal<Option<String>>) {
    leptos::task::spawn_local(async move {
        match revoke(&id).await {
            Ok(()) => {
                error.set(None);
                refresh.run(());
            }
            Err(message) => error.set(Some(message)),
        }
    });
}

#[component]
fn MadeRow(
    share: ShareInfo,
    refresh: Callback<()>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let with = match (&share.kind, &share.url) {
        (ShareKind::Link, Some(url)) => {
            let password = if share.has_password {
                " (password)"
            } else {
                ""
            };
            view! { <a href=url.clone() data-testid="share-url">{url.clone()}</a>{password} }
                .into_any()
        }
        _ => view! { <span>{share.recipient.clone().unwrap_or_default()}</span> }.into_any(),
    };
    let what = if share.name.is_empty() {
        "(in the trash)".to_string()
    } else {
        share.path.clone()
    };
    let id = share.id.clone();
    view! {
        <tr data-testid="share-made" data-name=share.name.clone()>
            <td>{what}</td>
            <td>{with}</td>
            <td>{permission_label(share.permission)}</td>
            <td>{share.expires_at.map_or_else(|| "never".to_string(), date_time)}</td>
            <td class="num" data-testid="share-downloads">{share.download_count}</td>
            <td>
                <button
                    type="button"
                    class="link"
                    data-testid="revoke-share"
                    on:click=move |_| revoke_action(id.clone(), refresh, error)
                >
                    "Revoke"
                </button>
            </td>
        </tr>
    }
}

#[component]
fn ReceivedRow(
    share: ShareInfo,
    refresh: Callback<()>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = share.id.clone();
    let open = if share.is_folder {
        folder_url(&share.path)
    } else {
        folder_url(
            share
                .path
                .rsplit_once('/')
                .map_or("/", |(parent, _)| parent),
        )
    };
    view! {
        <tr data-testid="share-received" data-name=share.name.clone()>
            <td><a href=open>{share.name.clone()}</a></td>
            <td>{share.owner.clone()}</td>
            <td>{permission_label(share.permission)}</td>
            <td>
                <button
                    type="button"
                    class="link"
                    data-testid="remove-share"
                    on:click=move |_| revoke_action(id.clone(), refresh, error)
                >
                    "Remove"
                </button>
            </td>
        </tr>
    }
}
