//! The upload panel of the file browser: what was dropped or picked (files, whole
//! folder trees), each file's progress, speed, time left and what was skipped as
//! already stored, the totals, and pause, resume and cancel per file and for all.
//!
//! The uploads themselves run in the browser (`crate::upload`); the server renders
//! no rows.

use crate::format::human_size;
use leptos::prelude::*;

/// Where one upload stands, as the upload panel shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UploadProgress {
    /// File size in bytes.
    pub total: u64,
    /// Bytes chunked and hashed so far.
    pub hashed: u64,
    /// Chunk bytes this page sent and the server stored.
    pub sent: u64,
    /// Bytes the server already had, so they were not sent.
    pub skipped: u64,
    /// Whether this continues an upload started before (another page load, or a
    /// lost session): then `skipped` counts what was already on the server.
    pub resumed: bool,
    /// Recent send rate, bytes per second.
    pub speed: f64,
    /// What is happening now.
    pub phase: UploadPhase,
    /// A transient trouble being waited out (offline, server busy), for the user.
    pub trouble: Option<String>,
    /// When the file had changed elsewhere since this page showed it: the name of
    /// the conflicted copy this upload was saved as, beside it.
    pub conflict_copy: Option<String>,
}

impl UploadProgress {
    /// Bytes the server has: sent, or already there.
    fn done_bytes(&self) -> u64 {
        match self.phase {
            UploadPhase::Done => self.total,
            _ => (self.sent + self.skipped).min(self.total),
        }
    }

    fn is_active(&self) -> bool {
        matches!(self.phase, UploadPhase::Queued | UploadPhase::Uploading)
    }
}

/// The phases of one upload. Only the browser moves an upload along; the server
/// renders none.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Default)]
pub enum UploadPhase {
    /// Waiting for its turn.
    #[default]
    Queued,
    /// Hashing and sending what the server lacks (both at once).
    Uploading,
    /// Paused by the user; nothing is sent.
    Paused,
    /// Committed.
    Done,
    /// Stopped by an error, with a message for the user.
    Failed(String),
}

/// One row of the upload panel.
#[derive(Debug, Clone)]
pub struct UploadRow {
    /// Sequence number, unique on this page.
    pub id: u64,
    /// Path relative to the folder it was dropped on.
    pub name: String,
    /// Progress, updated as the upload runs. Reference-counted rather than owned by
    /// a component, since the listing (and the component that started the upload)
    /// re-renders while the upload goes on.
    pub progress: ArcRwSignal<UploadProgress>,
}

/// Where dropped or picked files go, and what to tell when they arrive. Only the
/// browser uploads; the server build never reads it.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone)]
pub struct UploadTarget {
    /// The folder shown, e.g. `/Documents`.
    pub folder: String,
    /// The id and revision this page shows of the file of a name, if any: an
    /// upload of the same name edits it.
    pub shown: Callback<String, Option<(String, u64)>>,
    /// The panel's rows.
    pub uploads: RwSignal<Vec<UploadRow>>,
    /// Reloads the listing.
    pub refresh: Callback<()>,
}

impl UploadTarget {
    /// Uploads what a drop on the page carries (files and whole folders).
    pub fn drop_files(&self, event: &leptos::ev::DragEvent) {
        #[cfg(feature = "hydrate")]
        {
            let selection = crate::upload::dropped(event);
            let target = self.clone();
            leptos::task::spawn_local(async move { target.start(selection.await).await });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    }

    /// Uploads what a file or folder picker holds, then empties it so the same
    /// files can be picked again.
    pub fn pick_files(&self, event: &leptos::ev::Event) {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let selection = crate::upload::picked(&input);
            input.set_value("");
            let target = self.clone();
            leptos::task::spawn_local(async move { target.start(selection).await });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    }

    #[cfg(feature = "hydrate")]
    async fn start(self, selection: crate::upload::Selection) {
        let crate::upload::Selection { files, mut folders } = selection;
        let mut started = Vec::new();
        for (file, relative) in files {
            let id = next_upload_id();
            let progress = ArcRwSignal::new(UploadProgress {
                total: file.size() as u64,
                ..UploadProgress::default()
            });
            self.uploads.update(|rows| {
                rows.push(UploadRow {
                    id,
                    name: relative.clone(),
                    progress: progress.clone(),
                })
            });
            started.push((id, file, relative, progress));
        }
        // Folders first, parents before children, so empty ones exist too and no two
        // uploads race to create the same parent.
        for (_, _, relative, _) in &started {
            let mut parent = relative.as_str();
            while let Some((up, _)) = parent.rsplit_once('/') {
                folders.push(up.to_string());
                parent = up;
            }
        }
        folders.sort_by_key(|f| (f.matches('/').count(), f.clone()));
        folders.dedup();
        for folder in folders {
            let path = join(&self.folder, &folder);
            let answer: Result<crate::api::types::FileMeta, _> = crate::api::client::send_json(
                "POST",
                "/api/v1/folders",
                &crate::api::types::NewFolder { path },
            )
            .await;
            let refused = answer
                .err()
                .filter(|error| error.error.code != "already-exists");
            if let Some(error) = refused {
                let progress = ArcRwSignal::new(UploadProgress {
                    phase: UploadPhase::Failed(format!(
                        "could not create the folder: {}",
                        error.error.message
                    )),
                    ..UploadProgress::default()
                });
                self.uploads.update(|rows| {
                    rows.push(UploadRow {
                        id: next_upload_id(),
                        name: format!("{folder}/"),
                        progress,
                    })
                });
            }
        }
        if !started.is_empty() {
            self.refresh.run(());
        }
        for (id, file, relative, progress) in started {
            let base = if relative.contains('/') {
                None
            } else {
                self.shown.run(relative.clone())
            };
            let path = join(&self.folder, &relative);
            let refresh = self.refresh;
            leptos::task::spawn_local(async move {
                let top_level = !relative.contains('/');
                match crate::upload::upload_file(id, file, path, base, progress.clone()).await {
                    // Files deeper down show in the listing through their folder (and
                    // the live change stream refreshes it anyway).
                    Ok(_) if top_level => refresh.run(()),
                    Ok(_) => {}
                    Err(crate::upload::UploadError::Cancelled) => {}
                    Err(crate::upload::UploadError::Failed(message)) => progress.update(|p| {
                        p.phase = UploadPhase::Failed(message);
                        p.speed = 0.0;
                        p.trouble = None;
                    }),
                }
            });
        }
    }
}

/// `folder` + `relative`, with one `/` between.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn join(folder: &str, relative: &str) -> String {
    format!(
        "{}/{}",
        folder.trim_end_matches('/'),
        relative.trim_start_matches('/')
    )
}

thread_local! {
    static NEXT_UPLOAD_ID: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn next_upload_id() -> u64 {
    NEXT_UPLOAD_ID.with(|next| {
        let id = next.get();
        next.set(id + 1);
        id
    })
}

/// Tells upload `id` to pause, resume or stop; the UI follows at once.
fn command(row: &UploadRow, what: Command) {
    #[cfg(feature = "hydrate")]
    {
        use crate::upload::{set_state, RunState};
        match what {
            Command::Pause => set_state(row.id, RunState::Paused),
            Command::Resume => set_state(row.id, RunState::Running),
            Command::Cancel => set_state(row.id, RunState::Cancelled),
        }
    }
    row.progress.update(|p| match what {
        Command::Pause if p.is_active() => {
            p.phase = UploadPhase::Paused;
            p.speed = 0.0;
        }
        Command::Resume if p.phase == UploadPhase::Paused => {
            p.phase = if p.hashed == 0 && p.sent == 0 {
                UploadPhase::Queued
            } else {
                UploadPhase::Uploading
            };
        }
        _ => {}
    });
}

#[derive(Clone, Copy, PartialEq)]
enum Command {
    Pause,
    Resume,
    Cancel,
}

/// "45 s", "3 min", "1 h 5 min".
fn human_duration(seconds: f64) -> String {
    let seconds = seconds.max(0.0).ceil() as u64;
    if seconds < 60 {
        format!("{seconds} s")
    } else if seconds < 3600 {
        format!("{} min", seconds.div_ceil(60))
    } else {
        format!("{} h {} min", seconds / 3600, (seconds % 3600) / 60)
    }
}

/// "85 MB/s · 12 s left", when there is a rate to tell.
fn speed_and_time_left(speed: f64, remaining: u64) -> Option<String> {
    (speed >= 1.0).then(|| {
        format!(
            "{}/s · {} left",
            human_size(speed as u64),
            human_duration(remaining as f64 / speed)
        )
    })
}

/// The panel: totals and buttons for all, then a line per upload.
#[component]
pub fn UploadPanel(uploads: RwSignal<Vec<UploadRow>>) -> impl IntoView {
    let summary = move || {
        let rows = uploads.get();
        let (mut total, mut done, mut speed, mut finished) = (0u64, 0u64, 0f64, 0usize);
        for row in &rows {
            let p = row.progress.get();
            total += p.total;
            done += p.done_bytes();
            speed += p.speed;
            finished += usize::from(p.phase == UploadPhase::Done);
        }
        let mut text = format!(
            "{finished} of {} done · {} of {}",
            rows.len(),
            human_size(done),
            human_size(total)
        );
        if let Some(rate) = speed_and_time_left(speed, total.saturating_sub(done)) {
            text.push_str(" · ");
            text.push_str(&rate);
        }
        text
    };
    let all = move |what: Command| {
        for row in uploads.get_untracked() {
            let phase = row.progress.with_untracked(|p| p.phase.clone());
            let applies = match what {
                Command::Pause => matches!(phase, UploadPhase::Queued | UploadPhase::Uploading),
                Command::Resume => phase == UploadPhase::Paused,
                Command::Cancel => !matches!(phase, UploadPhase::Done | UploadPhase::Failed(_)),
            };
            if applies {
                command(&row, what);
            }
        }
        if what == Command::Cancel {
            uploads.update(|rows| {
                rows.retain(|row| {
                    row.progress.with_untracked(|p| {
                        matches!(p.phase, UploadPhase::Done | UploadPhase::Failed(_))
                    })
                })
            });
        }
    };
    let any = move |test: fn(&UploadPhase) -> bool| {
        uploads
            .read()
            .iter()
            .any(|row| test(&row.progress.read().phase))
    };
    let clear_finished = move |_| {
        uploads.update(|rows| {
            rows.retain(|row| {
                row.progress.with_untracked(|p| {
                    !matches!(p.phase, UploadPhase::Done | UploadPhase::Failed(_))
                })
            })
        })
    };
    view! {
        <Show when=move || !uploads.read().is_empty()>
            <section class="uploads" aria-label="Uploads" data-testid="upload-panel">
                <div class="uploads-summary">
                    <span data-testid="upload-summary">{summary}</span>
                    <span class="actions">
                        <Show when=move || any(|p| matches!(p, UploadPhase::Queued | UploadPhase::Uploading))>
                            <button type="button" class="link" data-testid="upload-pause-all" on:click=move |_| all(Command::Pause)>"Pause all"</button>
                        </Show>
                        <Show when=move || any(|p| *p == UploadPhase::Paused)>
                            <button type="button" class="link" data-testid="upload-resume-all" on:click=move |_| all(Command::Resume)>"Resume all"</button>
                        </Show>
                        <Show when=move || any(|p| !matches!(p, UploadPhase::Done | UploadPhase::Failed(_)))>
                            <button type="button" class="link" data-testid="upload-cancel-all" on:click=move |_| all(Command::Cancel)>"Cancel all"</button>
                        </Show>
                        <Show when=move || any(|p| matches!(p, UploadPhase::Done | UploadPhase::Failed(_)))>
                            <button type="button" class="link" data-testid="upload-clear" on:click=clear_finished>"Clear finished"</button>
                        </Show>
                    </span>
                </div>
                <For
                    each=move || uploads.get()
                    key=|row| row.id
                    children=move |row| view! { <UploadLine row uploads /> }
                />
            </section>
        </Show>
    }
}

fn status_text(p: &UploadProgress) -> String {
    let already = if p.resumed {
        format!("Resumed: {} already on the server", human_size(p.skipped))
    } else {
        format!("{} already stored, not sent", human_size(p.skipped))
    };
    match &p.phase {
        UploadPhase::Queued => "waiting to start".to_string(),
        UploadPhase::Uploading => {
            let mut parts = Vec::new();
            if p.resumed || p.skipped > 0 {
                parts.push(already);
            }
            if let Some(trouble) = &p.trouble {
                parts.push(trouble.clone());
            } else {
                parts.push(format!(
                    "{} of {}",
                    human_size(p.done_bytes()),
                    human_size(p.total)
                ));
                if p.hashed < p.total {
                    parts.push(format!(
                        "reading {:.0}%",
                        100.0 * p.hashed as f64 / p.total.max(1) as f64
                    ));
                }
                parts.extend(speed_and_time_left(
                    p.speed,
                    p.total.saturating_sub(p.done_bytes()),
                ));
            }
            parts.join(" · ")
        }
        UploadPhase::Paused => format!(
            "paused at {} of {}",
            human_size(p.done_bytes()),
            human_size(p.total)
        ),
        UploadPhase::Done if p.conflict_copy.is_some() => format!(
            "the file changed on another device meanwhile; both are kept, yours as “{}”",
            p.conflict_copy.clone().unwrap_or_default()
        ),
        UploadPhase::Done if p.resumed || p.skipped > 0 => format!("done, {already}"),
        UploadPhase::Done => "done".to_string(),
        UploadPhase::Failed(message) => format!("failed: {message}"),
    }
}

#[component]
fn UploadLine(row: UploadRow, uploads: RwSignal<Vec<UploadRow>>) -> impl IntoView {
    let progress = row.progress.clone();
    let status = {
        let progress = progress.clone();
        move || status_text(&progress.read())
    };
    let state = {
        let progress = progress.clone();
        move || {
            let p = progress.read();
            match p.phase {
                UploadPhase::Queued => "queued",
                UploadPhase::Uploading if p.trouble.is_some() => "waiting",
                UploadPhase::Uploading => "uploading",
                UploadPhase::Paused => "paused",
                UploadPhase::Done => "done",
                UploadPhase::Failed(_) => "failed",
            }
        }
    };
    let phase = {
        let progress = progress.clone();
        Memo::new(move |_| progress.read().phase.clone())
    };
    let conflict = {
        let progress = progress.clone();
        move || progress.read().conflict_copy.clone()
    };
    let sent = {
        let progress = progress.clone();
        move || progress.read().sent.to_string()
    };
    let skipped = {
        let progress = progress.clone();
        move || progress.read().skipped.to_string()
    };
    let fraction = move || {
        let p = progress.read();
        if p.total == 0 {
            return if p.phase == UploadPhase::Done {
                1.0
            } else {
                0.0
            };
        }
        p.done_bytes() as f64 / p.total as f64
    };
    let (pause_row, resume_row, cancel_row) = (row.clone(), row.clone(), row.clone());
    let cancel = move |_| {
        command(&cancel_row, Command::Cancel);
        uploads.update(|rows| rows.retain(|r| r.id != cancel_row.id));
    };
    let name = row.name.clone();
    view! {
        <div
            class="upload"
            data-testid="upload"
            data-name=row.name.clone()
            data-state=state
            data-sent=sent
            data-skipped=skipped
            data-conflict=conflict
        >
            <span class="name" title=row.name.clone()>{row.name.clone()}</span>
            <progress max="1" value=fraction></progress>
            <span class="status" data-testid="upload-status" role="status">{status}</span>
            <span class="actions">
                <Show when=move || matches!(phase.get(), UploadPhase::Queued | UploadPhase::Uploading)>
                    <button type="button" class="link" data-testid="upload-pause" aria-label=format!("Pause {name}")
                        on:click={ let row = pause_row.clone(); move |_| command(&row, Command::Pause) }>"Pause"</button>
                </Show>
                <Show when=move || phase.get() == UploadPhase::Paused>
                    <button type="button" class="link" data-testid="upload-resume"
                        on:click={ let row = resume_row.clone(); move |_| command(&row, Command::Resume) }>"Resume"</button>
                </Show>
                <Show when=move || !matches!(phase.get(), UploadPhase::Done | UploadPhase::Failed(_))>
                    <button type="button" class="link" data-testid="upload-cancel" on:click=cancel.clone()>"Cancel"</button>
                </Show>
            </span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_says_them() {
        assert_eq!(human_duration(0.2), "1 s");
        assert_eq!(human_duration(59.0), "59 s");
        assert_eq!(human_duration(61.0), "2 min");
        assert_eq!(human_duration(3_900.0), "1 h 5 min");
    }

    #[test]
    fn relative_paths_join_the_folder_they_were_dropped_on() {
        assert_eq!(join("/", "a.txt"), "/a.txt");
        assert_eq!(
            join("/Documents", "Photos/b.jpg"),
            "/Documents/Photos/b.jpg"
        );
        assert_eq!(join("/Documents/", "c"), "/Documents/c");
    }

    #[test]
    fn the_status_says_what_was_skipped_and_why() {
        let mut progress = UploadProgress {
            total: 1_000_000_000,
            sent: 100_000_000,
            skipped: 612_000_000,
            resumed: true,
            speed: 50_000_000.0,
            phase: UploadPhase::Uploading,
            hashed: 1_000_000_000,
            ..UploadProgress::default()
        };
        assert_eq!(
            status_text(&progress),
            "Resumed: 612 MB already on the server · 712 MB of 1.0 GB · 50 MB/s · 6 s left"
        );
        progress.trouble = Some("offline: waiting for the network to come back".into());
        assert_eq!(
            status_text(&progress),
            "Resumed: 612 MB already on the server · offline: waiting for the network to come back"
        );
        progress.phase = UploadPhase::Done;
        progress.resumed = false;
        assert_eq!(
            status_text(&progress),
            "done, 612 MB already stored, not sent"
        );
        progress.phase = UploadPhase::Failed("quota full".into());
        assert_eq!(status_text(&progress), "failed: quota full");
    }
}
