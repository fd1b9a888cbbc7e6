//! `/search?q=`: the user's files and folders whose names contain the query. The
//! search box is a plain GET form, so the page works before (and without) the WASM.

use super::chrome::{Section, TopBar};
use crate::api::types::{ErrorBody, FileMeta, SearchResults};
use crate::format::{date_time, folder_url, human_size, percent_encode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn fetch_results(
    query: String,
) -> impl std::future::Future<Output = Result<SearchResults, ErrorBody>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        let data = crate::ssr::page_data();
        let cookie = crate::ssr::request_cookie();
        crate::ssr::with_error_status(async move { data.0.search(cookie, query).await })
    }
    #[cfg(not(feature = "ssr"))]
    {
        super::from_api(format!("/api/v1/search?q={}", percent_encode(&query)))
    }
}

/// The search box, for the top bar of every signed-in page.
#[component]
pub fn SearchBox(#[prop(optional, into)] value: String) -> impl IntoView {
    view! {
        <form class="search" method="get" action="/search" role="search">
            <input
                type="search"
                name="q"
                value=value
                placeholder="Search your files"
                aria-label="Search your files"
                data-testid="search-input"
            />
        </form>
    }
}

/// `/search?q=`.
#[component]
pub fn SearchPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.read().get("q").unwrap_or_default());
    let results = Resource::new(
        move || query.get(),
        |q| async move {
            if q.trim().is_empty() {
                Ok(SearchResults {
                    entries: Vec::new(),
                })
            } else {
                fetch_results(q).await
            }
        },
    );
    view! {
        <Title text="Search · Cairn" />
        <TopBar section=Section::Search query=query.get_untracked() />
        <main class="files">
            <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    match results.await {
                        Ok(found) => view! { <Hits query=query.get_untracked() found /> }.into_any(),
                        Err(error) => view! {
                            <p class="error" role="alert">{error.error.message}</p>
                        }
                            .into_any(),
                    }
                })}
            </Transition>
        </main>
    }
    .into_any()
}

#[component]
fn Hits(query: String, found: SearchResults) -> impl IntoView {
    if query.trim().is_empty() {
        return view! { <p class="empty">"Type part of a name to search your files."</p> }
            .into_any();
    }
    if found.entries.is_empty() {
        return view! {
            <p class="empty" data-testid="no-results">{format!("Nothing is named like “{query}”.")}</p>
        }
        .into_any();
    }
    let rows = found
        .entries
        .into_iter()
        .map(|entry| view! { <Hit entry /> })
        .collect_view();
    view! {
        <h1 class="search-title">{format!("Names containing “{query}”")}</h1>
        <table class="listing" data-testid="search-results">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Folder"</th>
                    <th scope="col" class="num">"Size"</th>
                    <th scope="col" class="col-modified">"Modified"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Hit(entry: FileMeta) -> impl IntoView {
    let folder = match entry.path.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((parent, _)) => parent.to_string(),
    };
    let link = if entry.is_folder {
        view! { <a class="folder" href=folder_url(&entry.path)>{entry.name.clone()}</a> }.into_any()
    } else {
        let href = format!("/api/v1/files/{}/content", percent_encode(&entry.id));
        view! { <a class="file" href=href download=entry.name.clone()>{entry.name.clone()}</a> }
            .into_any()
    };
    view! {
        <tr data-testid="search-hit" data-path=entry.path.clone()>
            <td class="name">{link}</td>
            <td><a href=folder_url(&folder)>{folder.clone()}</a></td>
            <td class="num">{if entry.is_folder { "—".to_string() } else { human_size(entry.size) }}</td>
            <td class="col-modified">{date_time(entry.modified_at)}</td>
        </tr>
    }
}
