// Browser upload benchmark, in Debian's headless Chromium against a release `cairn`
// on loopback, over a 1 GiB file of fresh random bytes under TMPDIR (so nothing is
// deduplicated). Prints MB/s for: the file browser uploading it from pick to done
// (chunking, hashing, announcing, packed PUTs, commit); the same browser's raw
// ceiling, one plain `fetch` PUT of the same File to the discard endpoint from the
// same page; their ratio (target >= 0.7); the chunking worker alone on the same file
// (where the time goes when the ratio is low); and curl sending the same bytes to
// the discard endpoint, for reference. For the upload, the raw PUT and the chunking
// worker it also prints the CPU time per MB spent in Chromium's processes and in the
// server: on a machine with few cores, these say how far the ratio can go.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesPage } from '../tests/pages';
import { MIB, writeRandomFile } from '../tests/support';

const SIZE = Number(process.env.BENCH_UPLOAD_MIB ?? 1024) * MIB;

/** CPU seconds used so far by Chromium's processes and by the `cairn` server (Linux `/proc`). */
function cpuSeconds(): { browser: number; server: number } {
  const used = { browser: 0, server: 0 };
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // the process ended meanwhile
    }
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks (100 per second on Linux).
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    if (/chrom/.test(command)) used.browser += seconds;
    else if (command === 'cairn') used.server += seconds;
  }
  return used;
}

/** Runs `work`; its CPU cost in ms per MB of the file, in the browser and in the server. */
async function costed<T>(work: () => Promise<T>): Promise<{ value: T; browser: number; server: number }> {
  const before = cpuSeconds();
  const value = await work();
  const after = cpuSeconds();
  const perMb = (seconds: number) => (seconds * 1000) / (SIZE / 1e6);
  return { value, browser: perMb(after.browser - before.browser), server: perMb(after.server - before.server) };
}

declare global {
  interface Window {
    benchPicked?: File;
    benchStarted?: number;
    benchDone?: number;
  }
}

test('upload throughput in the browser', async ({ page, baseURL }) => {
  test.setTimeout(900_000);
  const name = `bench-${randomBytes(4).toString('hex')}.bin`;
  const path = join(tmpdir(), name);
  try {
    await writeRandomFile(path, SIZE);
    const signup = await page.request.post('/api/v1/auth/signup', {
      data: { username: `bench-${Date.now()}`, password: 'correct horse battery staple' },
    });
    expect(signup.status()).toBeLessThan(300);
    const token = (await signup.json()).token as string;
    await page.goto('/files');
    const files = new FilesPage(page);
    await files.waitForApp();

    // The clock starts when the picker's change event fires (before the app's own
    // handler, which empties the picker) and stops when the row says done.
    await page.evaluate(() => {
      document.addEventListener(
        'change',
        (event) => {
          const input = event.target as HTMLInputElement;
          window.benchPicked = input.files?.[0];
          window.benchStarted = performance.now();
        },
        { capture: true, once: true },
      );
      new MutationObserver((_, observer) => {
        if (document.querySelector('[data-testid="upload"][data-state="done"]')) {
          window.benchDone = performance.now();
          observer.disconnect();
        }
      }).observe(document.body, { subtree: true, attributes: true, childList: true });
    });
    const upload = await costed(async () => {
      await files.pickFiles(path);
      await files.waitUntilUploaded(name, 600_000);
    });
    const uploadMs = await page.evaluate(() => window.benchDone! - window.benchStarted!);

    const raw = await costed(() => page.evaluate(async () => {
      const started = performance.now();
      const response = await fetch('/api/v1/bench/discard', { method: 'PUT', body: window.benchPicked! });
      if (!response.ok) throw new Error(`discard answered ${response.status}`);
      await response.json();
      return performance.now() - started;
    }));

    const chunking = await costed(() => page.evaluate(async () => {
      const config = await (await fetch('/api/v1/config')).json();
      const worker = new Worker('/chunk-worker.js', { type: 'module' });
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        worker.onmessage = (event) => {
          if (event.data.type === 'done') resolve();
          else if (event.data.type === 'error') reject(new Error(event.data.message));
        };
        worker.postMessage({ file: window.benchPicked!, params: config.chunking });
      });
      worker.terminate();
      return performance.now() - started;
    }));

    const curlSeconds = Number(
      execFileSync('curl', [
        '--silent',
        '--show-error',
        '--fail',
        '--output',
        '/dev/null',
        '--write-out',
        '%{time_total}',
        '--upload-file',
        path,
        '--header',
        `Authorization: Bearer ${token}`,
        `${baseURL}/api/v1/bench/discard`,
      ]).toString(),
    );

    const mbps = (ms: number) => SIZE / 1e6 / (ms / 1000);
    const uploadMbps = mbps(uploadMs);
    const rawMbps = mbps(raw.value);
    const chunkingMbps = mbps(chunking.value);
    const curlMbps = mbps(curlSeconds * 1000);
    const line = (label: string, value: number, note: string) =>
      console.log(`  ${label.padEnd(48)} ${value.toFixed(0).padStart(6)} MB/s   ${note}`);
    const cost = (run: { browser: number; server: number }) =>
      `CPU per MB: browser ${run.browser.toFixed(2)} ms, server ${run.server.toFixed(2)} ms`;
    console.log(`browser upload (Chromium, ${SIZE / MIB} MiB of fresh random bytes in a file under ${tmpdir()}, loopback):`);
    line('Cairn upload, pick to done', uploadMbps, `${(uploadMbps / rawMbps).toFixed(2)}x the raw PUT (target >= 0.7)`);
    line('raw ceiling: one fetch PUT of the File (discard)', rawMbps, '(baseline)');
    line('(diagnosis) chunking worker alone', chunkingMbps, `${(chunkingMbps / rawMbps).toFixed(2)}x the raw PUT`);
    line('curl PUT of the same bytes (discard)', curlMbps, `${(curlMbps / rawMbps).toFixed(2)}x the browser's raw PUT`);
    console.log(`  (diagnosis) Cairn upload ${cost(upload)}`);
    console.log(`  (diagnosis) raw PUT      ${cost(raw)}`);
    console.log(`  (diagnosis) chunking     ${cost(chunking)}`);
    console.log(`BENCH browser_upload_mbps=${uploadMbps.toFixed(1)}`);
    console.log(`BENCH browser_raw_put_mbps=${rawMbps.toFixed(1)}`);
    console.log(`BENCH browser_upload_ratio=${(uploadMbps / rawMbps).toFixed(3)}`);
    console.log(`BENCH browser_chunking_mbps=${chunkingMbps.toFixed(1)}`);
    console.log(`BENCH curl_put_mbps=${curlMbps.toFixed(1)}`);
  } finally {
    await rm(path, { force: true });
  }
});
