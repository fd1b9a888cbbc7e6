// Benchmark worker: the browser's read ceiling (File.slice + arrayBuffer alone, the
// same 8 MiB pieces and read-ahead as the chunking worker), WASM chunk+hash in this
// one worker (no WebCrypto), and for diagnosis boundary search alone ('cut') and
// WebCrypto SHA-256 alone ('webcrypto'). The 'memory-*' modes chunk and hash bytes
// already in this worker's memory, as the native benchmark does, best of three:
// WASM hashing, and WebCrypto hashing as Cairn's chunking worker does it. Replies
// with the elapsed milliseconds.
import init, { Chunker, Cutter } from '/pkg/wasm_chunker.js';

const PIECE_BYTES = 8 * 1024 * 1024;
// WebCrypto digests requested but not finished, in pieces, as in the chunking worker.
const PIECES_IN_FLIGHT = 3;

/** `bytes` random bytes (getRandomValues fills at most 64 KiB per call). */
function randomBuffer(bytes) {
  const buffer = new Uint8Array(bytes);
  for (let at = 0; at < bytes; at += 65536) crypto.getRandomValues(buffer.subarray(at, at + 65536));
  return buffer;
}

/** Chunks and hashes `buffer` with WASM only; answers the number of chunks. */
function memoryWasm(buffer, params) {
  const chunker = new Chunker(params.min_size, params.avg_size, params.max_size, params.normalization);
  let chunks = 0;
  for (let at = 0; at < buffer.length; at += PIECE_BYTES) {
    chunks += chunker.push(buffer.subarray(at, at + PIECE_BYTES)).length;
  }
  chunks += chunker.finish().length;
  chunker.free();
  return chunks;
}

/** Finds boundaries in WASM and hashes each chunk with WebCrypto, as Cairn does. */
async function memoryWebCrypto(buffer, params) {
  const cutter = new Cutter(params.min_size, params.avg_size, params.max_size, params.normalization);
  const inFlight = [];
  let chunks = 0;
  const hash = (found) => {
    chunks += found.length;
    inFlight.push(
      Promise.all(found.map((c) => crypto.subtle.digest('SHA-256', buffer.subarray(c.offset, c.offset + c.len)))),
    );
  };
  for (let at = 0; at < buffer.length; at += PIECE_BYTES) {
    hash(cutter.push(buffer.subarray(at, at + PIECE_BYTES)));
    if (inFlight.length >= PIECES_IN_FLIGHT) await inFlight.shift();
  }
  hash(cutter.finish());
  await Promise.all(inFlight);
  cutter.free();
  return chunks;
}

async function* pieces(file) {
  const read = (start) => file.slice(start, Math.min(start + PIECE_BYTES, file.size)).arrayBuffer();
  let next = read(0);
  for (let start = 0; start < file.size; start += PIECE_BYTES) {
    const buffer = await next;
    const end = Math.min(start + PIECE_BYTES, file.size);
    next = end < file.size ? read(end) : null;
    yield new Uint8Array(buffer);
  }
}

self.onmessage = async (event) => {
  const { mode, file, params, memoryBytes } = event.data;
  try {
    await init({ module_or_path: '/pkg/wasm_chunker_bg.wasm' });
    if (mode === 'memory-wasm' || mode === 'memory-webcrypto') {
      const buffer = randomBuffer(memoryBytes);
      let best = Infinity;
      let chunks = 0;
      for (let run = 0; run < 3; run++) {
        const started = performance.now();
        chunks = mode === 'memory-wasm' ? memoryWasm(buffer, params) : await memoryWebCrypto(buffer, params);
        best = Math.min(best, performance.now() - started);
      }
      self.postMessage({ ms: best, chunks });
      return;
    }
    const started = performance.now();
    let chunks = 0;
    if (mode === 'read') {
      let total = 0;
      for await (const bytes of pieces(file)) total += bytes[0] + bytes.length;
      if (total === 0) throw new Error('nothing read');
    } else if (mode === 'read-stream') {
      const reader = file.stream().getReader();
      let total = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value[0] + value.length;
      }
      if (total === 0) throw new Error('nothing read');
    } else if (mode === 'cut') {
      const cutter = new Cutter(params.min_size, params.avg_size, params.max_size, params.normalization);
      for await (const bytes of pieces(file)) chunks += cutter.push(bytes).length;
      chunks += cutter.finish().length;
      cutter.free();
    } else if (mode === 'webcrypto') {
      // SHA-256 of every 1 MiB, all digests of a piece requested at once.
      for await (const bytes of pieces(file)) {
        const digests = [];
        for (let at = 0; at < bytes.length; at += 1024 * 1024) {
          digests.push(crypto.subtle.digest('SHA-256', bytes.subarray(at, at + 1024 * 1024)));
        }
        chunks += (await Promise.all(digests)).length;
      }
    } else {
      const chunker = new Chunker(params.min_size, params.avg_size, params.max_size, params.normalization);
      for await (const bytes of pieces(file)) chunks += chunker.push(bytes).length;
      chunks += chunker.finish().length;
      chunker.free();
    }
    self.postMessage({ ms: performance.now() - started, chunks });
  } catch (error) {
    self.postMessage({ error: String((error && error.message) || error) });
  }
};
