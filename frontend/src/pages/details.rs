//! `/details/{file_id}`: one file or folder, where it is, its size and age, a download
//! link, and for a file every version, each downloadable and restorable. Rendered on
//! the server with its data; "Restore" works once the page has hydrated.

use super::actions::{content_url, folder_label, parent_of, restore_version, Notice};
use super::chrome::{or_error_page, NoticeBar, Section, TopBar};
use crate::api::types::{ErrorBody, FileMeta, VersionMeta};
use crate::format::{date_time, folder_url, human_size, percent_encode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A file and its versions, newest first (none for a folder).
type Details = (FileMeta, Vec<VersionMeta>);

fn fetch_details(
    id: String,
) -> impl std::future::Future<Output = Result<Details, ErrorBody>> + Send + 'static {
    #[cfg(feature = "ssr")]
    {
        let data = crate::ssr::page_data();
        let cookie = crate::ssr::request_cookie();
        crate::ssr::with_error_status(async move { data.0.file_details(cookie, id).await })
    }
    #[cfg(not(feature = "ssr"))]
    {
        let file_url = format!("/api/v1/files/{}", percent_encode(&id));
        let versions_url = format!("/api/v1/files/{}/versions", percent_encode(&id));
        async move {
            let file: FileMeta = super::from_api(file_url).await?;
            let versions = if file.is_folder {
                Vec::new()
            } else {
                super::from_api::<crate::api::types::VersionList>(versions_url)
                    .await?
                    .versions
            };
            Ok((file, versions))
        }
    }
}

/// `/details/{file_id}`.
#[component]
pub fn DetailsPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let details = Resource::new(move || id.get(), fetch_details);
    let notice = RwSignal::new(None::<Notice>);
    let refresh = Callback::new(move |()| details.refetch());
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                or_error_page(
                    details.await,
                    |(file, versions)| {
                        view! { <DetailsView file versions notice refresh /> }.into_any()
                    },
                )
            })}
        </Transition>
    }
}

#[component]
fn DetailsView(
    file: FileMeta,
    versions: Vec<VersionMeta>,
    notice: RwSignal<Option<Notice>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let folder = parent_of(&file.path);
    let (download_label, download_name) = if file.is_folder {
        ("Download as zip", format!("{}.zip", file.name))
    } else {
        ("Download", file.name.clone())
    };
    let class = if file.is_folder { "folder" } else { "file" };
    let count = versions.len();
    let version_rows = versions
        .into_iter()
        .map(|version| view! { <VersionRow file=file.clone() version notice refresh /> })
        .collect_view();
    let versions_section = (!file.is_folder).then(|| {
        view! {
            <h2 class="section-title">"Versions"</h2>
            <p class="hint">
                "Every change keeps the version before it. Download any of them, or restore one to make it current again."
            </p>
            <table class="listing" data-testid="versions">
                <thead>
                    <tr>
                        <th scope="col">"Version"</th>
                        <th scope="col" class="col-modified">"Saved"</th>
                        <th scope="col" class="num">"Size"</th>
                        <th scope="col" class="col-where">"From"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{version_rows}</tbody>
            </table>
        }
    });
    view! {
        <Title text=format!("{} · Cairn", file.name) />
        <TopBar section=Section::Files />
        <main class="files details">
            <p class="back">
                <a href=folder_url(&folder)>
                    {format!("← Back to {}", folder.rsplit('/').next().filter(|name| !name.is_empty()).unwrap_or("Files"))}
                </a>
            </p>
            <div class="toolbar">
                <h1 class="page-title"><span class=class>{file.name.clone()}</span></h1>
                <a class="button" href=content_url(&file.id) download=download_name data-testid="details-download">
                    {download_label}
                </a>
            </div>
            <dl class="facts" data-testid="facts">
                <div><dt>"Location"</dt><dd><a href=folder_url(&folder)>{folder_label(&folder)}</a></dd></div>
                <div>
                    <dt>"Size"</dt>
                    <dd>{if file.is_folder { "—".to_string() } else { human_size(file.size) }}</dd>
                </div>
                <div><dt>"Modified"</dt><dd>{date_time(file.modified_at)}</dd></div>
                {(!file.is_folder).then(|| view! { <div><dt>"Versions"</dt><dd>{count}</dd></div> })}
            </dl>
            <NoticeBar notice />
            {versions_section}
        </main>
    }
    .into_any()
}

#[component]
fn VersionRow(
    file: FileMeta,
    version: VersionMeta,
    notice: RwSignal<Option<Notice>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let current = version.rev == file.rev;
    let rev = version.rev;
    let href = format!(
        "/api/v1/files/{}/versions/{rev}/content",
        percent_encode(&file.id)
    );
    let busy = RwSignal::new(false);
    let restore = {
        let id = file.id.clone();
        move |_| {
            busy.set(true);
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match restore_version(&id, rev).await {
                    Ok(restored) => {
                        refresh.run(());
                        notice.set(Some(Notice::info(format!(
                            "Restored version {rev} as version {}, the current one.",
                            restored.rev
                        ))));
                    }
                    Err(error) => {
                        busy.try_set(false);
                        notice.set(Some(Notice::error(format!(
                            "Could not restore version {rev}: {}",
                            error.error.message
                        ))));
                    }
                }
            });
        }
    };
    view! {
        <tr data-testid="version" data-rev=rev.to_string() data-current=current.to_string()>
            <td>
                {format!("Version {rev}")}
                {current.then(|| view! { <span class="tag">"current"</span> })}
            </td>
            <td class="col-modified">{date_time(version.created_at)}</td>
            <td class="num">{human_size(version.size)}</td>
            <td class="col-where">{version.device.clone().unwrap_or_else(|| "—".to_string())}</td>
            <td class="row-buttons">
                <a class="button secondary small" href=href download=file.name.clone() data-testid="version-download">
                    "Download"
                </a>
                {(!current).then(|| view! {
                    <button
                        type="button"
                        class="small"
                        data-testid="version-restore"
                        disabled=move || busy.get()
                        on:click=restore.clone()
                    >
                        "Restore"
                    </button>
                })}
            </td>
        </tr>
    }
}
