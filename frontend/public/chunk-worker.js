// Cairn's chunking worker: reads a File in large slices, finds content-defined chunk
// boundaries with the wasm-chunker WASM build, hashes every chunk with SHA-256, and
// reports the chunks (offset, len, hash) to the page in file order, then the file's
// content hash (SHA-256 of the concatenated chunk digests). It never touches the DOM.
//
// Hashing runs on WebCrypto when the page is a secure context (its digests are
// computed off this thread, so boundary search and hashing overlap); elsewhere the
// WASM SHA-256 does it. Both give the same digests (checked by the WASM tests).
import init, { Chunker, Cutter } from '/pkg/wasm_chunker.js';

const ready = init({ module_or_path: '/pkg/wasm_chunker_bg.wasm' });
const PIECE_BYTES = 8 * 1024 * 1024;
// Pieces whose chunks may be waiting for their digests at once: bounds memory to a
// few pieces however far hashing falls behind boundary search.
const PIECES_IN_FLIGHT = 3;

const hex = (buffer) =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

/** Yields the file's bytes in pieces, reading the next piece while one is processed. */
async function* pieces(file) {
  const read = (start) => file.slice(start, Math.min(start + PIECE_BYTES, file.size)).arrayBuffer();
  let next = file.size > 0 ? read(0) : null;
  for (let start = 0; start < file.size; start += PIECE_BYTES) {
    const buffer = await next;
    const end = Math.min(start + PIECE_BYTES, file.size);
    next = end < file.size ? read(end) : null;
    yield { bytes: new Uint8Array(buffer), end };
  }
}

async function chunkWithWasm(file, params, report) {
  const chunker = new Chunker(params.min_size, params.avg_size, params.max_size, params.normalization);
  try {
    for await (const piece of pieces(file)) {
      report(chunker.push(piece.bytes), piece.end);
    }
    report(chunker.finish(), file.size);
    return chunker.contentHash;
  } finally {
    chunker.free();
  }
}

/**
 * The pieces read so far that still hold bytes of unhashed chunks; gives a chunk's
 * bytes as a view into its piece, copying only a chunk that straddles pieces.
 */
class PieceWindow {
  constructor() {
    this.pieces = []; // { start, bytes }, in stream order
  }

  add(start, bytes) {
    this.pieces.push({ start, bytes });
  }

  bytesOf(offset, len) {
    const end = offset + len;
    const first = this.pieces.find((p) => p.start + p.bytes.length > offset);
    if (first && first.start + first.bytes.length >= end) {
      return first.bytes.subarray(offset - first.start, end - first.start);
    }
    const out = new Uint8Array(len);
    for (const piece of this.pieces) {
      const from = Math.max(offset, piece.start);
      const to = Math.min(end, piece.start + piece.bytes.length);
      if (from < to) out.set(piece.bytes.subarray(from - piece.start, to - piece.start), from - offset);
    }
    return out;
  }

  /** Forgets pieces that end before `offset`. */
  dropBefore(offset) {
    while (this.pieces.length > 0 && this.pieces[0].start + this.pieces[0].bytes.length <= offset) {
      this.pieces.shift();
    }
  }
}

async function chunkWithWebCrypto(file, params, report) {
  const cutter = new Cutter(params.min_size, params.avg_size, params.max_size, params.normalization);
  const window = new PieceWindow();
  const digests = [];
  const inFlight = [];
  const hashChunks = (found, end) => {
    const hashing = Promise.all(
      found.map((chunk) => crypto.subtle.digest('SHA-256', window.bytesOf(chunk.offset, chunk.len))),
    );
    const previous = inFlight.length > 0 ? inFlight[inFlight.length - 1] : Promise.resolve();
    // Report in file order: each batch waits for the one before it.
    inFlight.push(
      previous.then(async () => {
        const hashes = await hashing;
        hashes.forEach((digest) => digests.push(new Uint8Array(digest)));
        report(
          found.map((chunk, i) => ({ offset: chunk.offset, len: chunk.len, hash: hex(hashes[i]) })),
          end,
        );
      }),
    );
    // WebCrypto copies its input when called, so bytes before the next unfinished
    // chunk are no longer needed.
    if (found.length > 0) {
      const last = found[found.length - 1];
      window.dropBefore(last.offset + last.len);
    }
  };
  try {
    let start = 0;
    for await (const piece of pieces(file)) {
      window.add(start, piece.bytes);
      start = piece.end;
      hashChunks(cutter.push(piece.bytes), piece.end);
      if (inFlight.length >= PIECES_IN_FLIGHT) await inFlight.shift();
    }
    hashChunks(cutter.finish(), file.size);
    while (inFlight.length > 0) await inFlight.shift();
  } finally {
    cutter.free();
  }
  const concatenated = new Uint8Array(digests.length * 32);
  digests.forEach((digest, i) => concatenated.set(digest, i * 32));
  return hex(await crypto.subtle.digest('SHA-256', concatenated));
}

self.onmessage = async (event) => {
  const { file, params, hashing } = event.data;
  try {
    await ready;
    const useWebCrypto = hashing !== 'wasm' && self.crypto && self.crypto.subtle;
    const report = (chunks, hashed) => self.postMessage({ type: 'chunks', chunks, hashed });
    const contentHash = useWebCrypto
      ? await chunkWithWebCrypto(file, params, report)
      : await chunkWithWasm(file, params, report);
    self.postMessage({ type: 'done', chunks: [], contentHash });
  } catch (error) {
    self.postMessage({ type: 'error', message: String((error && error.message) || error) });
  }
};
