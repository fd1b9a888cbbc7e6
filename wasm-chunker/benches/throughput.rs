//! Native throughput of the chunker: boundary search alone, SHA-256 alone, and both
//! together (what the server does to every upload, and the baseline the browser's
//! figures are compared with). Prints MB/s and a `BENCH key=value` line per figure.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Instant;
use wasm_chunker::{ChunkId, ChunkParams, Chunker, Cutter};

const MIB: usize = 1024 * 1024;
const PIECE: usize = 8 * MIB;

fn data(len: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

/// Best of three runs, in MB/s (decimal megabytes, as the browser figures).
fn measure(bytes: usize, mut run: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        run();
        best = best.min(started.elapsed().as_secs_f64());
    }
    bytes as f64 / best / 1e6
}

fn main() {
    let len = std::env::var("BENCH_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(512)
        * MIB;
    let input = data(len);
    let params = ChunkParams::default();

    let cut = measure(len, || {
        let mut cutter = Cutter::new(params).unwrap();
        let mut n = 0usize;
        for piece in input.chunks(PIECE) {
            cutter.push_with(piece, |_, _| n += 1);
        }
        cutter.finish_with(|_, _| n += 1);
        assert!(n > 0);
    });
    let hash = measure(len, || {
        for piece in input.chunks(PIECE) {
            std::hint::black_box(ChunkId::of(piece));
        }
    });
    let both = measure(len, || {
        let mut chunker = Chunker::new(params).unwrap();
        let mut n = 0usize;
        for piece in input.chunks(PIECE) {
            n += chunker.push(piece).len();
        }
        n += chunker.finish().0.len();
        assert!(n > 0);
    });
    println!(
        "native, {} MiB of random data, default parameters:",
        len / MIB
    );
    println!("  boundary search     {cut:8.0} MB/s");
    println!("  SHA-256             {hash:8.0} MB/s");
    println!("  chunk + hash        {both:8.0} MB/s");
    println!("BENCH native_cut_mbps={cut:.1}");
    println!("BENCH native_sha256_mbps={hash:.1}");
    println!("BENCH native_chunk_hash_mbps={both:.1}");
}
