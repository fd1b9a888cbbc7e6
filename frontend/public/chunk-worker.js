// Cairn's chunking worker: reads a File in large slices, feeds them to the
// wasm-chunker WASM build, and reports chunks (offset, len, hash) to the page as
// they are found, then the file's content hash. It never touches the DOM.
import init, { Chunker } from '/pkg/wasm_chunker.js';

const ready = init({ module_or_path: '/pkg/wasm_chunker_bg.wasm' });
const PIECE_BYTES = 8 * 1024 * 1024;

self.onmessage = async (event) => {
  const { file, params } = event.data;
  let chunker;
  try {
    await ready;
    chunker = new Chunker(params.min_size, params.avg_size, params.max_size, params.normalization);
    // Read the next slice while the current one is being chunked and hashed.
    let next = file.size > 0 ? file.slice(0, Math.min(PIECE_BYTES, file.size)).arrayBuffer() : null;
    for (let offset = 0; offset < file.size; offset += PIECE_BYTES) {
      const buffer = await next;
      const end = Math.min(offset + PIECE_BYTES, file.size);
      next = end < file.size ? file.slice(end, Math.min(end + PIECE_BYTES, file.size)).arrayBuffer() : null;
      const chunks = chunker.push(new Uint8Array(buffer));
      self.postMessage({ type: 'chunks', chunks, hashed: end });
    }
    const chunks = chunker.finish();
    self.postMessage({ type: 'done', chunks, contentHash: chunker.contentHash });
  } catch (error) {
    self.postMessage({ type: 'error', message: String((error && error.message) || error) });
  } finally {
    if (chunker) chunker.free();
  }
};
