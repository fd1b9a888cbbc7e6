//! One file's upload in the browser: runs the chunking worker, sends the requests
//! the session's next step calls for, and tells the upload panel how it goes.
//! Browser glue only: every decision (what to announce or pack next, what an answer
//! changes, when to start over or stop) is asked of `session`, `plan` and
//! `outcome`; it never decides one itself.

use super::control::Control;
use super::device::device_name;
use super::net::{call, with_retry};
use super::outcome::{after_commit, after_step, announcement_failed, AfterCommit, Reaction};
use super::plan::{pack_path, pack_target, FoundChunk};
use super::rate::Rate;
use super::resume::{judge_saved, remembered, saved_record, SavedSession};
use super::retry::Failure;
use super::session::{upload_url, PackEffect, RunState, SessionState, Step};
use super::uploads::Slot;
use super::worker::{self, WorkerEvent};
use crate::api::types::{
    ChunksNeeded, ChunksStored, ServerConfig, UploadCommitted, UploadComplete, UploadInit,
    UploadInitResponse, UploadStatus,
};
use crate::pages::upload_panel::{UploadPhase, UploadProgress};
use futures::future::{poll_fn, LocalBoxFuture};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use leptos::prelude::*;
use std::rc::Rc;
use std::task::Poll;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File};

#[wasm_bindgen(module = "/src/upload/browser.js")]
extern "C" {
    #[wasm_bindgen(js_name = savedUpload)]
    fn saved_upload(key: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = saveUpload)]
    fn save_upload(key: &str, value: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = forgetUpload)]
    fn forget_upload(key: &str) -> js_sys::Promise;
}

/// The record kept in IndexedDB under `key`, if any.
pub async fn kept_record(key: &str) -> Option<String> {
    JsFuture::from(saved_upload(key))
        .await
        .ok()
        .and_then(|value| value.as_string())
}

/// Forgets the record kept under `key`.
pub async fn forget_record(key: &str) {
    let _ = JsFuture::from(forget_upload(key)).await;
}

fn spawn_forget(key: String) {
    leptos::task::spawn_local(async move { forget_record(&key).await });
}

/// A pack request's outcome; `generation` tells answers of an abandoned session apart.
struct PackOutcome {
    generation: u64,
    pack: Vec<usize>,
    result: Result<ChunksStored, Failure>,
}

fn json_body<T: serde::Serialize>(value: &T) -> Result<JsValue, Failure> {
    serde_json::to_string(value)
        .map(|json| JsValue::from_str(&json))
        .map_err(|e| Failure::Fatal(format!("cannot encode the request: {e}")))
}

/// Sends one request with retries; the JSON answer.
pub async fn request<T: serde::de::DeserializeOwned>(
    control: &Rc<Control>,
    progress: &ArcRwSignal<UploadProgress>,
    method: &'static str,
    url: String,
    body: Option<JsValue>,
) -> Result<T, Failure> {
    with_retry(control, progress, || {
        let control = Rc::clone(control);
        let url = url.clone();
        let body = body.clone();
        async move {
            let content_type = body.as_ref().map(|_| "application/json");
            call(&control, method, &url, body.as_ref(), content_type).await
        }
        .boxed_local()
    })
    .await
}

/// One file being uploaded.
pub struct Upload {
    /// Where the upload API is: `/api/v1`, or a file-request link's
    /// `/api/v1/s/{token}`.
    pub api: String,
    pub file: File,
    pub path: String,
    /// Where this browser keeps the session for resuming.
    pub key: String,
    /// The id and revision of the file of that name the page showed, if any.
    pub base: Option<(String, u64)>,
    pub config: ServerConfig,
    pub control: Rc<Control>,
    pub progress: ArcRwSignal<UploadProgress>,
    pub session: SessionState,
    pub rate: Rate,
    /// This file's turn among the files worked on at once; given up while paused.
    pub slot: Option<Slot>,
}

impl Upload {
    /// The URL of this session's `rest`.
    pub fn upload_url(&self, rest: &str) -> String {
        self.session.upload_url(&self.api, rest)
    }

    /// Forgets the session and everything the server said about it; the next
    /// step starts a new one and announces every chunk found so far again.
    fn start_over(&mut self) {
        if self.session.start_over() {
            spawn_forget(self.key.clone());
        }
        self.progress.update(|p| {
            p.sent = 0;
            p.skipped = 0;
            p.resumed = false;
        });
    }

    /// Moves on as a step's `reaction` says; the failure that ends the upload.
    fn react(&mut self, reaction: Reaction) -> Result<(), Failure> {
        match reaction {
            Reaction::Go => Ok(()),
            Reaction::StartOver => {
                self.start_over();
                Ok(())
            }
            Reaction::Stop(failure) => Err(failure),
        }
    }

    /// Counts `had` bytes as already on the server.
    fn skipped(&self, had: u64) {
        if had > 0 {
            self.progress.update(|p| p.skipped += had);
        }
    }

    /// Checks the session an earlier attempt saved: continues it if the server
    /// still has it for this file, else starts afresh.
    async fn check_saved(&mut self, upload_id: String) -> Result<(), Failure> {
        let url = upload_url(&self.api, &upload_id, "");
        let answer = request::<UploadStatus>(&self.control, &self.progress, "GET", url, None).await;
        match judge_saved(answer, self.file.size() as u64, &self.path) {
            SavedSession::Resume => {
                self.session.id = Some(upload_id);
                self.progress.update(|p| p.resumed = true);
                Ok(())
            }
            SavedSession::Discard => {
                spawn_forget(self.key.clone());
                Ok(())
            }
            SavedSession::Undecided(failure) => {
                self.session.saved = Some(upload_id);
                Err(failure)
            }
        }
    }

    /// Announces the chunks found since the last announcement (starting the
    /// session with the first ones).
    async fn announce(&mut self) -> Result<(), Failure> {
        let from = self.session.plan.announced();
        let to = self.session.plan.len();
        if let Some(upload_id) = self.session.saved.take() {
            self.check_saved(upload_id).await?;
        }
        if self.session.id.is_none() {
            let size = self.file.size() as u64;
            let init = UploadInit {
                path: self.path.clone(),
                size,
                parent_rev: self.base.as_ref().map(|(_, rev)| *rev),
                file_id: self.base.as_ref().map(|(id, _)| id.clone()),
                device: Some(device_name()),
                chunks: self.session.plan.init_chunks(),
            };
            let body = json_body(&init)?;
            let answer: UploadInitResponse = request(
                &self.control,
                &self.progress,
                "POST",
                format!("{}/files/upload/init", self.api),
                Some(body),
            )
            .await?;
            if remembered(size) {
                let record = saved_record(&answer.upload_id);
                let _ = JsFuture::from(save_upload(&self.key, &record)).await;
            }
            self.session.id = Some(answer.upload_id);
            let had = self.session.plan.apply_needed(&answer.chunks_needed, 0, to);
            self.skipped(had);
            return Ok(());
        }
        let body = json_body(&self.session.plan.announcement())?;
        let url = self.upload_url("/chunks");
        match request::<ChunksNeeded>(&self.control, &self.progress, "POST", url, Some(body)).await
        {
            Ok(answer) => {
                let plan = &mut self.session.plan;
                let had = plan.apply_chunks_needed(&answer.chunks_needed, from, to);
                self.skipped(had);
                Ok(())
            }
            Err(failure) => {
                let resumed = self.progress.with_untracked(|p| p.resumed);
                self.react(announcement_failed(failure, resumed))
            }
        }
    }

    /// Asks the server what it still lacks, after a pause or before committing
    /// again, and queues exactly that.
    async fn refresh_from_status(&mut self) -> Result<(), Failure> {
        let url = self.upload_url("");
        let status: UploadStatus = request(&self.control, &self.progress, "GET", url, None).await?;
        let sent = self.session.plan.apply_missing(&status.missing);
        if sent > 0 {
            self.progress.update(|p| p.sent += sent);
        }
        Ok(())
    }

    /// Sends one pack as a single `PUT`, its body slices of the file.
    fn send_pack(&mut self, pack: Vec<usize>) -> LocalBoxFuture<'static, PackOutcome> {
        if self.rate.is_empty() {
            let sent = self.progress.with_untracked(|p| p.sent);
            self.rate.record(js_sys::Date::now(), sent);
        }
        let parts = self.session.plan.parts(&pack);
        let url = self.upload_url(&pack_path(&pack));
        let file = self.file.clone();
        let control = Rc::clone(&self.control);
        let progress = self.progress.clone();
        let generation = self.session.generation;
        async move {
            let result = with_retry(&control, &progress, || {
                let body = pack_body(&file, &parts);
                let control = Rc::clone(&control);
                let url = url.clone();
                async move {
                    let body = body?;
                    call(
                        &control,
                        "PUT",
                        &url,
                        Some(&body),
                        Some("application/octet-stream"),
                    )
                    .await
                }
                .boxed_local()
            })
            .await;
            PackOutcome {
                generation,
                pack,
                result,
            }
        }
        .boxed_local()
    }

    /// Takes in a pack's outcome; an error that ends the upload.
    fn pack_done(&mut self, outcome: PackOutcome) -> Result<(), Failure> {
        let PackOutcome {
            generation,
            pack,
            result,
        } = outcome;
        match self.session.pack_done(generation, pack, result)? {
            PackEffect::Stale | PackEffect::Stored(0) => {}
            PackEffect::StartOver => self.start_over(),
            PackEffect::Stored(sent) => {
                let total = self.progress.with_untracked(|p| p.sent) + sent;
                let speed = self.rate.record(js_sys::Date::now(), total);
                self.progress.update(|p| {
                    p.sent = total;
                    p.speed = speed;
                });
            }
        }
        Ok(())
    }

    /// Commits the upload.
    async fn complete(&mut self) -> Result<UploadCommitted, Failure> {
        let body = json_body(&UploadComplete {
            content_hash: self.session.content_hash.clone().unwrap_or_default(),
            on_conflict: Default::default(),
        })?;
        let url = self.upload_url("/complete");
        request(&self.control, &self.progress, "POST", url, Some(body)).await
    }

    /// Waits while paused: lets aborted requests settle, then, once resumed, asks
    /// the server what it still lacks.
    async fn pause(
        &mut self,
        in_flight: &mut FuturesUnordered<LocalBoxFuture<'static, PackOutcome>>,
    ) -> Result<(), Failure> {
        self.progress.update(|p| {
            p.phase = UploadPhase::Paused;
            p.speed = 0.0;
            p.trouble = None;
        });
        while let Some(outcome) = in_flight.next().await {
            self.pack_done(outcome)?;
        }
        self.rate = Rate::default();
        // Files waiting their turn go ahead while this one is paused.
        self.slot = None;
        while self.control.state() == RunState::Paused {
            let _ = self.control.changed().await;
        }
        if self.control.state() == RunState::Cancelled {
            return Err(Failure::Aborted);
        }
        self.progress.update(|p| p.phase = UploadPhase::Queued);
        self.slot = Some(Slot::acquire().await);
        if self.control.state() == RunState::Cancelled {
            return Err(Failure::Aborted);
        }
        self.progress.update(|p| p.phase = UploadPhase::Uploading);
        if self.session.id.is_some() {
            let refreshed = self.refresh_from_status().await;
            self.react(after_step(refreshed))?;
        }
        Ok(())
    }

    /// Hashes, announces, sends and commits until the upload is committed or ends.
    pub async fn run(&mut self) -> Result<UploadCommitted, Failure> {
        let mut chunker = worker::start(&self.file, &self.config).map_err(Failure::Fatal)?;
        let mut hashing_done = false;
        let mut in_flight: FuturesUnordered<LocalBoxFuture<'static, PackOutcome>> =
            FuturesUnordered::new();
        let mut changed = self.control.changed();
        // Commits refused for missing chunks in a row: the server keeps losing them.
        let mut missing_rounds = 0;
        let target = pack_target(&self.config);
        self.progress.update(|p| p.phase = UploadPhase::Uploading);
        loop {
            match self.control.state() {
                RunState::Cancelled => return Err(Failure::Aborted),
                RunState::Paused => {
                    self.pause(&mut in_flight).await?;
                    changed = self.control.changed();
                    continue;
                }
                RunState::Running => {}
            }
            match self
                .session
                .next_step(in_flight.len(), hashing_done, target)
            {
                Step::Announce => {
                    let announced = self.announce().await;
                    self.react(after_step(announced))?;
                    continue;
                }
                Step::Commit => {
                    match after_commit(self.complete().await, missing_rounds) {
                        AfterCommit::Committed(committed) => return Ok(committed),
                        AfterCommit::Refresh => {
                            match after_step(self.refresh_from_status().await) {
                                Reaction::Go => missing_rounds += 1,
                                reaction => self.react(reaction)?,
                            }
                        }
                        AfterCommit::StartOver => self.start_over(),
                        AfterCommit::Go => {}
                        AfterCommit::Stop(failure) => return Err(failure),
                    }
                    continue;
                }
                Step::Send(packs) => {
                    for pack in packs {
                        in_flight.push(self.send_pack(pack));
                    }
                }
            }

            enum Event {
                Control,
                Worker(Option<JsValue>),
                Sent(PackOutcome),
            }
            let event = poll_fn(|cx| {
                if changed.poll_unpin(cx).is_ready() {
                    return Poll::Ready(Event::Control);
                }
                if !in_flight.is_empty() {
                    if let Poll::Ready(Some(outcome)) = in_flight.poll_next_unpin(cx) {
                        return Poll::Ready(Event::Sent(outcome));
                    }
                }
                if !hashing_done {
                    if let Poll::Ready(message) = chunker.events.poll_next_unpin(cx) {
                        return Poll::Ready(Event::Worker(message));
                    }
                }
                Poll::Pending
            })
            .await;
            match event {
                Event::Control => changed = self.control.changed(),
                Event::Sent(outcome) => self.pack_done(outcome)?,
                Event::Worker(None) => {
                    return Err(Failure::Fatal(
                        "the chunking worker stopped unexpectedly; reload the page and try again"
                            .into(),
                    ))
                }
                Event::Worker(Some(message)) => match worker::parse(&message) {
                    WorkerEvent::Chunks(found, hashed) => {
                        self.found(found);
                        self.progress.update(|p| p.hashed = hashed);
                    }
                    WorkerEvent::Done(found, content_hash) => {
                        self.found(found);
                        self.session.content_hash = Some(content_hash);
                        hashing_done = true;
                        let total = self.file.size() as u64;
                        self.progress.update(|p| p.hashed = total);
                    }
                    WorkerEvent::Failed(message) => return Err(Failure::Fatal(message)),
                },
            }
        }
    }

    fn found(&mut self, found: Vec<FoundChunk>) {
        self.session.plan.found(found);
    }
}

/// The body of a pack: the chunks' slices of the file, read by the browser as it
/// sends them.
fn pack_body(file: &File, parts: &[(u64, u64)]) -> Result<JsValue, Failure> {
    let slices = js_sys::Array::new();
    for &(offset, len) in parts {
        let slice = file
            .slice_with_f64_and_f64(offset as f64, (offset + len) as f64)
            .map_err(|_| Failure::Fatal("could not read a slice of the file".into()))?;
        slices.push(&slice);
    }
    Blob::new_with_blob_sequence(&slices)
        .map(JsValue::from)
        .map_err(|_| Failure::Fatal("could not assemble the request".into()))
}
