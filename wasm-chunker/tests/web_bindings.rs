//! The JavaScript interface, exercised in headless Chromium: what the chunking worker
//! receives must match the Rust chunker exactly.
#![cfg(all(target_arch = "wasm32", feature = "web"))]
#![allow(clippy::unwrap_used, missing_docs)]

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use wasm_chunker::{chunk_all, web::WebChunker, web::WebCutter, ChunkId, ChunkParams};

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

async fn webcrypto_sha256(data: &[u8]) -> Vec<u8> {
    let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
    let promise = subtle
        .digest_with_str_and_u8_array("SHA-256", data)
        .unwrap();
    js_sys::Uint8Array::new(&JsFuture::from(promise).await.unwrap()).to_vec()
}

#[wasm_bindgen_test]
async fn webcrypto_and_wasm_digests_agree() {
    for len in [0usize, 1, 63, 64, 65, 1000, 300_000] {
        let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        assert_eq!(
            webcrypto_sha256(&data).await,
            ChunkId::of(&data).0.to_vec(),
            "length {len}"
        );
    }
}

#[wasm_bindgen_test]
async fn cutter_boundaries_hashed_with_webcrypto_match_the_chunker() {
    let data: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_246_822_519) >> 11) as u8)
        .collect();
    let params = ChunkParams {
        min_size: 4096,
        avg_size: 16384,
        max_size: 65536,
        normalization: 1,
    };
    let (expected, _) = chunk_all(params, &data).unwrap();
    let mut cutter = WebCutter::new(4096, 16384, 65536, 1).unwrap();
    let mut found = Vec::new();
    for piece in data.chunks(70_000) {
        found.extend(cutter.push(piece).unwrap().iter());
    }
    found.extend(cutter.finish().unwrap().iter());
    assert_eq!(found.len(), expected.len());
    for (js, rust) in found.iter().zip(&expected) {
        let offset = field(js, "offset").as_f64().unwrap() as usize;
        let len = field(js, "len").as_f64().unwrap() as usize;
        assert_eq!((offset as u64, len as u32), (rust.offset, rust.len));
        let bytes = &data[offset..offset + len];
        assert_eq!(webcrypto_sha256(bytes).await, rust.id.0.to_vec());
    }
}
