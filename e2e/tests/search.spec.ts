// Search by name from the top bar: the results page is rendered on the server, so it
// works before the app has loaded, and with JavaScript off.
import { test, expect, type Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { AuthPage, FilesPage } from './pages';

const PASSWORD = 'correct horse battery staple';

async function search(page: Page, query: string) {
  await page.getByTestId('search-input').fill(query);
  await page.getByTestId('search-input').press('Enter');
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${query}$`));
}

test('the search box finds files by part of their name, with and without JavaScript', async ({
  page,
  browser,
}, testInfo) => {
  const username = `search-${Date.now()}`;
  await new AuthPage(page).signUp(username, PASSWORD);
  const files = new FilesPage(page);
  await files.waitForApp();
  for (const name of ['Report 2026.txt', 'notes.txt']) {
    const path = testInfo.outputPath(name);
    await writeFile(path, `${name}\n`);
    await files.dropFile(path, name);
    await files.waitUntilUploaded(name);
  }

  await search(page, 'REPORT');
  const hits = page.getByTestId('search-hit');
  await expect(hits).toHaveCount(1);
  await expect(hits.first()).toHaveAttribute('data-path', '/Report 2026.txt');
  await search(page, 'nothing-like-this');
  await expect(page.getByTestId('no-results')).toBeVisible();

  const noScript = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: false });
  try {
    const plain = await noScript.newPage();
    await new AuthPage(plain).logIn(username, PASSWORD);
    await search(plain, 'notes');
    await expect(plain.getByTestId('search-hit')).toHaveCount(1);
    await expect(plain.getByTestId('search-hit').first()).toHaveAttribute('data-path', '/notes.txt');
  } finally {
    await noScript.close();
  }
});
