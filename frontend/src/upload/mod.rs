//! Uploading files from the browser (DESIGN §4–§5): pipelined, resumable, and never
//! failed by a transient error.
//!
//! Per file, a Web Worker (`worker`) chunks and hashes the `File` and reports its
//! chunks in batches; this module announces each batch (`init`, then
//! `POST …/chunks`) while the worker goes on, and sends the chunks the server lacks
//! packed into requests of about `pack_target_bytes`, a few at once, so sending
//! starts long before hashing ends. Pack bodies are `Blob` slices of the file: the
//! page never holds the file's bytes, whatever its size. Failed requests are retried
//! with back-off (`net`); pause and cancel abort what is in flight (`control`).
//!
//! An unfinished upload's session id is kept in IndexedDB under the file's name,
//! size, modification time and target path, so dropping or picking the same file
//! again after a reload, a closed tab or a lost network continues that session: the
//! server answers which chunks it still lacks, and only those are sent.

mod control;
mod device;
mod net;
mod worker;

pub use control::RunState;
pub use device::{ask_device_name, device_name};

use crate::api::types::{
    AnnounceChunks, ChunkAnnouncement, ChunksNeeded, ChunksStored, IndexedChunk, ServerConfig,
    UploadCommitted, UploadComplete, UploadInit, UploadInitResponse, UploadStatus,
};
use crate::format::percent_encode;
use crate::pages::upload_panel::{UploadPhase, UploadProgress};
use control::Control;
use futures::future::{poll_fn, LocalBoxFuture};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use leptos::prelude::*;
use net::{call, with_retry, Failure};
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::rc::Rc;
use std::task::Poll;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File};
use worker::{FoundChunk, WorkerEvent};

#[wasm_bindgen(module = "/src/upload/browser.js")]
extern "C" {
    #[wasm_bindgen(js_name = collectDrop)]
    fn collect_drop(data_transfer: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = collectPicked)]
    fn collect_picked(input: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = savedUpload)]
    fn saved_upload(key: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = saveUpload)]
    fn save_upload(key: &str, value: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = forgetUpload)]
    fn forget_upload(key: &str) -> js_sys::Promise;
}

/// Requests in flight at once for one file.
const PARALLEL_REQUESTS: usize = 3;

/// Chunks found but not yet announced that make the next announcement due even
/// while requests keep the connection busy.
const ANNOUNCE_BATCH: usize = 64;

/// What the user chose: files with their paths relative to the folder they were
/// dropped on (`a.txt`, `Photos/2024/b.jpg`), and every folder of a dropped tree
/// (so empty ones are created too).
#[derive(Default)]
pub struct Selection {
    /// Each file and its relative path.
    pub files: Vec<(File, String)>,
    /// Relative paths of the folders, parents before children.
    pub folders: Vec<String>,
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn selection_of(value: &JsValue) -> Selection {
    let mut selection = Selection::default();
    if let Some(files) = get(value, "files").dyn_ref::<js_sys::Array>() {
        for item in files.iter() {
            let (Ok(file), Some(path)) = (
                get(&item, "file").dyn_into::<File>(),
                get(&item, "path").as_string(),
            ) else {
                continue;
            };
            selection.files.push((file, path));
        }
    }
    if let Some(folders) = get(value, "folders").dyn_ref::<js_sys::Array>() {
        selection.folders = folders.iter().filter_map(|f| f.as_string()).collect();
    }
    selection
}

/// What a drop carries, folder trees walked to the last file. Call it from the drop
/// handler itself: the browser empties the drop's data once the handler returns.
pub fn dropped(event: &web_sys::DragEvent) -> impl std::future::Future<Output = Selection> {
    let promise = event
        .data_transfer()
        .map(|transfer| collect_drop(&transfer));
    async move {
        match promise {
            Some(promise) => match JsFuture::from(promise).await {
                Ok(value) => selection_of(&value),
                Err(_) => Selection::default(),
            },
            None => Selection::default(),
        }
    }
}

/// What a file or folder picker holds, with paths inside a picked folder.
pub fn picked(input: &web_sys::HtmlInputElement) -> Selection {
    selection_of(&collect_picked(input))
}

/// Pauses, resumes or cancels upload `id` (the panel row's id).
pub fn set_state(id: u64, state: RunState) {
    control::set(id, state);
}

thread_local! {
    static CONFIG: RefCell<Option<ServerConfig>> = const { RefCell::new(None) };
}

/// Files worked on at once: as many as the device has cores, at least four (small
/// files wait on round trips more than on the CPU) and at most six (the connections
/// a browser opens to one server).
fn file_slots() -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(1.0);
    (cores as usize).clamp(4, 6)
}

/// Files smaller than this are not remembered for resuming: they go in one request
/// or two, and an interrupted one is simply sent again.
const REMEMBER_FROM_BYTES: u64 = 16 * 1024 * 1024;

thread_local! {
    static SLOTS: RefCell<SlotQueue> = RefCell::new(SlotQueue::default());
}

/// Limits how many files are worked on at once; later files wait their turn.
#[derive(Default)]
struct SlotQueue {
    in_use: usize,
    waiting: VecDeque<futures::channel::oneshot::Sender<()>>,
}

/// A slot, released on drop.
struct Slot;

async fn acquire_slot() -> Slot {
    let waiter = SLOTS.with(|slots| {
        let mut slots = slots.borrow_mut();
        if slots.in_use < file_slots() {
            slots.in_use += 1;
            None
        } else {
            let (sender, receiver) = futures::channel::oneshot::channel();
            slots.waiting.push_back(sender);
            Some(receiver)
        }
    });
    if let Some(receiver) = waiter {
        // The slot is handed over by the releasing upload.
        let _ = receiver.await;
    }
    Slot
}

impl Drop for Slot {
    fn drop(&mut self) {
        SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            while let Some(next) = slots.waiting.pop_front() {
                if next.send(()).is_ok() {
                    return;
                }
            }
            slots.in_use = slots.in_use.saturating_sub(1);
        });
    }
}

/// How an upload ended other than committed.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadError {
    /// The user cancelled it.
    Cancelled,
    /// It cannot go on; the message says why and what to do.
    Failed(String),
}

/// Where one chunk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Hashed, not yet announced.
    Found,
    /// The server needs it; waiting to be sent.
    Needed,
    /// In a request on the wire.
    InFlight,
    /// Sent and stored by this page.
    Sent,
    /// The server had it already (stored before, or sent by an earlier attempt).
    Had,
}

struct Chunk {
    found: FoundChunk,
    state: ChunkState,
}

/// A pack request's outcome; `generation` tells answers of an abandoned session apart.
struct PackOutcome {
    generation: u64,
    pack: Vec<usize>,
    result: Result<ChunksStored, Failure>,
}

/// The recent send rate, over the last few seconds.
#[derive(Default)]
struct Rate {
    samples: VecDeque<(f64, u64)>,
}

impl Rate {
    /// Records that `sent` bytes were sent by now; the rate in bytes per second.
    fn record(&mut self, sent: u64) -> f64 {
        let now = js_sys::Date::now();
        self.samples.push_back((now, sent));
        while self.samples.len() > 2 && self.samples[1].0 < now - 5000.0 {
            self.samples.pop_front();
        }
        match (self.samples.front(), self.samples.back()) {
            (Some(&(t0, s0)), Some(&(t1, s1))) if t1 > t0 => (s1 - s0) as f64 * 1000.0 / (t1 - t0),
            _ => 0.0,
        }
    }
}

struct Upload {
    /// Where the upload API is: `/api/v1`, or a file-request link's
    /// `/api/v1/s/{token}`.
    api: String,
    file: File,
    path: String,
    key: String,
    base: Option<(String, u64)>,
    config: ServerConfig,
    control: Rc<Control>,
    progress: ArcRwSignal<UploadProgress>,
    chunks: Vec<Chunk>,
    /// Chunks `0..announced` are announced to the session.
    announced: usize,
    /// Needed chunks waiting to be sent, in file order.
    queue: VecDeque<usize>,
    session: Option<String>,
    /// A session saved by an earlier attempt, not yet checked.
    saved: Option<String>,
    generation: u64,
    content_hash: Option<String>,
    rate: Rate,
    /// This file's turn among the files worked on at once; given up while paused.
    slot: Option<Slot>,
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

fn json_body<T: serde::Serialize>(value: &T) -> Result<JsValue, Failure> {
    serde_json::to_string(value)
        .map(|json| JsValue::from_str(&json))
        .map_err(|e| Failure::Fatal(format!("cannot encode the request: {e}")))
}

/// Sends one request with retries; the JSON answer.
async fn request<T: serde::de::DeserializeOwned>(
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

impl Upload {
    fn upload_url(&self, rest: &str) -> String {
        format!(
            "{}/files/upload/{}{rest}",
            self.api,
            percent_encode(self.session.as_deref().unwrap_or_default())
        )
    }

    /// Forgets the session and everything the server said about it; the next
    /// step starts a new one and announces every chunk found so far again.
    fn start_over(&mut self) {
        if self.session.take().is_some() {
            spawn_forget(self.key.clone());
        }
        self.saved = None;
        self.generation += 1;
        self.announced = 0;
        self.queue.clear();
        for chunk in &mut self.chunks {
            chunk.state = ChunkState::Found;
        }
        self.progress.update(|p| {
            p.sent = 0;
            p.skipped = 0;
            p.resumed = false;
        });
    }

    /// Checks the session an earlier attempt saved: continues it if the server
    /// still has it for this file, else starts afresh.
    async fn check_saved(&mut self, upload_id: String) -> Result<(), Failure> {
        let url = format!("{}/files/upload/{}", self.api, percent_encode(&upload_id));
        match request::<UploadStatus>(&self.control, &self.progress, "GET", url, None).await {
            Ok(status) if status.size == self.file.size() as u64 && status.path == self.path => {
                self.session = Some(upload_id);
                self.progress.update(|p| p.resumed = true);
                Ok(())
            }
            Ok(_) | Err(Failure::SessionGone) | Err(Failure::Fatal(_)) => {
                spawn_forget(self.key.clone());
                Ok(())
            }
            Err(other) => {
                self.saved = Some(upload_id);
                Err(other)
            }
        }
    }

    /// Marks chunks `from..to`, just announced, as needed or already stored.
    fn apply_needed(&mut self, needed: &[u64], from: usize, to: usize) {
        let needed: HashSet<u64> = needed.iter().copied().collect();
        let mut had = 0;
        for index in from..to {
            let chunk = &mut self.chunks[index];
            if needed.contains(&(index as u64)) {
                chunk.state = ChunkState::Needed;
                self.queue.push_back(index);
            } else {
                chunk.state = ChunkState::Had;
                had += chunk.found.len;
            }
        }
        self.announced = to;
        if had > 0 {
            self.progress.update(|p| p.skipped += had);
        }
    }

    /// Announces the chunks found since the last announcement (starting the
    /// session with the first ones).
    async fn announce(&mut self) -> Result<(), Failure> {
        let from = self.announced;
        let to = self.chunks.len();
        if let Some(upload_id) = self.saved.take() {
            self.check_saved(upload_id).await?;
        }
        if self.session.is_none() {
            let init = UploadInit {
                path: self.path.clone(),
                size: self.file.size() as u64,
                parent_rev: self.base.as_ref().map(|(_, rev)| *rev),
                file_id: self.base.as_ref().map(|(id, _)| id.clone()),
                device: Some(device_name()),
                chunks: self.chunks[..to]
                    .iter()
                    .map(|c| ChunkAnnouncement {
                        hash: c.found.hash.clone(),
                        size: c.found.len,
                    })
                    .collect(),
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
            if self.file.size() as u64 >= REMEMBER_FROM_BYTES {
                let saved = serde_json::json!({ "upload_id": answer.upload_id }).to_string();
                let _ = JsFuture::from(save_upload(&self.key, &saved)).await;
            }
            self.session = Some(answer.upload_id);
            self.apply_needed(&answer.chunks_needed, 0, to);
            return Ok(());
        }
        let announcement = AnnounceChunks {
            chunks: (from..to)
                .map(|index| IndexedChunk {
                    index: index as u64,
                    hash: self.chunks[index].found.hash.clone(),
                    size: self.chunks[index].found.len,
                })
                .collect(),
        };
        let body = json_body(&announcement)?;
        let url = self.upload_url("/chunks");
        match request::<ChunksNeeded>(&self.control, &self.progress, "POST", url, Some(body)).await
        {
            Ok(answer) => {
                // The answer lists every announced chunk still needed; those announced
                // before are already queued, sent or on their way.
                let fresh: Vec<u64> = answer
                    .chunks_needed
                    .into_iter()
                    .filter(|&i| (i as usize) >= from)
                    .collect();
                self.apply_needed(&fresh, from, to);
                Ok(())
            }
            // A resumed session that disagrees with this file's chunks: the file is
            // not the one it was started for after all.
            Err(Failure::Fatal(_)) if self.progress.with_untracked(|p| p.resumed) => {
                self.start_over();
                Ok(())
            }
            Err(other) => Err(other),
        }
    }

    /// Asks the server what it still lacks, after a pause or before committing
    /// again, and queues exactly that.
    async fn refresh_from_status(&mut self) -> Result<(), Failure> {
        let url = self.upload_url("");
        let status: UploadStatus = request(&self.control, &self.progress, "GET", url, None).await?;
        let missing: HashSet<u64> = status.missing.into_iter().collect();
        let mut sent = 0;
        self.queue.clear();
        for (index, chunk) in self.chunks[..self.announced].iter_mut().enumerate() {
            let lacking = missing.contains(&(index as u64));
            match chunk.state {
                ChunkState::Needed | ChunkState::InFlight if !lacking => {
                    chunk.state = ChunkState::Sent;
                    sent += chunk.found.len;
                }
                _ if lacking => {
                    chunk.state = ChunkState::Needed;
                    self.queue.push_back(index);
                }
                _ => {}
            }
        }
        if sent > 0 {
            self.progress.update(|p| p.sent += sent);
        }
        Ok(())
    }

    /// The size to aim for per request.
    fn pack_target(&self) -> u64 {
        self.config
            .pack_target_bytes
            .min(self.config.max_request_bytes)
    }

    /// Bytes of needed chunks waiting to be sent.
    fn queued_bytes(&self) -> u64 {
        self.queue.iter().map(|&i| self.chunks[i].found.len).sum()
    }

    /// Takes the next pack of needed chunks, of about `pack_target_bytes`; a
    /// smaller one only when `partial_ok`.
    fn next_pack(&mut self, partial_ok: bool) -> Option<Vec<usize>> {
        let target = self.pack_target();
        let mut queued = 0;
        for &index in &self.queue {
            queued += self.chunks[index].found.len;
            if queued >= target {
                break;
            }
        }
        if self.queue.is_empty() || (!partial_ok && queued < target) {
            return None;
        }
        let mut pack = Vec::new();
        let mut bytes = 0;
        while let Some(&index) = self.queue.front() {
            let len = self.chunks[index].found.len;
            if !pack.is_empty() && bytes + len > target {
                break;
            }
            self.queue.pop_front();
            self.chunks[index].state = ChunkState::InFlight;
            pack.push(index);
            bytes += len;
        }
        Some(pack)
    }

    /// Sends one pack as a single `PUT`, its body slices of the file.
    fn send_pack(&mut self, pack: Vec<usize>) -> LocalBoxFuture<'static, PackOutcome> {
        if self.rate.samples.is_empty() {
            let sent = self.progress.with_untracked(|p| p.sent);
            self.rate.record(sent);
        }
        let parts: Vec<(u64, u64)> = pack
            .iter()
            .map(|&i| (self.chunks[i].found.offset, self.chunks[i].found.len))
            .collect();
        let indexes: Vec<String> = pack.iter().map(usize::to_string).collect();
        let url = self.upload_url(&format!("/chunks?indexes={}", indexes.join(",")));
        let file = self.file.clone();
        let control = Rc::clone(&self.control);
        let progress = self.progress.clone();
        let generation = self.generation;
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
        if outcome.generation != self.generation {
            return Ok(());
        }
        let stored: HashSet<u64> = match outcome.result {
            Ok(answer) => answer.stored.into_iter().collect(),
            Err(Failure::Aborted) => HashSet::new(),
            Err(Failure::SessionGone) => {
                self.start_over();
                return Ok(());
            }
            Err(other) => return Err(other),
        };
        let mut sent = 0;
        let mut back = Vec::new();
        for index in outcome.pack {
            let chunk = &mut self.chunks[index];
            if stored.contains(&(index as u64)) {
                chunk.state = ChunkState::Sent;
                sent += chunk.found.len;
            } else {
                chunk.state = ChunkState::Needed;
                back.push(index);
            }
        }
        for index in back.into_iter().rev() {
            self.queue.push_front(index);
        }
        if sent > 0 {
            let total = self.progress.with_untracked(|p| p.sent) + sent;
            let speed = self.rate.record(total);
            self.progress.update(|p| {
                p.sent = total;
                p.speed = speed;
            });
        }
        Ok(())
    }

    /// Commits the upload.
    async fn complete(&mut self) -> Result<UploadCommitted, Failure> {
        let body = json_body(&UploadComplete {
            content_hash: self.content_hash.clone().unwrap_or_default(),
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
        self.slot = Some(acquire_slot().await);
        if self.control.state() == RunState::Cancelled {
            return Err(Failure::Aborted);
        }
        self.progress.update(|p| p.phase = UploadPhase::Uploading);
        if self.session.is_some() {
            match self.refresh_from_status().await {
                Ok(()) | Err(Failure::Aborted) => {}
                Err(Failure::SessionGone) => self.start_over(),
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    async fn run(&mut self) -> Result<UploadCommitted, Failure> {
        let mut chunker = worker::start(&self.file, &self.config).map_err(Failure::Fatal)?;
        let mut hashing_done = false;
        let mut in_flight: FuturesUnordered<LocalBoxFuture<'static, PackOutcome>> =
            FuturesUnordered::new();
        let mut changed = self.control.changed();
        // Commits refused for missing chunks in a row: the server keeps losing them.
        let mut missing_rounds = 0;
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
            // Announce early enough that the queue never runs dry, in batches large
            // enough that announcing costs little.
            let unannounced = self.chunks.len() - self.announced;
            let idle = in_flight.is_empty() && self.queue.is_empty();
            let starting = self.session.is_none() && (unannounced > 0 || hashing_done);
            let running_low =
                self.queued_bytes() < 2 * self.pack_target() && unannounced >= ANNOUNCE_BATCH / 4;
            if starting
                || (unannounced > 0
                    && (hashing_done || idle || running_low || unannounced >= ANNOUNCE_BATCH))
            {
                match self.announce().await {
                    Ok(()) | Err(Failure::Aborted) => {}
                    Err(Failure::SessionGone) => self.start_over(),
                    Err(other) => return Err(other),
                }
                continue;
            }
            let all_announced = hashing_done && self.announced == self.chunks.len();
            while in_flight.len() < PARALLEL_REQUESTS {
                let partial_ok = all_announced || in_flight.is_empty();
                match self.next_pack(partial_ok) {
                    Some(pack) => in_flight.push(self.send_pack(pack)),
                    None => break,
                }
            }
            if all_announced && in_flight.is_empty() && self.queue.is_empty() {
                match self.complete().await {
                    Ok(committed) => return Ok(committed),
                    Err(Failure::ChunksMissing) if missing_rounds >= 3 => {
                        return Err(Failure::Fatal(
                            "the server keeps losing chunks of this upload; try again later".into(),
                        ))
                    }
                    Err(Failure::ChunksMissing) => match self.refresh_from_status().await {
                        Ok(()) | Err(Failure::Aborted) => missing_rounds += 1,
                        Err(Failure::SessionGone) => self.start_over(),
                        Err(other) => return Err(other),
                    },
                    Err(Failure::SessionGone) => self.start_over(),
                    Err(Failure::Aborted) => {}
                    Err(other) => return Err(other),
                }
                continue;
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
                        self.content_hash = Some(content_hash);
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
        self.chunks.extend(found.into_iter().map(|found| Chunk {
            found,
            state: ChunkState::Found,
        }));
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

fn spawn_forget(key: String) {
    leptos::task::spawn_local(async move {
        let _ = JsFuture::from(forget_upload(&key)).await;
    });
}

/// Where this browser keeps an unfinished upload of `file` to `path`.
fn resume_key(api: &str, file: &File, path: &str) -> String {
    format!(
        "{api}{path}\u{0}{}\u{0}{}",
        file.size() as u64,
        file.last_modified() as u64
    )
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
        Err(_) if control.state() == RunState::Cancelled => Err(UploadError::Cancelled),
        Err(Failure::Fatal(message)) | Err(Failure::Transient(message)) => {
            Err(UploadError::Failed(message))
        }
        Err(other) => Err(UploadError::Failed(format!(
            "the upload stopped ({other:?}); drop the file again to resume it"
        ))),
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
    let key = resume_key(api, &file, &path);
    let remembered = file.size() as u64 >= REMEMBER_FROM_BYTES;
    let saved = if remembered {
        JsFuture::from(saved_upload(&key))
            .await
            .ok()
            .and_then(|value| value.as_string())
            .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
            .and_then(|value| value.get("upload_id")?.as_str().map(str::to_string))
    } else {
        None
    };
    let slot = acquire_slot().await;
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
        chunks: Vec::new(),
        announced: 0,
        queue: VecDeque::new(),
        session: None,
        saved,
        generation: 0,
        content_hash: None,
        rate: Rate::default(),
        slot: Some(slot),
    };
    let result = upload.run().await;
    let cancelled = result.is_err() && control.state() == RunState::Cancelled;
    if remembered && (result.is_ok() || cancelled) {
        let _ = JsFuture::from(forget_upload(&key)).await;
    }
    if cancelled && upload.session.is_some() {
        // Tell the server to let go of what it received; should this fail, the
        // session expires by itself.
        let url = upload.upload_url("");
        let _ = crate::api::client::send("DELETE", &url, None, None).await;
    }
    result
}
