// Cairn's chunking worker: reads a File in large slices, finds content-defined chunk
// boundaries with the wasm-chunker WASM build, hashes every chunk with SHA-256, and
// reports the chunks (offset, len, hash) to the page in file order, then the file's
// content hash (SHA-256 of the concatenated chunk digests). It never touches the DOM.
//
// Hashing runs on WebCrypto when the page is a secure context; elsewhere the WASM
// SHA-256 does it. Both give the same digests (checked by the WASM tests). Chromium
// computes WebCrypto digests on the calling thread, so for a file of a few pieces or
// more, on a device with more than one core, a hashing worker of its own
// (`hash-worker.js`) hashes while this one reads and finds boundaries.
import init, { Chunker, Cutter } from '/pkg/wasm_chunker.js';
import { LocalHasher } from '/piece-hashing.js';

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
 * Hashes chunks on a hashing worker of its own, so that hashing and boundary search
 * run on two threads; the same interface as `LocalHasher`. Pieces are handed over
 * (transferred): the caller must be done with them.
 */
class RemoteHasher {
  constructor() {
    this.worker = new Worker('/hash-worker.js', { type: 'module' });
    this.nextBatch = 0;
    this.waiting = new Map(); // batch number → { resolve, reject }
    this.failure = null;
    this.worker.onmessage = (event) => {
      const { batch, digests, error } = event.data;
      const waiter = this.waiting.get(batch);
      this.waiting.delete(batch);
      if (waiter && error) waiter.reject(new Error(error));
      else if (waiter) waiter.resolve(digests);
    };
    this.worker.onerror = () => {
      this.failure = new Error('the hashing worker failed to start; reload the page and try again');
      for (const waiter of this.waiting.values()) waiter.reject(this.failure);
      this.waiting.clear();
    };
  }

  addPiece(start, bytes) {
    this.worker.postMessage({ type: 'piece', start, buffer: bytes.buffer }, [bytes.buffer]);
  }

  hash(chunks) {
    if (this.failure) return Promise.reject(this.failure);
    const batch = this.nextBatch++;
    return new Promise((resolve, reject) => {
      this.waiting.set(batch, { resolve, reject });
      this.worker.postMessage({
        type: 'chunks',
        batch,
        chunks: chunks.map((chunk) => ({ offset: chunk.offset, len: chunk.len })),
      });
    });
  }

  close() {
    this.worker.terminate();
  }
}

/** Files from this size on are hashed on a second thread when the device has one. */
const REMOTE_HASHING_FROM = 2 * PIECE_BYTES;

function hasherFor(file) {
  const cores = (self.navigator && self.navigator.hardwareConcurrency) || 1;
  const nested = typeof Worker !== 'undefined';
  return nested && cores > 1 && file.size >= REMOTE_HASHING_FROM ? new RemoteHasher() : new LocalHasher();
}

async function chunkWithWebCrypto(file, params, report) {
  const cutter = new Cutter(params.min_size, params.avg_size, params.max_size, params.normalization);
  const hasher = hasherFor(file);
  const digests = [];
  const inFlight = [];
  const hashChunks = (found, end) => {
    const hashing = hasher.hash(found);
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
  };
  try {
    let start = 0;
    for await (const piece of pieces(file)) {
      // The cutter copies what it keeps, so the piece can go to the hasher after.
      const found = cutter.push(piece.bytes);
      hasher.addPiece(start, piece.bytes);
      start = piece.end;
      hashChunks(found, piece.end);
      if (inFlight.length >= PIECES_IN_FLIGHT) await inFlight.shift();
    }
    hashChunks(cutter.finish(), file.size);
    while (inFlight.length > 0) await inFlight.shift();
  } finally {
    cutter.free();
    hasher.close();
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
