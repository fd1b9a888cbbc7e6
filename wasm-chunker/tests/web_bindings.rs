//! The JavaScript interface, exercised in headless Chromium: what the chunking worker
//! receives must match the Rust chunker exactly.
#![cfg(all(target_arch = "wasm32", feature = "web"))]
#![allow(clippy::unwrap_used, missing_docs)]

use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_chunker::{chunk_all, web::WebChunker, ChunkParams};

wasm_bindgen_test_configure!(run_in_browser);

fn field(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &key.into()).unwrap()
}

#[wasm_bindgen_test]
fn bindings_report_the_same_chunks_as_rust() {
    let params = ChunkParams {
        min_size: 4096,
        avg_size: 16384,
        max_size: 65536,
        normalization: 1,
    };
    let data: Vec<u8> = (0..500_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let (expected, expected_hash) = chunk_all(params, &data).unwrap();

    let mut chunker = WebChunker::new(4096, 16384, 65536, 1).unwrap();
    let mut got = Vec::new();
    for piece in data.chunks(100_000) {
        got.extend(chunker.push(piece).unwrap().iter());
    }
    got.extend(chunker.finish().unwrap().iter());
    assert_eq!(got.len(), expected.len());
    for (js, rust) in got.iter().zip(&expected) {
        assert_eq!(field(js, "offset").as_f64().unwrap() as u64, rust.offset);
        assert_eq!(field(js, "len").as_f64().unwrap() as u32, rust.len);
        assert_eq!(field(js, "hash").as_string().unwrap(), rust.id.to_hex());
    }
    let hex: String = expected_hash.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(chunker.content_hash(), Some(hex));
    assert!(
        chunker.push(&[1, 2, 3]).is_err(),
        "push after finish is refused"
    );
}

#[wasm_bindgen_test]
fn invalid_parameters_throw() {
    assert!(WebChunker::new(1, 2, 3, 1).is_err());
}
