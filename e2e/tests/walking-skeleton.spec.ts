// One file through every layer: sign up, drop a 50 MB file, download it back
// identical, then drop the same bytes under another name and check that no chunk
// bytes travel the second time.
import { test, expect, type Request } from '@playwright/test';
import { AuthPage, FilesPage } from './pages';
import { MIB, bodyBytes, isChunkPut, sha256, writeRandomFile } from './support';

test('a new user uploads a 50 MB file by drag-and-drop, downloads it identical, and re-uploads it without sending chunks', async ({
  page,
}, testInfo) => {
  const original = testInfo.outputPath('original.bin');
  await writeRandomFile(original, 50 * MIB);
  const originalHash = await sha256(original);

  const username = `e2e-${Date.now()}`;
  await new AuthPage(page).signUp(username, 'correct horse battery staple');
  const files = new FilesPage(page);
  await expect(page.getByTestId('empty-folder')).toBeVisible();
  await files.waitForApp();

  const chunkPuts: Request[] = [];
  page.on('request', (request) => {
    if (isChunkPut(request)) chunkPuts.push(request);
  });

  await files.dropFile(original, 'big.bin');
  await files.waitUntilUploaded('big.bin');
  expect(chunkPuts.length).toBeGreaterThan(0);
  let sentFirst = 0;
  for (const request of chunkPuts) sentFirst += await bodyBytes(request);
  expect(sentFirst).toBe(50 * MIB);
  await expect(files.entry('big.bin')).toContainText('52 MB');

  const downloaded = await files.download('big.bin', testInfo.outputPath('downloaded.bin'));
  expect(await sha256(downloaded)).toBe(originalHash);

  const putsBefore = chunkPuts.length;
  await files.dropFile(original, 'same-bytes.bin');
  await files.waitUntilUploaded('same-bytes.bin');
  expect(chunkPuts.length - putsBefore).toBe(0);
  await expect(files.upload('same-bytes.bin')).toContainText('already stored, not sent');

  const copy = await files.download('same-bytes.bin', testInfo.outputPath('copy.bin'));
  expect(await sha256(copy)).toBe(originalHash);

  // What the server rendered agrees with what the app shows.
  await page.reload();
  await expect(files.entry('big.bin')).toBeVisible();
  await expect(files.entry('same-bytes.bin')).toBeVisible();
});

test('pages carry a strict Content-Security-Policy and still come alive', async ({ page }) => {
  const response = await page.goto('/login');
  const policy = response?.headers()['content-security-policy'] ?? '';
  expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(policy).toContain("frame-ancestors 'none'");
  await new FilesPage(page).waitForApp();
});
