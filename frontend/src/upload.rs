//! Uploading one file from the browser (DESIGN §5).
//!
//! A Web Worker (`/chunk-worker.js`, running the `wasm-chunker` WASM build) reads the
//! `File` in large slices, cuts it into content-defined chunks and hashes them, off the
//! UI thread; several files are chunked at once, one worker each, up to the number of
//! cores. This module announces the chunks, sends the ones the server lacks packed
//! into requests of about `pack_target_bytes`, a few at once, and commits the file.
//! It never reads the file's bytes itself: packed bodies are `Blob` slices of the file.

use crate::api::client;
use crate::api::types::{
    ChunkAnnouncement, ChunksStored, ServerConfig, UploadCommitted, UploadComplete, UploadInit,
    UploadInitResponse,
};
use crate::format::percent_encode;
use crate::pages::files::{UploadPhase, UploadProgress};
use futures::{channel::mpsc, StreamExt};
use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::{Blob, File, MessageEvent, Worker, WorkerOptions, WorkerType};

/// Requests in flight at once for one file.
const PARALLEL_REQUESTS: usize = 3;

/// Files chunked at once: one worker each, as many as the device has cores (at least
/// one, at most four, so the page and the network keep some CPU).
fn chunking_slots() -> usize {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(1.0);
    (cores as usize).clamp(1, 4)
}

thread_local! {
    static SLOTS: std::cell::RefCell<SlotQueue> = std::cell::RefCell::new(SlotQueue::default());
}

/// Limits how many files are chunked at once; later files wait their turn in order.
#[derive(Default)]
struct SlotQueue {
    in_use: usize,
    waiting: std::collections::VecDeque<futures::channel::oneshot::Sender<()>>,
}

/// A chunking worker slot, released on drop.
struct Slot;

async fn acquire_slot() -> Slot {
    let waiter = SLOTS.with(|slots| {
        let mut slots = slots.borrow_mut();
        if slots.in_use < chunking_slots() {
            slots.in_use += 1;
            None
        } else {
            let (sender, receiver) = futures::channel::oneshot::channel();
            slots.waiting.push_back(sender);
            Some(receiver)
        }
    });
    if let Some(receiver) = waiter {
        // The slot is handed over by the releasing upload; a dropped sender only
        // happens on page unload.
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

/// One chunk as the worker reports it.
#[derive(Debug, Clone)]
struct FoundChunk {
    offset: u64,
    len: u64,
    hash: String,
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn read_chunks(array: &JsValue, out: &mut Vec<FoundChunk>) {
    let array: &js_sys::Array = match array.dyn_ref() {
        Some(array) => array,
        None => return,
    };
    for item in array.iter() {
        out.push(FoundChunk {
            offset: get(&item, "offset").as_f64().unwrap_or(0.0) as u64,
            len: get(&item, "len").as_f64().unwrap_or(0.0) as u64,
            hash: get(&item, "hash").as_string().unwrap_or_default(),
        });
    }
}

/// Chunks and hashes `file` in a worker; returns its chunks and content hash.
async fn chunk_in_worker(
    file: &File,
    config: &ServerConfig,
    progress: ArcRwSignal<UploadProgress>,
) -> Result<(Vec<FoundChunk>, String), String> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("/chunk-worker.js", &options)
        .map_err(|_| "this browser cannot start the chunking worker".to_string())?;
    let (sender, mut receiver) = mpsc::unbounded::<JsValue>();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let _ = sender.unbounded_send(event.data());
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));

    let request = js_sys::Object::new();
    let params = js_sys::Object::new();
    let chunking = config.chunking;
    for (key, value) in [
        ("min_size", chunking.min_size),
        ("avg_size", chunking.avg_size),
        ("max_size", chunking.max_size),
        ("normalization", u32::from(chunking.normalization)),
    ] {
        let _ = js_sys::Reflect::set(&params, &key.into(), &value.into());
    }
    let _ = js_sys::Reflect::set(&request, &"file".into(), file);
    let _ = js_sys::Reflect::set(&request, &"params".into(), &params);
    let result = match worker.post_message(&request) {
        Err(_) => Err("could not hand the file to the chunking worker".to_string()),
        Ok(()) => {
            let mut chunks = Vec::new();
            loop {
                let Some(message) = receiver.next().await else {
                    break Err("the chunking worker stopped unexpectedly".to_string());
                };
                match get(&message, "type").as_string().as_deref() {
                    Some("chunks") => {
                        read_chunks(&get(&message, "chunks"), &mut chunks);
                        let hashed = get(&message, "hashed").as_f64().unwrap_or(0.0) as u64;
                        progress.update(|p| p.hashed = hashed);
                    }
                    Some("done") => {
                        read_chunks(&get(&message, "chunks"), &mut chunks);
                        let hash = get(&message, "contentHash").as_string().unwrap_or_default();
                        break Ok((chunks, hash));
                    }
                    _ => {
                        let detail = get(&message, "message")
                            .as_string()
                            .unwrap_or_else(|| "unknown error".into());
                        break Err(format!("could not read the file: {detail}"));
                    }
                }
            }
        }
    };
    worker.terminate();
    drop(on_message);
    result
}

/// Groups the needed chunk indexes into packs of at most `target` bytes (a single
/// larger chunk forms a pack of its own).
fn packs(needed: &[u64], chunks: &[FoundChunk], target: u64) -> Vec<Vec<u64>> {
    let mut res: Vec<Vec<u64>> = Vec::new();
    let mut current = Vec::new();
    let mut current_bytes = 0;
    for &index in needed {
        let len = chunks.get(index as usize).map_or(0, |c| c.len);
        if !current.is_empty() && current_bytes + len > target {
            res.push(std::mem::take(&mut current));
            current_bytes = 0;
        }
        current.push(index);
        current_bytes += len;
    }
    if !current.is_empty() {
        res.push(current);
    }
    res
}

/// Sends one pack of chunks as a single `PUT`, its body the file's slices.
async fn send_pack(
    api: &str,
    file: &File,
    upload_id: &str,
    pack: &[u64],
    chunks: &[FoundChunk],
) -> Result<u64, String> {
    let parts = js_sys::Array::new();
    let mut bytes = 0;
    for &index in pack {
        let chunk = &chunks[index as usize];
        let slice = file
            .slice_with_f64_and_f64(chunk.offset as f64, (chunk.offset + chunk.len) as f64)
            .map_err(|_| "could not slice the file".to_string())?;
        parts.push(&slice);
        bytes += chunk.len;
    }
    let body: Blob = Blob::new_with_blob_sequence(&parts)
        .map_err(|_| "could not assemble the request".to_string())?;
    let indexes: Vec<String> = pack.iter().map(u64::to_string).collect();
    let url = format!(
        "{api}/files/upload/{}/chunks?indexes={}",
        percent_encode(upload_id),
        indexes.join(",")
    );
    let response = client::send("PUT", &url, Some(&body), Some("application/octet-stream"))
        .await
        .map_err(|e| e.error.message)?;
    let _: ChunksStored = client::decode(&url, response)
        .await
        .map_err(|e| e.error.message)?;
    Ok(bytes)
}

/// Where this browser keeps the name it gives its device (in `localStorage`).
const DEVICE_NAME_KEY: &str = "cairn.device";

/// This browser's name for its device, used in the names of conflicted copies: the
/// one the user set, else one made from the browser and system, such as
/// "Chromium on Linux".
pub fn device_name() -> String {
    let window = web_sys::window();
    if let Some(name) = window
        .as_ref()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|storage| storage.get_item(DEVICE_NAME_KEY).ok().flatten())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
    {
        return name;
    }
    let agent = window
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default();
    default_device_name(&agent)
}

/// Asks the user for a new name for this device (prefilled with `current`) and
/// keeps it in this browser; the name, if one was given.
pub fn ask_device_name(current: &str) -> Option<String> {
    let window = web_sys::window()?;
    let answer = window
        .prompt_with_message_and_default(
            "Name this device. Conflicted copies of files edited here carry its name.",
            current,
        )
        .ok()
        .flatten()?;
    let name = answer.trim().to_string();
    if name.is_empty() {
        return None;
    }
    let storage = window.local_storage().ok().flatten()?;
    storage.set_item(DEVICE_NAME_KEY, &name).ok()?;
    Some(name)
}

/// "<browser> on <system>" from a user agent string.
fn default_device_name(agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(token, _)| agent.contains(token))
    .map_or("A browser", |(_, name)| name);
    // Headless and Debian builds of Chromium say "Chrome" unless told otherwise.
    let browser = if browser == "Chrome" && agent.contains("HeadlessChrome") {
        "Chromium"
    } else {
        browser
    };
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(token, _)| agent.contains(token))
    .map_or("an unknown system", |(_, name)| name);
    format!("{browser} on {system}")
}

/// Uploads `file` into `folder`, updating `progress` as it goes. `base` is the id and
/// revision of the file of that name this page showed, if any: when that file has
/// changed since, or the name now holds another file, the server keeps both, saving
/// this upload as a conflicted copy.
pub async fn upload_file(
    file: File,
    folder: &str,
    base: Option<(String, u64)>,
    progress: ArcRwSignal<UploadProgress>,
) -> Result<UploadCommitted, String> {
    upload_file_via("/api/v1", file, folder, base, progress).await
}

/// [`upload_file`] through the API at `api`: `/api/v1` for the signed-in user, or
/// `/api/v1/s/{token}` for a file-request link, whose token is the credential and
/// whose paths are relative to the shared folder.
pub async fn upload_file_via(
    api: &str,
    file: File,
    folder: &str,
    base: Option<(String, u64)>,
    progress: ArcRwSignal<UploadProgress>,
) -> Result<UploadCommitted, String> {
    let config: ServerConfig = client::get_json(&format!("{api}/config"))
        .await
        .map_err(|e| e.error.message)?;
    let (chunks, content_hash) = {
        let _slot = acquire_slot().await;
        chunk_in_worker(&file, &config, progress.clone()).await?
    };

    let path = if folder.ends_with('/') {
        format!("{folder}{}", file.name())
    } else {
        format!("{folder}/{}", file.name())
    };
    let init = UploadInit {
        path,
        size: file.size() as u64,
        parent_rev: base.as_ref().map(|(_, rev)| *rev),
        file_id: base.map(|(id, _)| id),
        device: Some(device_name()),
        chunks: chunks
            .iter()
            .map(|c| ChunkAnnouncement {
                hash: c.hash.clone(),
                size: c.len,
            })
            .collect(),
    };
    let session: UploadInitResponse =
        client::send_json("POST", &format!("{api}/files/upload/init"), &init)
            .await
            .map_err(|e| e.error.message)?;
    let needed_bytes: u64 = session
        .chunks_needed
        .iter()
        .filter_map(|&i| chunks.get(i as usize))
        .map(|c| c.len)
        .sum();
    progress.update(|p| {
        p.phase = UploadPhase::Sending;
        p.skipped = p.total.saturating_sub(needed_bytes);
    });

    let packs = packs(&session.chunks_needed, &chunks, config.pack_target_bytes);
    let mut sends = futures::stream::iter(
        packs
            .iter()
            .map(|pack| send_pack(api, &file, &session.upload_id, pack, &chunks)),
    )
    .buffer_unordered(PARALLEL_REQUESTS);
    while let Some(sent) = sends.next().await {
        let sent = sent?;
        progress.update(|p| p.sent += sent);
    }

    let url = format!(
        "{api}/files/upload/{}/complete",
        percent_encode(&session.upload_id)
    );
    let committed: UploadCommitted = client::send_json(
        "POST",
        &url,
        &UploadComplete {
            content_hash,
            on_conflict: Default::default(),
        },
    )
    .await
    .map_err(|e| e.error.message)?;
    progress.update(|p| {
        p.phase = UploadPhase::Done;
        if committed.conflict {
            p.conflict_copy = Some(committed.file.name.clone());
        }
    });
    Ok(committed)
}
