// Uploads that never lose progress: whole folder trees, pause and resume, a lost
// network, a reload mid-upload, a small edit of a large file, and cancel. Large
// inputs are random files in the system's temporary directory, deleted afterwards;
// bytes on the wire are counted from the chunk requests the page makes.
import { test, expect, type Page, type Request } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AuthPage, FilesPage, sameOrigin } from './pages';
import { MIB, bodyBytes, chunkIndexes, isChunkPut, sha256, writeRandomFile } from './support';

interface Entry {
  id: string;
  name: string;
  path: string;
  is_folder: boolean;
  size: number;
}

let scratch = '';

test.beforeEach(async ({ page }) => {
  scratch = await mkdtemp(join(tmpdir(), 'cairn-uploads-'));
  await new AuthPage(page).signUp(`up-${Date.now()}-${randomBytes(3).toString('hex')}`, 'correct horse battery staple');
  const files = new FilesPage(page);
  await files.waitForApp();
});

test.afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A random file of `bytes` in the scratch directory, named `name`. */
async function randomFile(name: string, bytes: number): Promise<string> {
  const path = join(scratch, name);
  await writeRandomFile(path, bytes);
  return path;
}

async function listing(page: Page, path: string): Promise<Entry[]> {
  const response = await page.request.get(`/api/v1/files?path=${encodeURIComponent(path)}`);
  expect(response.status()).toBe(200);
  return (await response.json()).entries as Entry[];
}

/** Every file under `path` on the server, by path. */
async function tree(page: Page, path: string): Promise<Map<string, Entry>> {
  const found = new Map<string, Entry>();
  const walk = async (folder: string) => {
    for (const entry of await listing(page, folder)) {
      if (entry.is_folder) await walk(entry.path);
      else found.set(entry.path, entry);
    }
  };
  await walk(path);
  return found;
}

/** Records the chunk PUTs a page makes, and which of them the server accepted. */
class Wire {
  readonly puts: Request[] = [];
  readonly accepted: Request[] = [];

  constructor(page: Page) {
    page.on('request', (request) => {
      if (isChunkPut(request)) this.puts.push(request);
    });
    page.on('requestfinished', async (request) => {
      if (isChunkPut(request) && (await request.response())?.ok()) this.accepted.push(request);
    });
  }

  static async bytes(requests: Request[]): Promise<number> {
    let total = 0;
    for (const request of requests) total += await bodyBytes(request);
    return total;
  }
}

test('a picked folder tree of 200 files in nested folders arrives as the same tree', async ({ page }) => {
  const root = join(scratch, 'Project');
  const expected = new Map<string, Buffer>();
  for (let i = 0; i < 200; i++) {
    const folder = join('Project', `part-${i % 4}`, `section-${i % 3}`, ...(i % 2 === 0 ? ['deep'] : []));
    await mkdir(join(scratch, folder), { recursive: true });
    const bytes = randomBytes(1 + ((i * 7919) % 40_000));
    await writeFile(join(scratch, folder, `file-${i}.bin`), bytes);
    expected.set(`/${folder}/file-${i}.bin`, bytes);
  }
  const files = new FilesPage(page);
  await files.pickFolder(root);
  await expect(files.uploadSummary()).toContainText('200 of 200 done', { timeout: 150_000 });
  await expect(page.locator('[data-testid="upload"][data-state="failed"]')).toHaveCount(0);

  const stored = await tree(page, '/Project');
  expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [path, entry] of stored) expect(entry.size, path).toBe(expected.get(path)!.length);
  for (const path of ['/Project/part-0/section-0/deep/file-0.bin', '/Project/part-3/section-2/file-11.bin', '/Project/part-3/section-1/file-199.bin']) {
    const content = await page.request.get(`/api/v1/files/${stored.get(path)!.id}/content`);
    expect(Buffer.compare(await content.body(), expected.get(path)!), path).toBe(0);
  }
  await expect(files.entry('Project')).toBeVisible();
});

test('a 1 GiB upload paused and resumed completes and downloads byte-identical', async ({ page }, testInfo) => {
  test.setTimeout(360_000);
  const original = await randomFile('one-gib.bin', 1024 * MIB);
  const originalHash = await sha256(original);
  const files = new FilesPage(page);
  const wire = new Wire(page);

  await files.pickFiles(original);
  await files.waitUntilSent('one-gib.bin', 1);
  await files.pauseUpload('one-gib.bin');
  await expect(files.upload('one-gib.bin')).toContainText('paused at');
  const putsWhilePaused = wire.puts.length;
  await expect(files.upload('one-gib.bin').getByTestId('upload-resume')).toBeVisible();
  // Nothing new went out between the pause and the resume.
  expect(wire.puts.length).toBe(putsWhilePaused);
  await files.resumeUpload('one-gib.bin');
  await files.waitUntilUploaded('one-gib.bin', 300_000);

  const downloaded = await files.download('one-gib.bin', join(scratch, 'downloaded.bin'));
  expect(await sha256(downloaded)).toBe(originalHash);
  testInfo.annotations.push({ type: 'chunk requests', description: String(wire.puts.length) });
});

test('a paused upload gives its turn to a file waiting behind it', async ({ page }) => {
  test.setTimeout(180_000);
  const files = new FilesPage(page);
  // Files worked on at once, as the app counts them.
  const turns = await page.evaluate(() => Math.min(Math.max(navigator.hardwareConcurrency || 1, 4), 6));
  // Chunk PUTs are held until released, so the first files keep their turns.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/api\/v1\/files\/upload\/[^/]+\/chunks\?indexes=/, async (route) => {
    await released;
    // A paused upload aborts its requests; those are gone by now.
    await route.continue().catch(() => {});
  });
  const names = Array.from({ length: turns + 1 }, (_, i) => `turn-${i}.bin`);
  const paths: string[] = [];
  for (const name of names) paths.push(await randomFile(name, 2 * MIB));

  await files.pickFiles(...paths);
  const rows = page.locator('[data-testid="upload"]');
  await expect(rows.and(page.locator('[data-state="uploading"]'))).toHaveCount(turns);
  const queued = rows.and(page.locator('[data-state="queued"]'));
  await expect(queued).toHaveCount(1);
  const waiting = (await queued.getAttribute('data-name'))!;
  const paused = names.find((name) => name !== waiting)!;

  await files.pauseUpload(paused);
  await expect(files.upload(waiting)).toHaveAttribute('data-state', 'uploading');
  release();
  await files.resumeUpload(paused);
  for (const name of names) await files.waitUntilUploaded(name);
});

test('an upload survives the network going away mid-upload', async ({ page, context }) => {
  test.setTimeout(240_000);
  const original = await randomFile('offline.bin', 384 * MIB);
  const originalHash = await sha256(original);
  const files = new FilesPage(page);

  await files.pickFiles(original);
  await files.waitUntilSent('offline.bin', 1);
  await context.setOffline(true);
  await expect(files.upload('offline.bin')).toHaveAttribute('data-state', 'waiting');
  await expect(files.upload('offline.bin').getByTestId('upload-status')).toContainText('waiting for the network');
  await context.setOffline(false);
  await files.waitUntilUploaded('offline.bin', 180_000);

  const downloaded = await files.download('offline.bin', join(scratch, 'downloaded.bin'));
  expect(await sha256(downloaded)).toBe(originalHash);
});

test('after a reload mid-upload, dropping the same file again sends only what the server lacks', async ({ page }) => {
  test.setTimeout(240_000);
  const size = 512 * MIB;
  const original = await randomFile('reloaded.bin', size);
  const files = new FilesPage(page);
  const wire = new Wire(page);

  await files.dropFromDisk(original);
  await files.waitUntilSent('reloaded.bin', 64 * MIB);
  await page.reload();
  await files.waitForApp();
  // Whatever the server confirmed before the reload is on the server.
  const committedFirst = await Wire.bytes(wire.accepted);
  expect(committedFirst).toBeGreaterThanOrEqual(64 * MIB);
  const putsBefore = wire.puts.length;

  await files.dropFromDisk(original);
  await expect(files.upload('reloaded.bin')).toContainText('Resumed:');
  await files.waitUntilUploaded('reloaded.bin', 180_000);
  const sentSecond = await Wire.bytes(wire.puts.slice(putsBefore));
  expect(sentSecond).toBeLessThan(size);
  expect(sentSecond).toBeLessThanOrEqual(size - committedFirst);
  expect(Number(await files.upload('reloaded.bin').getAttribute('data-skipped'))).toBeGreaterThanOrEqual(committedFirst);
  await expect(files.upload('reloaded.bin')).toContainText('already on the server');
  await expect(files.entry('reloaded.bin')).toContainText('537 MB');
});

test('a 1-byte edit of a 200 MB file re-uploads at most two chunks', async ({ page }) => {
  test.setTimeout(240_000);
  const path = await randomFile('edited.bin', 200 * MIB);
  const files = new FilesPage(page);
  const wire = new Wire(page);

  await files.pickFiles(path);
  await files.waitUntilUploaded('edited.bin');
  const handle = await open(path, 'r+');
  const offset = 123 * MIB + 4567;
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, offset);
  byte[0] ^= 0xff;
  await handle.write(byte, 0, 1, offset);
  await handle.close();
  await page.reload();
  await files.waitForApp();

  const putsBefore = wire.puts.length;
  await files.pickFiles(path);
  await files.waitUntilUploaded('edited.bin');
  const second = wire.puts.slice(putsBefore);
  const chunksSent = second.flatMap(chunkIndexes);
  expect(chunksSent.length).toBeGreaterThanOrEqual(1);
  expect(chunksSent.length).toBeLessThanOrEqual(2);
  expect(await Wire.bytes(second)).toBeLessThanOrEqual(8 * MIB);
  await expect(files.upload('edited.bin')).toContainText('already stored, not sent');

  const downloaded = await files.download('edited.bin', join(scratch, 'downloaded.bin'));
  expect(await sha256(downloaded)).toBe(await sha256(path));
});

test('cancel removes the row, leaves no file and drops the session on the server', async ({ page }) => {
  test.setTimeout(180_000);
  const path = await randomFile('cancelled.bin', 384 * MIB);
  const files = new FilesPage(page);
  const started = page.waitForResponse((response) => response.url().endsWith('/api/v1/files/upload/init'));

  await files.pickFiles(path);
  const { upload_id: uploadId } = await (await started).json();
  await files.waitUntilSent('cancelled.bin', 1);
  await files.cancelUpload('cancelled.bin');
  await expect(files.upload('cancelled.bin')).toHaveCount(0);
  expect((await listing(page, '/')).map((entry) => entry.name)).not.toContain(basename(path));
  await expect
    .poll(async () => (await page.request.get(`/api/v1/files/upload/${uploadId}`)).status())
    .toBe(404);

  await page.reload();
  await expect(page.getByTestId('empty-folder')).toBeVisible();
});

test('a refused upload says why in the panel', async ({ page }) => {
  const files = new FilesPage(page);
  // A folder takes the name the file would get: the server refuses the upload.
  const response = await page.request.post('/api/v1/folders', { headers: sameOrigin(page), data: { path: '/taken.txt' } });
  expect(response.status()).toBe(201);
  await writeFile(join(scratch, 'taken.txt'), 'hello');
  await files.pickFiles(join(scratch, 'taken.txt'));
  await expect(files.upload('taken.txt')).toHaveAttribute('data-state', 'failed');
  await expect(files.upload('taken.txt')).toContainText('failed: ');
  await expect(files.upload('taken.txt')).toContainText('folder');
});
