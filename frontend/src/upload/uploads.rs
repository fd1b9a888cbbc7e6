//! The uploads of one page: each file waits its turn among those worked on at once,
//! the server's upload limits are fetched once for all, and an ended upload is
//! cleaned up (its kept record, its session on the server). Browser glue only:
//! `slots`, `resume` and `outcome` decide; this module holds the page's state and
//! waits.

use super::control::{self, Control};
use super::net::{call, with_retry};
use super::outcome::{cleanup, upload_error, UploadError};
use super::rate::Rate;
use super::resume::{read_saved_record, remembered, resume_key};
use super::retry::Failure;
use super::session::{RunState, SessionState};
use super::slots::{file_slots, SlotQueue};
use super::transfer::{forget_record, kept_record, Upload};
use crate::api::types::{ServerConfig, UploadCommitted};
use crate::pages::upload_panel::{UploadPhase, UploadProgress};
use futures::channel::oneshot;
use futures::FutureExt;
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::File;

thread_local! {
    static CONFIG: RefCell<Option<ServerConfig>> = const { RefCell::new(None) };
    static SLOTS: RefCell<SlotQueue<oneshot::Sender<()>>> = RefCell::new(SlotQueue::default());
}

/// Files worked on at once on this device.
fn device_file_slots() -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(1.0);
    file_slots(cores)
}

/// A file's turn among the files worked on at once, released on drop.
pub struct Slot;

impl Slot {
    /// Waits for a turn; later files wait behind earlier ones.
    pub async fn acquire() -> Slot {
        let waiter = SLOTS.with(|slots| {
            let mut receiver = None;
            slots.borrow_mut().acquire(device_file_slots(), || {
                let (sender, waiting) = oneshot::channel();
                receiver = Some(waiting);
                sender
            });
            receiver
        });
        if let Some(receiver) = waiter {
            // The slot is handed over by the releasing upload.
            let _ = receiver.await;
        }
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        SLOTS.with(|slots| slots.borrow_mut().release(|next| next.send(()).is_ok()));
    }
}

async fn server_config(
    control: &Rc<Control>,
    progress: &ArcRwSignal<UploadProgress>,
) -> Result<ServerConfig, Failure> {
    if let Some(config) = CONFIG.with(|c| c.borrow().clone()) {
        return Ok(config);
    }
    let config: ServerConfig = with_retry(control, progress, || {
        let control = Rc::clone(control);
        async move { call(&control, "GET", "/api/v1/config", None, None).await }.boxed_local()
    })
    .await?;
    CONFIG.with(|c| *c.borrow_mut() = Some(config.clone()));
    Ok(config)
}

/// Uploads `file` to `path`, updating `progress` as it goes; `id` is its panel
/// row, through which the user pauses, resumes or cancels it. `base` is the id and
/// revision of the file of that name the page showed, if any: when that file has
/// changed since, or the name now holds another file, the server keeps both,
/// saving this upload as a conflicted copy.
pub async fn upload_file(
    id: u64,
    file: File,
    path: String,
    base: Option<(String, u64)>,
    progress: ArcRwSignal<UploadProgress>,
) -> Result<UploadCommitted, UploadError> {
    upload_file_via("/api/v1", id, file, path, base, progress).await
}

/// [`upload_file`] through the API at `api`: `/api/v1` for the signed-in user, or
/// `/api/v1/s/{token}` for a file-request link, whose token is the credential and
/// whose paths are relative to the shared folder.
pub async fn upload_file_via(
    api: &str,
    id: u64,
    file: File,
    path: String,
    base: Option<(String, u64)>,
    progress: ArcRwSignal<UploadProgress>,
) -> Result<UploadCommitted, UploadError> {
    let control = control::register(id);
    let result = upload_with(&control, api, file, path, base, progress.clone()).await;
    control::forget(id);
    match result {
        Ok(committed) => {
            progress.update(|p| {
                p.phase = UploadPhase::Done;
                p.trouble = None;
                p.speed = 0.0;
                if committed.conflict {
                    p.conflict_copy = Some(committed.file.name.clone());
                }
            });
            Ok(committed)
        }
        Err(failure) => Err(upload_error(
            failure,
            control.state() == RunState::Cancelled,
        )),
    }
}

async fn upload_with(
    control: &Rc<Control>,
    api: &str,
    file: File,
    path: String,
    base: Option<(String, u64)>,
    progress: ArcRwSignal<UploadProgress>,
) -> Result<UploadCommitted, Failure> {
    let size = file.size() as u64;
    let key = resume_key(api, &path, size, file.last_modified() as u64);
    let remembered = remembered(size);
    let saved = if remembered {
        kept_record(&key)
            .await
            .and_then(|record| read_saved_record(&record))
    } else {
        None
    };
    let slot = Slot::acquire().await;
    if control.state() == RunState::Cancelled {
        return Err(Failure::Aborted);
    }
    let config = loop {
        match server_config(control, &progress).await {
            Err(Failure::Aborted) if control.state() == RunState::Paused => {
                let _ = control.changed().await;
            }
            other => break other?,
        }
    };
    let mut upload = Upload {
        api: api.to_string(),
        file,
        path,
        key: key.clone(),
        base,
        config,
        control: Rc::clone(control),
        progress,
        session: SessionState::new(saved),
        rate: Rate::default(),
        slot: Some(slot),
    };
    let result = upload.run().await;
    let cancelled = result.is_err() && control.state() == RunState::Cancelled;
    let session_open = upload.session.id.is_some();
    let cleanup = cleanup(remembered, result.is_ok(), cancelled, session_open);
    if cleanup.forget_record {
        forget_record(&key).await;
    }
    if cleanup.delete_session {
        // Tell the server to let go of what it received; should this fail, the
        // session expires by itself.
        let url = upload.upload_url("");
        let _ = crate::api::client::send("DELETE", &url, None, None).await;
    }
    result
}
