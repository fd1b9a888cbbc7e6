// Browser chunking benchmark, in Debian's headless Chromium, over a 1 GiB file of
// random bytes on disk. Prints MB/s for: the read ceiling (File.slice alone), chunk+
// hash in one worker over bytes in memory (as the native benchmark runs; WASM
// hashing, and WebCrypto hashing as Cairn does it) and over the file, and the full
// pipeline (Cairn's chunking worker: WASM boundary search, with WebCrypto hashing on
// a hashing worker of its own, and with WASM hashing), each as a ratio against the
// native figure (BENCH_NATIVE_MBPS) or the read ceiling of this run.
import { test, expect } from '@playwright/test';
import { MIB, writeRandomFile } from '../tests/support';

const SIZE = Number(process.env.BENCH_FILE_MIB ?? 1024) * MIB;
// The in-memory runs use as many bytes as the native benchmark (BENCH_MIB there).
const MEMORY_SIZE = Number(process.env.BENCH_MIB ?? 512) * MIB;
const PARAMS = { min_size: 256 * 1024, avg_size: 1024 * 1024, max_size: 4 * 1024 * 1024, normalization: 1 };

const PAGE = `<!doctype html><meta charset="utf-8"><title>chunker benchmark</title>
<input type="file" id="file">`;

test('chunking throughput in the browser', async ({ page }, testInfo) => {
  test.setTimeout(900_000);
  const path = testInfo.outputPath('random.bin');
  await writeRandomFile(path, SIZE);

  await page.route('**/__bench/page.html', (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
  await page.route('**/__bench/bench-worker.js', (route) =>
    route.fulfill({ contentType: 'text/javascript', path: `${__dirname}/bench-worker.js` }),
  );
  await page.goto('/__bench/page.html');
  await page.locator('#file').setInputFiles(path);

  const run = (kind: string) =>
    page.evaluate(
      async ({ kind, params, memoryBytes }) => {
        const file = (document.getElementById('file') as HTMLInputElement).files![0];
        const production = kind === 'pipeline-webcrypto' || kind === 'pipeline-wasm';
        const worker = production
          ? new Worker('/chunk-worker.js', { type: 'module' })
          : new Worker('/__bench/bench-worker.js', { type: 'module' });
        const started = performance.now();
        const result = await new Promise<{ ms: number; chunks: number }>((resolve, reject) => {
          let chunks = 0;
          worker.onmessage = (event) => {
            const data = event.data;
            if (data.error || data.type === 'error') reject(new Error(data.error ?? data.message));
            else if (!production) resolve(data);
            else if (data.type === 'chunks') chunks += data.chunks.length;
            else if (data.type === 'done') resolve({ ms: performance.now() - started, chunks });
          };
          if (production) {
            worker.postMessage({ file, params, hashing: kind === 'pipeline-wasm' ? 'wasm' : 'webcrypto' });
          } else {
            worker.postMessage({ mode: kind, file, params, memoryBytes });
          }
        });
        worker.terminate();
        return result;
      },
      { kind, params: PARAMS, memoryBytes: MEMORY_SIZE },
    );

  const results: Record<string, number> = {};
  const kinds = ['read', 'read-stream', 'memory-wasm', 'memory-webcrypto', 'wasm-one', 'cut', 'webcrypto', 'pipeline-webcrypto', 'pipeline-wasm', 'read'];
  // BENCH_KINDS=read,pipeline-webcrypto runs only those (for diagnosis).
  for (const kind of process.env.BENCH_KINDS?.split(',') ?? kinds) {
    const { ms, chunks } = await run(kind);
    const bytes = kind.startsWith('memory-') ? MEMORY_SIZE : SIZE;
    if (!kind.startsWith('read') && kind !== 'webcrypto') expect(chunks).toBeGreaterThan(bytes / (4 * MIB));
    // The read ceiling is measured before and after; the better run counts.
    results[kind] = Math.max(results[kind] ?? 0, bytes / 1e6 / (ms / 1000));
  }

  const native = Number(process.env.BENCH_NATIVE_MBPS ?? 'NaN');
  const portable = Number(process.env.BENCH_PORTABLE_MBPS ?? 'NaN');
  const line = (label: string, value: number | undefined, ratio: string) => {
    if (value !== undefined) console.log(`  ${label.padEnd(54)} ${value.toFixed(0).padStart(6)} MB/s   ${ratio}`);
  };
  console.log(`browser (Chromium, ${SIZE / MIB} MiB file on disk, hardwareConcurrency=${await page.evaluate(() => navigator.hardwareConcurrency)}):`);
  line('read ceiling (File.slice + arrayBuffer)', results['read'], '(baseline)');
  const memory = `${MEMORY_SIZE / MIB} MiB in memory`;
  line(`chunk+hash, one worker, ${memory}, WebCrypto`, results['memory-webcrypto'], `${(results['memory-webcrypto'] / native).toFixed(2)}x native chunk+hash (target >= 0.5)`);
  line(`chunk+hash, one worker, ${memory}, WASM SHA`, results['memory-wasm'], `${(results['memory-wasm'] / native).toFixed(2)}x native, ${(results['memory-wasm'] / portable).toFixed(2)}x the same portable code native`);
  line('chunk+hash, one worker, from the file, WASM SHA', results['wasm-one'], `${(results['wasm-one'] / native).toFixed(2)}x native chunk+hash`);
  line('full pipeline, WebCrypto hashing on a second worker', results['pipeline-webcrypto'], `${(results['pipeline-webcrypto'] / results['read']).toFixed(2)}x read ceiling (target >= 0.8)`);
  line('full pipeline, WASM hashing', results['pipeline-wasm'], `${(results['pipeline-wasm'] / results['read']).toFixed(2)}x read ceiling`);
  line('(diagnosis) File.stream() reading alone', results['read-stream'], `${(results['read-stream'] / results['read']).toFixed(2)}x read ceiling`);
  line('(diagnosis) WASM boundary search alone', results['cut'], `${(results['cut'] / results['read']).toFixed(2)}x read ceiling`);
  line('(diagnosis) WebCrypto SHA-256 alone', results['webcrypto'], `${(results['webcrypto'] / results['read']).toFixed(2)}x read ceiling`);
  for (const [key, value] of Object.entries(results)) console.log(`BENCH browser_${key.replace(/-/g, '_')}_mbps=${value.toFixed(1)}`);
});
