//! The chunking worker (`/chunk-worker.js`, running the `wasm-chunker` WASM build):
//! reads a `File` in large slices off the UI thread, cuts it into content-defined
//! chunks and hashes them, and reports them in batches as it goes, so sending can
//! start long before the whole file is hashed. It never hands file bytes back.

use super::plan::FoundChunk;
use crate::api::types::ServerConfig;
use futures::channel::mpsc;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::{File, MessageEvent, Worker, WorkerOptions, WorkerType};

/// What the worker says.
pub enum WorkerEvent {
    /// More chunks, in file order, and how many bytes are hashed so far.
    Chunks(Vec<FoundChunk>, u64),
    /// The last chunks and the file's content hash.
    Done(Vec<FoundChunk>, String),
    /// It could not read the file.
    Failed(String),
}

/// A running chunking worker; terminated when dropped.
pub struct ChunkWorker {
    worker: Worker,
    /// The worker's messages, in order.
    pub events: mpsc::UnboundedReceiver<JsValue>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl Drop for ChunkWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn read_chunks(array: &JsValue) -> Vec<FoundChunk> {
    let Some(array) = array.dyn_ref::<js_sys::Array>() else {
        return Vec::new();
    };
    array
        .iter()
        .map(|item| FoundChunk {
            offset: get(&item, "offset").as_f64().unwrap_or(0.0) as u64,
            len: get(&item, "len").as_f64().unwrap_or(0.0) as u64,
            hash: get(&item, "hash").as_string().unwrap_or_default(),
        })
        .collect()
}

/// Reads one message of the worker.
pub fn parse(message: &JsValue) -> WorkerEvent {
    match get(message, "type").as_string().as_deref() {
        Some("chunks") => WorkerEvent::Chunks(
            read_chunks(&get(message, "chunks")),
            get(message, "hashed").as_f64().unwrap_or(0.0) as u64,
        ),
        Some("done") => WorkerEvent::Done(
            read_chunks(&get(message, "chunks")),
            get(message, "contentHash").as_string().unwrap_or_default(),
        ),
        Some("error") => WorkerEvent::Failed(format!(
            "could not read the file: {}; check that it still exists and drop it again",
            get(message, "message")
                .as_string()
                .unwrap_or_else(|| "unknown error".into())
        )),
        _ => WorkerEvent::Failed(
            "the chunking worker failed to start; reload the page and try again".into(),
        ),
    }
}

/// Starts chunking `file` with the server's parameters.
pub fn start(file: &File, config: &ServerConfig) -> Result<ChunkWorker, String> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("/chunk-worker.js", &options)
        .map_err(|_| "this browser cannot start the chunking worker".to_string())?;
    let (sender, events) = mpsc::unbounded::<JsValue>();
    let on_message = {
        let sender = sender.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let _ = sender.unbounded_send(event.data());
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // A script that fails to load reports here; `parse` reads it as a failure.
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_event: JsValue| {
        let _ = sender.unbounded_send(JsValue::NULL);
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

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
    let running = ChunkWorker {
        worker,
        events,
        _on_message: on_message,
        _on_error: on_error,
    };
    running
        .worker
        .post_message(&request)
        .map_err(|_| "could not hand the file to the chunking worker".to_string())?;
    Ok(running)
}
