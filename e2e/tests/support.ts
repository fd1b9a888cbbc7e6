// Helpers for specs that move real bytes: random files on disk, streaming SHA-256,
// and what chunk requests put on the wire.
import type { Request } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';

export const MIB = 1024 * 1024;

/** Writes `bytes` random bytes to `path`, a MiB at a time. */
export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  for (let written = 0; written < bytes; written += MIB) {
    const piece = randomBytes(Math.min(MIB, bytes - written));
    if (!out.write(piece)) {
      await new Promise((resolve) => out.once('drain', resolve));
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** SHA-256 of a file, streamed. */
export async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece);
  return hash.digest('hex');
}

/** Bytes a request sent, from the Content-Length the browser put on the wire. */
export async function bodyBytes(request: Request): Promise<number> {
  const headers = await request.allHeaders();
  return Number(headers['content-length'] ?? 'NaN');
}

/** Whether a request sends chunk bytes (single or packed). */
export function isChunkPut(request: Request): boolean {
  return request.method() === 'PUT' && /\/api\/v1\/files\/upload\/[^/]+\/chunks/.test(request.url());
}

/** The chunk indexes a packed chunk PUT carries. */
export function chunkIndexes(request: Request): number[] {
  const url = new URL(request.url());
  const packed = url.searchParams.get('indexes');
  if (packed) return packed.split(',').map(Number);
  const single = /\/chunks\/(\d+)$/.exec(url.pathname);
  return single ? [Number(single[1])] : [];
}
