//! The JavaScript interface of the chunker, used by the browser's chunking Web Worker:
//! `Chunker` finds boundaries and hashes in WASM; `Cutter` only finds boundaries, for
//! callers that hash the bytes they hold with WebCrypto.
//!
//! It only converts between JavaScript values and [`crate::Chunker`]; it must never
//! grow logic of its own, or the browser and the server could cut different chunks.

use crate::{ChunkParams, ChunkRef, Chunker, Cutter};
use wasm_bindgen::prelude::*;

/// A streaming chunker for JavaScript: `push(bytes)` returns the chunks completed so
/// far as an array of `{offset, len, hash}`; `finish()` returns the rest.
#[wasm_bindgen(js_name = Chunker)]
pub struct WebChunker {
    inner: Option<Chunker>,
    content_hash: Option<String>,
}

fn params(min_size: u32, avg_size: u32, max_size: u32, normalization: u8) -> ChunkParams {
    ChunkParams {
        min_size,
        avg_size,
        max_size,
        normalization,
    }
}

fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    // Setting a data property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(object, &key.into(), value);
}

fn to_js(chunks: &[ChunkRef]) -> js_sys::Array {
    let array = js_sys::Array::new_with_length(chunks.len() as u32);
    for (i, chunk) in chunks.iter().enumerate() {
        let object = js_sys::Object::new();
        set(&object, "offset", &(chunk.offset as f64).into());
        set(&object, "len", &chunk.len.into());
        set(&object, "hash", &chunk.id.to_hex().into());
        array.set(i as u32, object.into());
    }
    array
}

#[wasm_bindgen(js_class = Chunker)]
impl WebChunker {
    /// A chunker for the server's parameters; throws when they are invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        min_size: u32,
        avg_size: u32,
        max_size: u32,
        normalization: u8,
    ) -> Result<WebChunker, JsError> {
        let inner = Chunker::new(params(min_size, avg_size, max_size, normalization))
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(WebChunker {
            inner: Some(inner),
            content_hash: None,
        })
    }

    /// Pushes the next bytes of the file; returns the chunks they completed.
    pub fn push(&mut self, data: &[u8]) -> Result<js_sys::Array, JsError> {
        let chunker = self
            .inner
            .as_mut()
            .ok_or_else(|| JsError::new("push after finish: create a new Chunker per file"))?;
        Ok(to_js(&chunker.push(data)))
    }

    /// Ends the file: returns the last chunks; `contentHash` is then available.
    pub fn finish(&mut self) -> Result<js_sys::Array, JsError> {
        let chunker = self
            .inner
            .take()
            .ok_or_else(|| JsError::new("finish called twice: create a new Chunker per file"))?;
        let (chunks, hash) = chunker.finish();
        self.content_hash = Some(hex::encode(hash));
        Ok(to_js(&chunks))
    }

    /// The file's content hash (hex), once `finish` has been called.
    #[wasm_bindgen(getter, js_name = contentHash)]
    pub fn content_hash(&self) -> Option<String> {
        self.content_hash.clone()
    }
}

/// A boundary finder for JavaScript: `push(bytes)` returns the chunks completed so far
/// as an array of `{offset, len}`; the caller, which still holds the bytes it pushed,
/// hashes them itself (with WebCrypto). `finish()` returns the rest.
#[wasm_bindgen(js_name = Cutter)]
pub struct WebCutter {
    inner: Option<Cutter>,
}

fn cut_chunk(out: &js_sys::Array) -> impl FnMut(u64, &[u8]) + '_ {
    move |offset, bytes| {
        let object = js_sys::Object::new();
        set(&object, "offset", &(offset as f64).into());
        set(&object, "len", &(bytes.len() as u32).into());
        out.push(&object);
    }
}

#[wasm_bindgen(js_class = Cutter)]
impl WebCutter {
    /// A boundary finder for the server's parameters; throws when they are invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        min_size: u32,
        avg_size: u32,
        max_size: u32,
        normalization: u8,
    ) -> Result<WebCutter, JsError> {
        let inner = Cutter::new(params(min_size, avg_size, max_size, normalization))
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(WebCutter { inner: Some(inner) })
    }

    /// Pushes the next bytes of the file; returns the chunks they completed.
    pub fn push(&mut self, data: &[u8]) -> Result<js_sys::Array, JsError> {
        let cutter = self
            .inner
            .as_mut()
            .ok_or_else(|| JsError::new("push after finish: create a new Cutter per file"))?;
        let out = js_sys::Array::new();
        cutter.push_with(data, cut_chunk(&out));
        Ok(out)
    }

    /// Ends the file: returns the last chunks.
    pub fn finish(&mut self) -> Result<js_sys::Array, JsError> {
        let cutter = self
            .inner
            .take()
            .ok_or_else(|| JsError::new("finish called twice: create a new Cutter per file"))?;
        let out = js_sys::Array::new();
        cutter.finish_with(cut_chunk(&out));
        Ok(out)
    }
}
