// SHA-256 of chunks with WebCrypto, over the pieces of a file read so far; shared by
// Cairn's chunking worker and its hashing worker. It never touches the DOM.

/**
 * The pieces read so far that still hold bytes of unhashed chunks; gives a chunk's
 * bytes as a view into its piece, copying only a chunk that straddles pieces.
 */
export class PieceWindow {
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

/**
 * Hashes chunks on this thread: `addPiece` hands it the file's pieces in order,
 * `hash` the chunks found in them, in order; answers their digests (ArrayBuffers).
 */
export class LocalHasher {
  constructor() {
    this.window = new PieceWindow();
  }

  addPiece(start, bytes) {
    this.window.add(start, bytes);
  }

  hash(chunks) {
    const hashing = Promise.all(
      chunks.map((chunk) => crypto.subtle.digest('SHA-256', this.window.bytesOf(chunk.offset, chunk.len))),
    );
    // WebCrypto copies its input when called, so bytes before the next unfinished
    // chunk are no longer needed.
    if (chunks.length > 0) {
      const last = chunks[chunks.length - 1];
      this.window.dropBefore(last.offset + last.len);
    }
    return hashing;
  }

  close() {}
}
