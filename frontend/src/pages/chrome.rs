//! What every signed-in page shares: the top bar with its links, the page shown to a
//! visitor who is not logged in, the page of an error, and the notice line that says
//! what an action did or why it failed.

use super::actions::Notice;
use super::search::SearchBox;
use crate::api::types::ErrorBody;
use leptos::prelude::*;

/// Which top-bar link names the page shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The file browser (and file details).
    Files,
    /// The trash.
    Trash,
    /// The account page.
    Account,
    /// The shares made and received.
    Shared,
    /// Search results.
    Search,
}

/// The top bar: brand, search box, links to the main pages, whatever the page adds
/// (`children`), and "Log out".
#[component]
pub fn TopBar(
    section: Section,
    #[prop(optional, into)] query: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let link = move |href: &'static str, label: &'static str, which: Section| {
        let testid = format!("{}-link", label.to_lowercase());
        view! {
            <a
                href=href
                data-testid=testid
                aria-current=if section == which { Some("page") } else { None }
            >
                {label}
            </a>
        }
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/files">"Cairn"</a>
            <SearchBox value=query />
            <nav class="mainnav" aria-label="Main">
                {link("/files", "Files", Section::Files)}
                {link("/shared", "Shared", Section::Shared)}
                {link("/trash", "Trash", Section::Trash)}
                {link("/account", "Account", Section::Account)}
            </nav>
            <div class="topbar-extra">
                {children.map(|children| children())}
                <form method="post" action="/logout">
                    <button type="submit" class="link">"Log out"</button>
                </form>
            </div>
        </header>
    }
    .into_any()
}

/// Shown instead of a page's data to a visitor who is not logged in.
#[component]
pub fn LoggedOut() -> impl IntoView {
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

/// Shown instead of a page's data when loading it failed.
#[component]
pub fn PageError(error: ErrorBody) -> impl IntoView {
    view! {
        <main class="centered">
            <h1>"Something went wrong"</h1>
            <p class="error" role="alert">{error.error.message}</p>
            <p><a href="/files">"Back to your files"</a></p>
        </main>
    }
}

/// A page's data, or what to show instead: the logged-out page, or the error.
pub fn or_error_page<T>(result: Result<T, ErrorBody>, page: impl FnOnce(T) -> AnyView) -> AnyView {
    match result {
        Ok(data) => page(data),
        Err(error) if error.error.code == "unauthenticated" => view! { <LoggedOut /> }.into_any(),
        Err(error) => view! { <PageError error /> }.into_any(),
    }
}

/// The notice line: what the last action did, or why it failed, with "Undo" when
/// `on_undo` can take it back and "Dismiss".
#[component]
pub fn NoticeBar(
    notice: RwSignal<Option<Notice>>,
    #[prop(optional)] on_undo: Option<Callback<Vec<String>>>,
) -> impl IntoView {
    move || {
        notice.get().map(|shown| {
            let undo = (!shown.undo.is_empty())
                .then_some(on_undo)
                .flatten()
                .map(|on_undo| {
                    let ids = shown.undo.clone();
                    view! {
                        <button
                            type="button"
                            class="link"
                            on:click=move |_| {
                                notice.set(None);
                                on_undo.run(ids.clone());
                            }
                        >
                            "Undo"
                        </button>
                    }
                });
            view! {
                <div
                    class="notice"
                    class:notice-error=shown.error
                    role=if shown.error { "alert" } else { "status" }
                    data-testid="notice"
                >
                    <span>{shown.text}</span>
                    {undo}
                    <button
                        type="button"
                        class="link dismiss"
                        aria-label="Dismiss"
                        on:click=move |_| notice.set(None)
                    >
                        "×"
                    </button>
                </div>
            }
        })
    }
}
