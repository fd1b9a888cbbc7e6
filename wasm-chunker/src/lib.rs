//! Content-defined chunking (FastCDC, 2020 algorithm) and SHA-256 hashing, shared by
//! the Cairn server and the browser.
//!
//! The same code runs natively (the server re-hashes every chunk it receives; tests and
//! benchmarks) and as WebAssembly in the browser's chunking workers, so both cut the
//! same boundaries and compute the same digests. It is sans-IO: callers push bytes in
//! pieces of any size and get chunk boundaries back. It never holds more than one
//! maximum-size chunk of pending bytes.
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The wasm-bindgen interface for the browser's chunking worker.
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub mod web;

/// Chunking parameters, announced by the server so that every client cuts the same
/// boundaries and dedup works across devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChunkParams {
    /// Smallest chunk, in bytes (only the last chunk of a file may be smaller).
    pub min_size: u32,
    /// Average chunk size the boundary search aims for, in bytes.
    pub avg_size: u32,
    /// Largest chunk, in bytes: a boundary is forced here.
    pub max_size: u32,
    /// FastCDC normalization level (0 to 3).
    pub normalization: u8,
}

impl Default for ChunkParams {
    /// min 256 KiB, average 1 MiB, max 4 MiB, normalization level 1.
    fn default() -> Self {
        ChunkParams {
            min_size: 256 * 1024,
            avg_size: 1024 * 1024,
            max_size: 4 * 1024 * 1024,
            normalization: 1,
        }
    }
}

/// Why a set of chunking parameters was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// A size lies outside the range the FastCDC 2020 algorithm supports.
    #[error("{name} is {value} bytes, outside the supported range {min}..={max}")]
    OutOfRange {
        /// Which parameter.
        name: &'static str,
        /// The value given.
        value: u32,
        /// Smallest allowed value.
        min: u32,
        /// Largest allowed value.
        max: u32,
    },
    /// A size is odd; FastCDC needs even sizes.
    #[error("{name} is {value} bytes; it must be an even number")]
    Odd {
        /// Which parameter.
        name: &'static str,
        /// The value given.
        value: u32,
    },
    /// The sizes are not ordered min <= avg <= max.
    #[error("chunk sizes must satisfy min <= avg <= max, got {min} / {avg} / {max}")]
    Unordered {
        /// Smallest chunk.
        min: u32,
        /// Average chunk.
        avg: u32,
        /// Largest chunk.
        max: u32,
    },
    /// The normalization level is not 0 to 3.
    #[error("normalization level {0} is not supported; use 0, 1, 2 or 3")]
    Normalization(u8),
}

impl ChunkParams {
    /// Checks the parameters against the limits of `fastcdc::v2020`.
    pub fn validate(&self) -> Result<(), ParamsError> {
        use fastcdc::v2020 as cdc;
        let ranges = [
            (
                "min_size",
                self.min_size,
                cdc::MINIMUM_MIN,
                cdc::MINIMUM_MAX,
            ),
            (
                "avg_size",
                self.avg_size,
                cdc::AVERAGE_MIN,
                cdc::AVERAGE_MAX,
            ),
            (
                "max_size",
                self.max_size,
                cdc::MAXIMUM_MIN,
                cdc::MAXIMUM_MAX,
            ),
        ];
        for (name, value, min, max) in ranges {
            let (min, max) = (min as u32, max as u32);
            if value < min || value > max {
                return Err(ParamsError::OutOfRange {
                    name,
                    value,
                    min,
                    max,
                });
            }
            if value % 2 != 0 {
                return Err(ParamsError::Odd { name, value });
            }
        }
        if !(self.min_size <= self.avg_size && self.avg_size <= self.max_size) {
            return Err(ParamsError::Unordered {
                min: self.min_size,
                avg: self.avg_size,
                max: self.max_size,
            });
        }
        if self.normalization > 3 {
            return Err(ParamsError::Normalization(self.normalization));
        }
        Ok(())
    }

    fn level(&self) -> fastcdc::v2020::Normalization {
        use fastcdc::v2020::Normalization;
        match self.normalization {
            0 => Normalization::Level0,
            1 => Normalization::Level1,
            2 => Normalization::Level2,
            _ => Normalization::Level3,
        }
    }
}

/// A chunk's identity: the SHA-256 of its bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkId(pub [u8; 32]);

impl ChunkId {
    /// Hashes `bytes` into their chunk id.
    pub fn of(bytes: &[u8]) -> ChunkId {
        ChunkId(Sha256::digest(bytes).into())
    }

    /// Parses 64 lowercase or uppercase hex digits.
    pub fn from_hex(hex_digits: &str) -> Option<ChunkId> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut out).ok()?;
        Some(ChunkId(out))
    }

    /// The id as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChunkId({})", self.to_hex())
    }
}

/// One chunk found in a stream: where it lies and what it hashes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkRef {
    /// Offset of the chunk's first byte in the stream.
    pub offset: u64,
    /// Length in bytes.
    pub len: u32,
    /// SHA-256 of the chunk's bytes.
    pub id: ChunkId,
}

/// A file's content hash: SHA-256 over the concatenated 32-byte chunk digests, in order.
///
/// The empty file (no chunks) hashes to the SHA-256 of nothing.
pub fn content_hash<'a>(chunk_ids: impl IntoIterator<Item = &'a ChunkId>) -> [u8; 32] {
    let mut hasher = ContentHasher::default();
    for id in chunk_ids {
        hasher.update(id);
    }
    hasher.finish()
}

/// Computes [`content_hash`] incrementally, as chunks are found.
#[derive(Default, Clone)]
pub struct ContentHasher(Sha256);

impl ContentHasher {
    /// Adds the next chunk's digest.
    pub fn update(&mut self, id: &ChunkId) {
        self.0.update(id.0);
    }

    /// The content hash of all chunks added so far.
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// A push-style boundary finder: FastCDC 2020 without hashing.
///
/// Feed it bytes with [`Cutter::push_with`]; it calls back with each chunk whose
/// boundary is decided, as (offset in the stream, the chunk's bytes). It holds at most
/// `max_size` pending bytes between calls. [`Chunker`] adds SHA-256 on top; the
/// browser uses the `Cutter` alone when it hashes with WebCrypto.
pub struct Cutter {
    min_size: usize,
    avg_size: usize,
    max_size: usize,
    mask_s: u64,
    mask_l: u64,
    /// Bytes of the chunk in progress: always shorter than `max_size` between calls.
    pending: Vec<u8>,
    /// Stream offset of `pending[0]`.
    offset: u64,
}

impl Cutter {
    /// A boundary finder for the given parameters, which must be valid.
    pub fn new(params: ChunkParams) -> Result<Cutter, ParamsError> {
        params.validate()?;
        let (mask_s, mask_l) =
            fastcdc::v2020::select_masks(params.avg_size as usize, params.level());
        Ok(Cutter {
            min_size: params.min_size as usize,
            avg_size: params.avg_size as usize,
            max_size: params.max_size as usize,
            mask_s,
            mask_l,
            pending: Vec::new(),
            offset: 0,
        })
    }

    /// Finds the end of the first chunk of `data`, which is decided only when `data`
    /// holds at least `max_size` bytes or is the end of the stream.
    fn cut(&self, data: &[u8]) -> usize {
        let (_, len) = fastcdc::v2020::cut(
            data,
            self.min_size,
            self.avg_size,
            self.max_size,
            self.mask_s,
            self.mask_l,
            self.mask_s << 1,
            self.mask_l << 1,
        );
        len
    }

    /// Pushes the next piece of the stream; calls `on_chunk(offset, bytes)` for every
    /// chunk it completes, in stream order.
    pub fn push_with(&mut self, mut data: &[u8], mut on_chunk: impl FnMut(u64, &[u8])) {
        while !data.is_empty() {
            if self.pending.is_empty() {
                // Cut straight from the caller's bytes, without copying, while they
                // hold a whole maximum-size window.
                if data.len() >= self.max_size {
                    let len = self.cut(data);
                    on_chunk(self.offset, &data[..len]);
                    self.offset += len as u64;
                    data = &data[len..];
                    continue;
                }
                self.pending.reserve(self.max_size);
            }
            let held = self.pending.len();
            let take = (self.max_size - held).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            if self.pending.len() < self.max_size {
                // Not yet a whole window: keep it for the next piece.
                return;
            }
            let len = self.cut(&self.pending);
            on_chunk(self.offset, &self.pending[..len]);
            self.offset += len as u64;
            if len >= held {
                // The chunk took everything held from earlier pieces: the rest of
                // the window is still in `data`, so go on from there without
                // copying (and without moving the window's tail to its front).
                self.pending.clear();
                data = &data[len - held..];
            } else {
                self.pending.drain(..len);
                data = &data[take..];
            }
        }
    }

    /// Ends the stream: calls `on_chunk` for the remaining chunks.
    pub fn finish_with(mut self, mut on_chunk: impl FnMut(u64, &[u8])) {
        let pending = std::mem::take(&mut self.pending);
        let mut rest = &pending[..];
        while !rest.is_empty() {
            let len = self.cut(rest);
            on_chunk(self.offset, &rest[..len]);
            self.offset += len as u64;
            rest = &rest[len..];
        }
    }

    /// Bytes pushed so far.
    pub fn bytes_pushed(&self) -> u64 {
        self.offset + self.pending.len() as u64
    }
}

/// A push-style streaming chunker: boundaries and SHA-256 digests.
///
/// Feed it bytes with [`Chunker::push`] in pieces of any size; it returns the chunks
/// whose boundaries are decided. [`Chunker::finish`] returns the rest and the file's
/// content hash. The boundaries are exactly those of `fastcdc::v2020::FastCDC` over
/// the whole stream, whatever the sizes of the pieces.
pub struct Chunker {
    cutter: Cutter,
    content: ContentHasher,
}

fn hashed<'a>(
    content: &'a mut ContentHasher,
    out: &'a mut Vec<ChunkRef>,
) -> impl FnMut(u64, &[u8]) + 'a {
    move |offset, bytes| {
        let id = ChunkId::of(bytes);
        content.update(&id);
        out.push(ChunkRef {
            offset,
            len: bytes.len() as u32,
            id,
        });
    }
}

impl Chunker {
    /// A chunker for the given parameters, which must be valid.
    pub fn new(params: ChunkParams) -> Result<Chunker, ParamsError> {
        Ok(Chunker {
            cutter: Cutter::new(params)?,
            content: ContentHasher::default(),
        })
    }

    /// Pushes the next piece of the stream and returns the chunks it completed.
    pub fn push(&mut self, data: &[u8]) -> Vec<ChunkRef> {
        let mut out = Vec::new();
        self.push_into(data, &mut out);
        out
    }

    /// Like [`Chunker::push`], appending to `out`.
    pub fn push_into(&mut self, data: &[u8], out: &mut Vec<ChunkRef>) {
        self.cutter.push_with(data, hashed(&mut self.content, out));
    }

    /// Ends the stream: returns the remaining chunks and the file's content hash.
    pub fn finish(mut self) -> (Vec<ChunkRef>, [u8; 32]) {
        let mut out = Vec::new();
        self.cutter.finish_with(hashed(&mut self.content, &mut out));
        (out, self.content.finish())
    }

    /// Bytes pushed so far.
    pub fn bytes_pushed(&self) -> u64 {
        self.cutter.bytes_pushed()
    }
}

/// Chunks a whole buffer at once: the reference the streaming chunker must agree with.
pub fn chunk_all(
    params: ChunkParams,
    data: &[u8],
) -> Result<(Vec<ChunkRef>, [u8; 32]), ParamsError> {
    let mut chunker = Chunker::new(params)?;
    let mut out = chunker.push(data);
    let (rest, hash) = chunker.finish();
    out.extend(rest);
    Ok((out, hash))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pseudo_random(len: usize, mut seed: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    }

    fn small_params() -> ChunkParams {
        ChunkParams {
            min_size: 1024,
            avg_size: 4096,
            max_size: 16384,
            normalization: 1,
        }
    }

    #[test]
    fn boundaries_equal_fastcdc_over_the_whole_buffer() {
        let data = pseudo_random(300_000, 7);
        let params = small_params();
        let (chunks, _) = chunk_all(params, &data).unwrap();
        let reference: Vec<(u64, u32)> = fastcdc::v2020::FastCDC::new(
            &data,
            params.min_size as usize,
            params.avg_size as usize,
            params.max_size as usize,
        )
        .map(|c| (c.offset as u64, c.length as u32))
        .collect();
        let ours: Vec<(u64, u32)> = chunks.iter().map(|c| (c.offset, c.len)).collect();
        assert_eq!(ours, reference);
        assert!(ours.len() > 20, "expected many chunks, got {}", ours.len());
    }

    #[test]
    fn piece_size_never_changes_the_result() {
        let data = pseudo_random(200_000, 11);
        let params = small_params();
        let whole = chunk_all(params, &data).unwrap();
        for piece in [1usize, 7, 4096, 16384, 65536] {
            let mut chunker = Chunker::new(params).unwrap();
            let mut chunks = Vec::new();
            for part in data.chunks(piece) {
                chunks.extend(chunker.push(part));
            }
            let (rest, hash) = chunker.finish();
            chunks.extend(rest);
            assert_eq!((chunks, hash), whole, "piece size {piece}");
        }
    }

    #[test]
    fn content_hash_is_sha256_of_concatenated_digests() {
        let data = pseudo_random(100_000, 3);
        let (chunks, hash) = chunk_all(small_params(), &data).unwrap();
        let mut concatenated = Vec::new();
        for chunk in &chunks {
            let bytes = &data[chunk.offset as usize..][..chunk.len as usize];
            assert_eq!(chunk.id, ChunkId::of(bytes));
            concatenated.extend_from_slice(&chunk.id.0);
        }
        assert_eq!(hash, <[u8; 32]>::from(Sha256::digest(&concatenated)));
    }

    #[test]
    fn empty_stream_has_no_chunks() {
        let (chunks, hash) = chunk_all(ChunkParams::default(), &[]).unwrap();
        assert!(chunks.is_empty());
        assert_eq!(hash, <[u8; 32]>::from(Sha256::digest([])));
    }

    #[test]
    fn invalid_params_are_refused_with_a_reason() {
        let too_big = ChunkParams {
            max_size: 32 * 1024 * 1024,
            ..ChunkParams::default()
        };
        assert_eq!(
            too_big.validate().unwrap_err().to_string(),
            "max_size is 33554432 bytes, outside the supported range 1024..=16777216"
        );
        let unordered = ChunkParams {
            min_size: 2 * 1024 * 1024,
            avg_size: 1024 * 1024,
            ..ChunkParams::default()
        };
        assert!(matches!(
            unordered.validate(),
            Err(ParamsError::OutOfRange {
                name: "min_size",
                ..
            })
        ));
        assert!(ChunkParams::default().validate().is_ok());
    }

    #[test]
    fn chunk_id_round_trips_through_hex() {
        let id = ChunkId::of(b"cairn");
        assert_eq!(ChunkId::from_hex(&id.to_hex()), Some(id));
        assert_eq!(ChunkId::from_hex("zz"), None);
    }
}
