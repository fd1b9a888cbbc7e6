//! `/account`: who is logged in, storage used against the quota, and API tokens for
//! scripts (create one and see its secret once, list them, revoke one). Rendered on
//! the server with its data; the token forms work once the page has hydrated.

use super::actions::{call, Notice};
use super::chrome::{or_error_page, NoticeBar, Section, TopBar};
use super::dialogs::{Confirm, ErrorLine};
use crate::api::types::{CreatedToken, ErrorBody, TokenInfo, UserInfo};
use crate::format::{date_time, human_size, percent_encode};
use leptos::prelude::*;
use leptos_meta::Title;

/// The user and their API tokens, newest first.
type Account = (UserInfo, Vec<TokenInfo>);

fn fetch_account() -> impl std::future::Future<Output = Result<Account, ErrorBody>> + Send + 'static
{
    #[cfg(feature = "ssr")]
    {
        let data = crate::ssr::page_data();
        let cookie = crate::ssr::request_cookie();
        crate::ssr::with_error_status(async move { data.0.account(cookie).await })
    }
    #[cfg(not(feature = "ssr"))]
    {
        async move {
            let user: UserInfo = super::from_api("/api/v1/me".to_string()).await?;
            let tokens: crate::api::types::TokenList =
                super::from_api("/api/v1/tokens".to_string()).await?;
            Ok((user, tokens.tokens))
        }
    }
}

/// A token just created: its label and its secret, shown once.
#[derive(Debug, Clone, PartialEq)]
struct NewSecret {
    label: String,
    secret: String,
}

/// `/account`.
#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |()| fetch_account());
    let refresh = Callback::new(move |()| account.refetch());
    // Outside the refreshed view, so the secret stays on screen after the list reloads.
    let created = RwSignal::new(None::<NewSecret>);
    let revoking = RwSignal::new(None::<TokenInfo>);
    let notice = RwSignal::new(None::<Notice>);
    view! {
        <Title text="Account · Cairn" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                or_error_page(
                    account.await,
                    |(user, tokens)| {
                        view! { <AccountView user tokens created revoking notice refresh /> }
                            .into_any()
                    },
                )
            })}
        </Transition>
        <RevokeDialog revoking notice refresh />
    }
}

#[component]
fn AccountView(
    user: UserInfo,
    tokens: Vec<TokenInfo>,
    created: RwSignal<Option<NewSecret>>,
    revoking: RwSignal<Option<TokenInfo>>,
    notice: RwSignal<Option<Notice>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let percent = if user.quota_bytes == 0 {
        100.0
    } else {
        user.used_bytes as f64 * 100.0 / user.quota_bytes as f64
    };
    let usage = format!(
        "{} of {} used ({})",
        human_size(user.used_bytes),
        human_size(user.quota_bytes),
        if percent > 0.0 && percent < 0.1 {
            "less than 0.1%".to_string()
        } else {
            format!("{percent:.1}%")
        }
    );
    let rows = tokens
        .iter()
        .cloned()
        .map(|token| {
            let label = token.label.clone();
            view! {
                <tr data-testid="token" data-label=label.clone()>
                    <td>{label.clone()}</td>
                    <td class="col-modified">{date_time(token.created_at)}</td>
                    <td class="row-buttons">
                        <button
                            type="button"
                            class="danger small"
                            data-testid="revoke"
                            aria-label=format!("Revoke {label}")
                            on:click=move |_| revoking.set(Some(token.clone()))
                        >
                            "Revoke"
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let no_tokens = tokens.is_empty();
    view! {
        <TopBar section=Section::Account />
        <main class="files account">
            <h1 class="page-title">"Account"</h1>
            <p class="hint">"Logged in as " <strong data-testid="username">{user.username.clone()}</strong></p>
            <NoticeBar notice />
            <section class="card" aria-labelledby="storage-title">
                <h2 id="storage-title">"Storage"</h2>
                <meter
                    class="usage"
                    data-testid="usage-meter"
                    min="0"
                    max=user.quota_bytes.to_string()
                    high=(user.quota_bytes / 10 * 9).to_string()
                    optimum="0"
                    value=user.used_bytes.to_string()
                    aria-label="Storage used"
                ></meter>
                <p data-testid="usage">{usage}</p>
                <p class="hint" data-testid="history">
                    {format!(
                        "Older versions of your files keep {} more. They do not count against your quota, but they are kept within it: past it, the oldest go first.",
                        human_size(user.history_bytes),
                    )}
                </p>
            </section>
            <section class="card" aria-labelledby="tokens-title">
                <h2 id="tokens-title">"API tokens"</h2>
                <p class="hint">
                    "Scripts and other clients use a token instead of your password: they send "
                    <code>"Authorization: Bearer <token>"</code>
                    ". Revoke a token to cut its access at once."
                </p>
                <CreateToken created refresh />
                {if no_tokens {
                    view! { <p class="muted" data-testid="no-tokens">"No API tokens yet."</p> }.into_any()
                } else {
                    view! {
                        <table class="listing" data-testid="tokens">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col" class="col-modified">"Created"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }
                        .into_any()
                }}
            </section>
        </main>
    }
    .into_any()
}

#[component]
fn CreateToken(created: RwSignal<Option<NewSecret>>, refresh: Callback<()>) -> impl IntoView {
    let label = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let name = label.get_untracked().trim().to_string();
        if name.is_empty() {
            error.set(Some(
                "Name the token first, e.g. “backup script”, to recognise it later.".into(),
            ));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({ "label": name });
            match call::<CreatedToken>("POST", "/api/v1/tokens".into(), Some(body)).await {
                Ok(token) => {
                    created.set(Some(NewSecret {
                        label: token.info.label,
                        secret: token.token,
                    }));
                    refresh.run(());
                }
                Err(failure) => {
                    busy.try_set(false);
                    error.try_set(Some(failure.error.message));
                }
            }
        });
    };
    let select_all = move |event: leptos::ev::FocusEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(input) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                input.select();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    };
    view! {
        <form class="inline-form" on:submit=submit>
            <label>
                "Token name"
                <input type="text" bind:value=label placeholder="e.g. backup script" data-testid="token-label" />
            </label>
            <button type="submit" disabled=move || busy.get()>"Create token"</button>
        </form>
        <ErrorLine error />
        {move || {
            created
                .get()
                .map(|shown| {
                    view! {
                        <div class="secret" role="status" data-testid="new-token">
                            <p>
                                {format!("Your new token “{}”. Copy it now: it is not shown again.", shown.label)}
                            </p>
                            <input
                                type="text"
                                readonly
                                value=shown.secret
                                aria-label="New token"
                                data-testid="new-token-value"
                                on:focus=select_all
                            />
                            <button type="button" class="link" on:click=move |_| created.set(None)>
                                "Done, I copied it"
                            </button>
                        </div>
                    }
                })
        }}
    }
}

#[component]
fn RevokeDialog(
    revoking: RwSignal<Option<TokenInfo>>,
    notice: RwSignal<Option<Notice>>,
    refresh: Callback<()>,
) -> impl IntoView {
    move || {
        revoking.get().map(|token| {
            let busy = RwSignal::new(false);
            let error = RwSignal::new(None::<String>);
            let message = format!(
                "Scripts that use “{}” lose access at once. This cannot be undone.",
                token.label
            );
            let on_confirm = Callback::new(move |()| {
                busy.set(true);
                let token = token.clone();
                leptos::task::spawn_local(async move {
                    let url = format!("/api/v1/tokens/{}", percent_encode(&token.id));
                    match call::<()>("DELETE", url, None).await {
                        Ok(()) => {
                            revoking.set(None);
                            refresh.run(());
                            notice.set(Some(Notice::info(format!(
                                "Revoked the token “{}”.",
                                token.label
                            ))));
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
                    title="Revoke this token?"
                    message
                    confirm_label="Revoke"
                    on_confirm
                    on_close=Callback::new(move |()| revoking.set(None))
                    busy
                    error
                />
            }
        })
    }
}
