// Cairn's hashing worker: hashes chunks for a chunking worker on a thread of its
// own (Chromium runs WebCrypto on the calling thread, so hashing beside boundary
// search needs a second worker). It receives the file's pieces (transferred, not
// copied) and batches of chunks in file order, and answers each batch's SHA-256
// digests, in the same order. It never touches the DOM.
import { LocalHasher } from '/piece-hashing.js';

const hasher = new LocalHasher();

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === 'piece') {
    hasher.addPiece(message.start, new Uint8Array(message.buffer));
    return;
  }
  try {
    const digests = await hasher.hash(message.chunks);
    self.postMessage({ batch: message.batch, digests }, digests);
  } catch (error) {
    self.postMessage({ batch: message.batch, error: String((error && error.message) || error) });
  }
};
