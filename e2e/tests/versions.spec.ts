// File history: every upload of a file keeps the version before it; the details page
// lists them, downloads any of them, and restores one.
import { test, expect } from '@playwright/test';
import { AuthPage, DetailsPage, FilesPage, downloadedBytes, putFile } from './pages';

const PASSWORD = 'correct horse battery staple';

test('a file uploaded twice keeps both versions, and the first one restores byte-identical', async ({
  page,
}, testInfo) => {
  await new AuthPage(page).signUp(`versions-${Date.now()}`, PASSWORD);
  const first = Buffer.from('the first version of the plan\n');
  const second = Buffer.from('the second version, rewritten from scratch\n');
  await putFile(page, '/plan.txt', first);
  await putFile(page, '/plan.txt', second);
  await page.goto('/files');
  const files = new FilesPage(page);
  await files.waitForApp();

  await files.menuAction('plan.txt', 'Details and versions');
  await expect(page).toHaveURL(/\/details\//);
  await expect(page.getByRole('heading', { name: 'plan.txt' })).toBeVisible();
  const details = new DetailsPage(page);
  await expect(details.versions()).toHaveCount(2);
  await expect(details.version(2)).toHaveAttribute('data-current', 'true');
  await expect(details.version(2).getByTestId('version-restore')).toHaveCount(0);

  // Any version downloads as it was.
  const started = page.waitForEvent('download');
  await details.version(1).getByTestId('version-download').click();
  expect((await downloadedBytes(await started, testInfo.outputPath('v1.txt'))).equals(first)).toBe(true);

  await files.waitForApp();
  await details.restore(1);
  await expect(details.versions()).toHaveCount(3);
  await expect(details.version(3)).toHaveAttribute('data-current', 'true');
  const current = await downloadedBytes(await details.downloadCurrent(), testInfo.outputPath('current.txt'));
  expect(current.equals(first)).toBe(true);
});
