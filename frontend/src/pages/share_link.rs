//! `/s/{token}` and `/s/{token}/*path`: what a public link shows, to anyone holding
//! it. Rendered whole on the server, so it works without JavaScript: the password
//! form and a file request's upload form are plain form posts, listings and
//! downloads plain links. Once hydrated, a file request also takes dropped or picked
//! files of any size through the chunked uploader.

use super::upload_panel::{UploadPhase, UploadProgress};
use crate::api::types::{ErrorBody, SharePage, SharePermission, SharedEntry};
use crate::format::{date_time, human_size, percent_encode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn fetch_page(
    token: String,
    path: String,
) -> impl std::future::Future<Output = Result<SharePage, ErrorBody>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        let data = crate::ssr::page_data();
        let cookie = crate::ssr::request_cookie();
        let status = crate::ssr::page_status();
        async move {
            let page = data.0.share_page(cookie, token, path).await;
            if let (Err(error), Some(status)) = (&page, status) {
                (status.0)(status_of(&error.error.code));
            }
            page
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        super::from_api(format!(
            "/api/v1/s/{}?path={}",
            percent_encode(&token),
            percent_encode(&path)
        ))
    }
}

/// The HTTP status of a link page that could not be shown.
#[cfg(feature = "ssr")]
fn status_of(code: &str) -> u16 {
    match code {
        "link-expired" => 410,
        "link-not-found" | "not-found" => 404,
        "forbidden" => 403,
        "internal" => 500,
        _ => 400,
    }
}

/// The URL of a path inside a link: each name percent-encoded.
fn encoded_path(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(percent_encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// The page of a path inside a link.
fn page_url(token: &str, path: &str) -> String {
    let rest = encoded_path(path);
    if rest.is_empty() {
        format!("/s/{token}")
    } else {
        format!("/s/{token}/{rest}")
    }
}

/// The download of a path inside a link (a folder comes as a zip).
fn content_url(token: &str, path: &str) -> String {
    let rest = encoded_path(path);
    if rest.is_empty() {
        format!("/api/v1/s/{token}/content")
    } else {
        format!("/api/v1/s/{token}/content/{rest}")
    }
}

/// `/s/{token}` and `/s/{token}/*path`.
#[component]
pub fn ShareLinkPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let target = Memo::new(move |_| {
        let params = params.read();
        let token = params.get("token").unwrap_or_default();
        let path = params.get("path").unwrap_or_default();
        (token, format!("/{}", path.trim_matches('/')))
    });
    let error = query.read_untracked().get("error");
    let uploaded = query.read_untracked().get("uploaded");
    let page = Resource::new(
        move || target.get(),
        |(token, path)| fetch_page(token, path),
    );
    view! {
        <Title text="Shared with you · Cairn" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let error = error.clone();
                let uploaded = uploaded.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(page) if page.needs_password => {
                            view! { <PasswordForm token=page.token error /> }.into_any()
                        }
                        Ok(page) if page.permission == SharePermission::UploadOnly => {
                            view! { <FileRequest page error uploaded /> }.into_any()
                        }
                        Ok(page) => view! { <SharedView page /> }.into_any(),
                        Err(error) => view! { <LinkError error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn LinkError(error: ErrorBody) -> impl IntoView {
    let gone = matches!(error.error.code.as_str(), "link-not-found" | "link-expired");
    let title = if gone {
        "This link has expired or was removed"
    } else {
        "This page cannot be shown"
    };
    view! {
        <main class="centered" data-testid="link-error">
            <h1>{title}</h1>
            <p class="error" role="alert">{error.error.message}</p>
        </main>
    }
}

#[component]
fn PasswordForm(token: String, error: Option<String>) -> impl IntoView {
    view! {
        <main class="centered">
            <h1 class="brand">"Cairn"</h1>
            <p>"This shared link is protected by a password."</p>
            <form class="auth-form" method="post" action=format!("/s/{token}") data-testid="link-password-form">
                <label>
                    "Password"
                    <input type="password" name="password" required autocomplete="off" />
                </label>
                {error.map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <button type="submit">"Open"</button>
            </form>
        </main>
    }
}

#[component]
fn LinkHeader(page: SharePage) -> impl IntoView {
    let expiry = page
        .expires_at
        .map(|at| format!(" · available until {} UTC", date_time(at)));
    view! {
        <header class="topbar">
            <span class="brand">"Cairn"</span>
            <span class="hint">{format!("Shared by {}", page.owner)}{expiry}</span>
        </header>
    }
}

#[component]
fn LinkCrumbs(token: String, root_name: String, path: String) -> impl IntoView {
    let mut crumbs = vec![(root_name, "/".to_string())];
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
                            <a href=page_url(&token, &path)>{name}</a>
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
fn SharedView(page: SharePage) -> impl IntoView {
    let token = page.token.clone();
    let body = match page.file.clone() {
        Some(file) => view! { <SharedFile token=token.clone() file /> }.into_any(),
        None => {
            let zip = content_url(&token, &page.path);
            let rows = page
                .entries
                .iter()
                .cloned()
                .map(|entry| view! { <SharedRow token=token.clone() entry /> })
                .collect_view();
            let empty = page.entries.is_empty();
            view! {
                <div class="toolbar">
                    <LinkCrumbs token=token.clone() root_name=page.name.clone() path=page.path.clone() />
                    // `download` keeps the router from taking the click as navigation.
                    <a
                        class="button"
                        href=zip
                        download=format!("{}.zip", page.name)
                        rel="external"
                        data-testid="download-zip"
                    >
                        "Download all as zip"
                    </a>
                </div>
                {if empty {
                    view! { <p class="empty">"This folder is empty."</p> }.into_any()
                } else {
                    view! {
                        <table class="listing" data-testid="shared-listing">
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
            }
                .into_any()
        }
    };
    view! {
        <Title text=format!("{} · Shared with you · Cairn", page.name) />
        <LinkHeader page=page.clone() />
        <main class="files">{body}</main>
    }
}

#[component]
fn SharedRow(token: String, entry: SharedEntry) -> impl IntoView {
    let link = if entry.is_folder {
        view! { <a class="folder" href=page_url(&token, &entry.path)>{entry.name.clone()}</a> }
            .into_any()
    } else {
        let href = content_url(&token, &entry.path);
        let thumbnail = entry.is_image.then(|| {
            view! {
                <img
                    class="thumbnail"
                    src=format!("{href}?inline=1")
                    alt=""
                    loading="lazy"
                    width="48"
                    height="48"
                />
            }
        });
        view! {
            {thumbnail}
            <a class="file" href=href download=entry.name.clone()>{entry.name.clone()}</a>
        }
        .into_any()
    };
    view! {
        <tr data-testid="shared-entry" data-name=entry.name.clone()>
            <td>{link}</td>
            <td class="num">{if entry.is_folder { "—".to_string() } else { human_size(entry.size) }}</td>
            <td>{date_time(entry.modified_at)}</td>
        </tr>
    }
}

#[component]
fn SharedFile(token: String, file: SharedEntry) -> impl IntoView {
    let href = content_url(&token, &file.path);
    let preview = file.is_image.then(|| {
        view! { <img class="preview" src=format!("{href}?inline=1") alt=file.name.clone() /> }
    });
    view! {
        <section class="shared-file" data-testid="shared-file">
            <h1>{file.name.clone()}</h1>
            <p>{human_size(file.size)}" · modified "{date_time(file.modified_at)}</p>
            {preview}
            <p>
                <a class="button" href=href download=file.name.clone() data-testid="download-file">
                    "Download"
                </a>
            </p>
        </section>
    }
}

/// One upload through a file request, as the page lists it.
#[derive(Clone)]
struct SentFile {
    id: u64,
    name: String,
    progress: ArcRwSignal<UploadProgress>,
}

#[component]
fn FileRequest(page: SharePage, error: Option<String>, uploaded: Option<String>) -> impl IntoView {
    let token = page.token.clone();
    let sent = RwSignal::new(Vec::<SentFile>::new());
    let drag_over = RwSignal::new(false);
    let start = {
        let token = token.clone();
        move |files: Vec<SelectedFile>| start_uploads(&token, files, sent)
    };
    let on_drop = {
        let start = start.clone();
        move |event: leptos::ev::DragEvent| {
            event.prevent_default();
            drag_over.set(false);
            start(dropped_files(&event));
        }
    };
    let on_pick = move |event: leptos::ev::Event| start(picked_files(&event));
    let limit = human_size(page.max_form_upload_bytes);
    view! {
        <Title text=format!("Send files to {} · Cairn", page.owner) />
        <LinkHeader page=page.clone() />
        <main class="files file-request">
            <h1>{format!("{} asks you for files", page.owner)}</h1>
            <p>
                {format!("Files you send go to their folder “{}”. ", page.name)}
                "You will not see what is already there."
            </p>
            {uploaded.map(|name| view! {
                <p class="notice" role="status" data-testid="form-uploaded">
                    {format!("Received “{name}”. Thank you!")}
                </p>
            })}
            {error.map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <section
                class="drop-zone needs-js"
                class:drag-over=move || drag_over.get()
                data-testid="link-drop-zone"
                on:dragover=move |event: leptos::ev::DragEvent| {
                    event.prevent_default();
                    drag_over.set(true);
                }
                on:dragleave=move |_| drag_over.set(false)
                on:drop=on_drop
            >
                <p>"Drop files here, of any size, or"</p>
                <label class="button">
                    "Choose files"
                    <input
                        type="file"
                        multiple
                        class="visually-hidden"
                        data-testid="link-file-picker"
                        on:change=on_pick
                    />
                </label>
                <ul class="uploads" data-testid="link-uploads">
                    <For
                        each=move || sent.get()
                        key=|file| file.id
                        children=|file| view! { <SentLine file /> }
                    />
                </ul>
            </section>
            <form
                class="no-js-upload"
                method="post"
                enctype="multipart/form-data"
                action=format!("/s/{token}")
                data-testid="link-upload-form"
            >
                <label>
                    {format!("Send one file (up to {limit})")}
                    <input type="file" name="file" required />
                </label>
                <button type="submit">"Send"</button>
            </form>
        </main>
    }
}

#[component]
fn SentLine(file: SentFile) -> impl IntoView {
    let progress = file.progress;
    let status = {
        let progress = progress.clone();
        move || {
            let p = progress.get();
            match p.phase {
                UploadPhase::Queued => "waiting for its turn".to_string(),
                UploadPhase::Uploading | UploadPhase::Paused => match p.trouble {
                    Some(trouble) => trouble,
                    None => format!(
                        "read {} of {}, sent {}",
                        human_size(p.hashed),
                        human_size(p.total),
                        human_size(p.sent)
                    ),
                },
                UploadPhase::Done => "sent".to_string(),
                UploadPhase::Failed(message) => format!("failed: {message}"),
            }
        }
    };
    let state = move || match progress.get().phase {
        UploadPhase::Queued => "queued",
        UploadPhase::Uploading => "uploading",
        UploadPhase::Paused => "paused",
        UploadPhase::Done => "done",
        UploadPhase::Failed(_) => "failed",
    };
    view! {
        <li class="upload" data-testid="link-upload" data-name=file.name.clone() data-state=state>
            <span class="name">{file.name.clone()}</span>
            " "
            <span class="status">{status}</span>
        </li>
    }
}

/// A file chosen by the visitor, in whichever form this build can handle.
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
    input.set_value("");
    files
}

#[cfg(not(feature = "hydrate"))]
fn picked_files(_event: &leptos::ev::Event) -> Vec<SelectedFile> {
    Vec::new()
}

thread_local! {
    static NEXT_SENT_ID: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn start_uploads(token: &str, files: Vec<SelectedFile>, sent: RwSignal<Vec<SentFile>>) {
    #[cfg(feature = "hydrate")]
    for file in files {
        let id = NEXT_SENT_ID.with(|next| {
            let id = next.get();
            next.set(id + 1);
            id
        });
        let progress = ArcRwSignal::new(UploadProgress {
            total: file.size() as u64,
            ..UploadProgress::default()
        });
        sent.update(|rows| {
            rows.push(SentFile {
                id,
                name: file.name(),
                progress: progress.clone(),
            })
        });
        let api = format!("/api/v1/s/{}", percent_encode(token));
        leptos::task::spawn_local(async move {
            let path = format!("/{}", file.name());
            let result =
                crate::upload::upload_file_via(&api, id, file, path, None, progress.clone()).await;
            if let Err(crate::upload::UploadError::Failed(message)) = result {
                progress.update(|p| p.phase = UploadPhase::Failed(message));
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (token, files, sent);
}
