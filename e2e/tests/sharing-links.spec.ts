// Sharing by link: a password-protected folder link made in the share dialog,
// opened by a logged-out browser (with and without JavaScript) to download a file
// byte-identical and the folder as a zip; a file request that takes a 100 MB file
// from an anonymous visitor; and revoking from the "Shared" page.
import { test, expect, type Page } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthPage, FilesPage, ShareDialog, SharedLinkPage, SharedPage, sameOrigin } from './pages';
import { MIB, sha256, writeRandomFile } from './support';

/** Puts a file into the signed-in user's tree through the API, as a script would. */
async function putFile(page: Page, path: string, bytes: Buffer) {
  const response = await page.request.post('/api/v1/files', {
    headers: sameOrigin(page),
    multipart: {
      path,
      file: { name: path.split('/').pop() ?? 'file', mimeType: 'application/octet-stream', buffer: bytes },
    },
  });
  expect(response.status()).toBe(201);
}

/** Shows the browser's errors in the test output. */
function reportErrors(page: Page) {
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
}

test('a password-protected folder link, opened with and without JavaScript, then revoked', async ({
  page,
  browser,
}, testInfo) => {
  reportErrors(page);
  const photo = randomBytes(3 * MIB + 123);
  const photoHash = createHash('sha256').update(photo).digest('hex');
  await new AuthPage(page).signUp(`links-${Date.now()}`, 'correct horse battery staple');
  await putFile(page, '/Trip/photo.bin', photo);
  await putFile(page, '/Trip/notes.txt', Buffer.from('day one: sunny'));
  await page.goto('/files');
  const files = new FilesPage(page);
  await files.waitForApp();

  const dialog = await ShareDialog.open(page, 'Trip');
  const url = await dialog.createLink({ password: 'open sesame' });
  await dialog.close();

  // A logged-out browser with JavaScript.
  const visitor = await browser.newContext();
  const visitorPage = await visitor.newPage();
  const link = new SharedLinkPage(visitorPage);
  await link.open(url);
  await expect(link.entry('photo.bin')).toHaveCount(0);
  await link.enterPassword('not it');
  await expect(visitorPage.getByRole('alert')).toContainText('wrong password');
  await link.enterPassword('open sesame');
  await expect(link.entry('photo.bin')).toBeVisible();
  await expect(link.entry('notes.txt')).toBeVisible();
  const downloaded = await link.download('photo.bin', testInfo.outputPath('photo.bin'));
  expect(await sha256(downloaded)).toBe(photoHash);
  const zip = await link.downloadZip(testInfo.outputPath('trip.zip'));
  expect(zip.name).toBe('Trip.zip');
  const archive = readFileSync(zip.path);
  expect(archive.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
  // Entries are stored uncompressed: the file's bytes are in the archive as they are.
  expect(archive.indexOf(photo)).toBeGreaterThan(0);

  // The same pages without JavaScript.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const plainPage = await plain.newPage();
  const plainLink = new SharedLinkPage(plainPage);
  await plainLink.open(url);
  await plainLink.enterPassword('open sesame');
  await expect(plainLink.entry('photo.bin')).toBeVisible();
  const plainDownload = await plainLink.download('photo.bin', testInfo.outputPath('plain.bin'));
  expect(await sha256(plainDownload)).toBe(photoHash);

  // Revoked from the "Shared" page: the link page says it is gone.
  const shared = new SharedPage(page);
  await shared.open();
  await expect(shared.made('Trip')).toContainText('/s/');
  // Two downloads of the file (with and without JavaScript) and one of the zip.
  await expect(shared.made('Trip').getByTestId('share-downloads')).toHaveText('3');
  await shared.revoke('Trip');
  await visitorPage.reload();
  await expect(link.error()).toContainText('This link has expired or was removed');
  await plainPage.reload();
  await expect(plainLink.error()).toContainText('This link has expired or was removed');
  await visitor.close();
  await plain.close();
});

test('an anonymous visitor sends a 100 MB file through a file request and the owner sees it', async ({
  page,
  browser,
}) => {
  reportErrors(page);
  const big = join(tmpdir(), `cairn-file-request-${Date.now()}.bin`);
  await writeRandomFile(big, 100 * MIB);
  try {
    await new AuthPage(page).signUp(`request-${Date.now()}`, 'correct horse battery staple');
    const files = new FilesPage(page);
    await page.goto('/files');
    await files.waitForApp();
    const created = await page.request.post('/api/v1/folders', { headers: sameOrigin(page), data: { path: '/Inbox' } });
    expect(created.status()).toBe(201);
    await page.goto('/files');
    await files.waitForApp();
    const dialog = await ShareDialog.open(page, 'Inbox');
    const url = await dialog.createLink({ fileRequest: true });
    await dialog.close();

    const visitor = await browser.newContext();
    const visitorPage = await visitor.newPage();
    const link = new SharedLinkPage(visitorPage);
    await link.open(url);
    await expect(visitorPage.getByTestId('link-drop-zone')).toBeVisible();
    const name = big.split('/').pop() ?? '';
    await link.sendFile(big);
    await expect(link.sent(name)).toHaveAttribute('data-state', 'done', { timeout: 150_000 });
    await visitor.close();

    await page.goto('/files/Inbox');
    await expect(files.entry(name)).toBeVisible();
    await expect(files.entry(name)).toContainText('105 MB');
  } finally {
    rmSync(big, { force: true });
  }
});
