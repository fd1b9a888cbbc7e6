// Downloads from the file browser: a file comes back byte for byte, a folder as a zip
// of its tree.
import { test, expect } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { AuthPage, FilesPage, downloadedBytes, putFile, zipNames } from './pages';

const PASSWORD = 'correct horse battery staple';

test('a file downloads byte-identical, and a folder as a zip with its tree', async ({ page }, testInfo) => {
  await new AuthPage(page).signUp(`download-${Date.now()}`, PASSWORD);
  const bytes = randomBytes(300_000);
  await putFile(page, '/data.bin', bytes);
  await putFile(page, '/Trip/day 1.txt', 'sunny');
  await putFile(page, '/Trip/photos/beach.jpg', randomBytes(2000));
  await page.goto('/files');
  const files = new FilesPage(page);
  await files.waitForApp();

  let started = page.waitForEvent('download');
  await files.menuAction('data.bin', 'Download');
  let download = await started;
  expect(download.suggestedFilename()).toBe('data.bin');
  expect((await downloadedBytes(download, testInfo.outputPath('data.bin'))).equals(bytes)).toBe(true);

  started = page.waitForEvent('download');
  await files.menuAction('Trip', 'Download as zip');
  download = await started;
  expect(download.suggestedFilename()).toBe('Trip.zip');
  const zip = await downloadedBytes(download, testInfo.outputPath('Trip.zip'));
  expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
  expect(zipNames(zip).sort()).toEqual(['Trip/', 'Trip/day 1.txt', 'Trip/photos/', 'Trip/photos/beach.jpg']);
});
