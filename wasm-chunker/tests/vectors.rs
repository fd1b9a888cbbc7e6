//! Shared test vectors: the same inputs must give the same boundaries and digests
//! natively and in the browser (this file also runs under wasm-bindgen-test in
//! headless Chromium). `UPDATE_EXPECT=1 cargo test -p wasm-chunker` rewrites
//! `vectors.json` from the native results.
#![allow(clippy::unwrap_used, missing_docs)]

use serde::{Deserialize, Serialize};
use wasm_chunker::{chunk_all, ChunkParams, Chunker};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Vector {
    input: String,
    len: usize,
    params: ChunkParams,
    /// (offset, length, sha256) per chunk.
    chunks: Vec<(u64, u32, String)>,
    content_hash: String,
}

/// Deterministic inputs: xorshift64 bytes from a fixed seed, zeros, a short pattern.
fn input(kind: &str, len: usize) -> Vec<u8> {
    match kind {
        "random" => {
            let mut state = 0x9E37_79B9_7F4A_7C15u64;
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 32) as u8
                })
                .collect()
        }
        "zeros" => vec![0; len],
        "pattern" => b"cairn!".iter().copied().cycle().take(len).collect(),
        other => panic!("unknown input kind {other}"),
    }
}

fn small() -> ChunkParams {
    ChunkParams {
        min_size: 4096,
        avg_size: 16384,
        max_size: 65536,
        normalization: 1,
    }
}

fn cases() -> Vec<(&'static str, usize, ChunkParams)> {
    let p = ChunkParams::default();
    let (min, avg, max) = (
        p.min_size as usize,
        p.avg_size as usize,
        p.max_size as usize,
    );
    let mut res = Vec::new();
    for len in [0, 1, min - 1, min, avg, max, max + 1, 3 * max + 12345] {
        res.push(("random", len, p));
    }
    res.push(("random", 100 * 1024 * 1024, p));
    for len in [0, 1, min, max + 1, 2 * max + 7] {
        res.push(("zeros", len, p));
        res.push(("pattern", len, p));
    }
    res.push(("random", 1_000_000, small()));
    res
}

fn compute(kind: &str, len: usize, params: ChunkParams) -> Vector {
    let data = input(kind, len);
    let (chunks, hash) = chunk_all(params, &data).unwrap();
    Vector {
        input: kind.to_string(),
        len,
        params,
        chunks: chunks
            .iter()
            .map(|c| (c.offset, c.len, c.id.to_hex()))
            .collect(),
        content_hash: hash.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

fn expected() -> Vec<Vector> {
    serde_json::from_str(include_str!("vectors.json")).unwrap()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn vectors_match() {
    let computed: Vec<Vector> = cases()
        .into_iter()
        .map(|(kind, len, params)| compute(kind, len, params))
        .collect();
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors.json");
        std::fs::write(
            path,
            serde_json::to_string_pretty(&computed).unwrap() + "\n",
        )
        .unwrap();
        return;
    }
    assert_eq!(computed, expected());
}

/// Boundaries must be exactly those of `fastcdc::v2020::FastCDC` over the whole input.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn vectors_have_fastcdc_boundaries() {
    for vector in expected() {
        let data = input(&vector.input, vector.len);
        let p = vector.params;
        let reference: Vec<(u64, u32)> = fastcdc::v2020::FastCDC::new(
            &data,
            p.min_size as usize,
            p.avg_size as usize,
            p.max_size as usize,
        )
        .map(|c| (c.offset as u64, c.length as u32))
        .collect();
        let ours: Vec<(u64, u32)> = vector.chunks.iter().map(|c| (c.0, c.1)).collect();
        assert_eq!(ours, reference, "{} of {} bytes", vector.input, vector.len);
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn piece_sizes_do_not_change_vectors() {
    let vector = expected()
        .into_iter()
        .find(|v| v.len == 3 * 4 * 1024 * 1024 + 12345)
        .unwrap();
    let data = input(&vector.input, vector.len);
    for piece in [1usize, 7, 65536, 16 << 20] {
        let mut chunker = Chunker::new(vector.params).unwrap();
        let mut chunks = Vec::new();
        for part in data.chunks(piece) {
            chunks.extend(chunker.push(part));
        }
        let (rest, _) = chunker.finish();
        chunks.extend(rest);
        let got: Vec<(u64, u32, String)> = chunks
            .iter()
            .map(|c| (c.offset, c.len, c.id.to_hex()))
            .collect();
        assert_eq!(got, vector.chunks, "piece size {piece}");
    }
}

/// Random data cut at random split points agrees with one-shot chunking: a seeded,
/// reproducible property test over many inputs (small parameters, so each input
/// holds many chunks and every code path of the streaming buffer is taken).
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn random_split_points_agree_with_one_shot_chunking() {
    let mut rng = 0xDEAD_BEEF_CAFE_F00Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let params = ChunkParams {
        min_size: 1024,
        avg_size: 4096,
        max_size: 16384,
        normalization: 1,
    };
    for case in 0..200 {
        let len = (next() % 200_000) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let whole = chunk_all(params, &data).unwrap();
        let mut chunker = Chunker::new(params).unwrap();
        let mut chunks = Vec::new();
        let mut rest = &data[..];
        while !rest.is_empty() {
            let take = ((next() % 40_000) as usize).min(rest.len());
            chunks.extend(chunker.push(&rest[..take]));
            rest = &rest[take..];
        }
        let (tail, hash) = chunker.finish();
        chunks.extend(tail);
        assert_eq!((chunks, hash), whole, "case {case}, {len} bytes");
    }
}
