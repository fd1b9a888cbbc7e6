//! The JavaScript interface of the chunker, used by the browser's chunking Web Worker.
//!
//! It only converts between JavaScript values and [`crate::Chunker`]; it must never
//! grow logic of its own, or the browser and the server could cut different chunks.

use crate::{ChunkParams, ChunkRef, Chunker};
use wasm_bindgen::prelude::*;

/// A streaming chunker for JavaScript: `push(bytes)` returns the chunks completed so
/// far as an array of `{offset, len, hash}`; `finish()` returns the rest.
#[wasm_bindgen(js_name = Chunker)]
pub struct WebChunker {
    inner: Option<Chunker>,
    content_hash: Option<String>,
}

fn to_js(chunks: &[ChunkRef]) -> js_sys::Array {
    let array = js_sys::Array::new_with_length(chunks.len() as u32);
    for (i, chunk) in chunks.iter().enumerate() {
        let object = js_sys::Object::new();
        // Setting plain data properties on a fresh object cannot fail.
        let _ = js_sys::Reflect::set(&object, &"offset".into(), &(chunk.offset as f64).into());
        let _ = js_sys::Reflect::set(&object, &"len".into(), &chunk.len.into());
        let _ = js_sys::Reflect::set(&object, &"hash".into(), &chunk.id.to_hex().into());
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
        let params = ChunkParams {
            min_size,
            avg_size,
            max_size,
            normalization,
        };
        let inner = Chunker::new(params).map_err(|e| JsError::new(&e.to_string()))?;
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
