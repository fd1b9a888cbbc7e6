// Sorting the listing by name, size and modification time, both ways, folders first;
// the order lives in the address, so it survives a reload, follows back and forward,
// and works without JavaScript.
import { test, expect } from '@playwright/test';
import { AuthPage, FilesPage, putFile, putFolder } from './pages';

const PASSWORD = 'correct horse battery staple';

test('columns sort both ways with folders first, kept in the URL', async ({ page, browser }, testInfo) => {
  const username = `sort-${Date.now()}`;
  await new AuthPage(page).signUp(username, PASSWORD);
  // Created in this order, so modification times rise: medium, Beta, big, Alpha, small.
  await putFile(page, '/medium.txt', 'x'.repeat(200));
  await putFolder(page, '/Beta');
  await putFile(page, '/big.txt', 'x'.repeat(3000));
  await putFolder(page, '/Alpha');
  await putFile(page, '/small.txt', 'x');
  await page.goto('/files');
  const files = new FilesPage(page);
  await files.waitForApp();
  await expect.poll(() => files.names()).toEqual(['Alpha', 'Beta', 'big.txt', 'medium.txt', 'small.txt']);

  const expectOrder = async (url: RegExp, names: string[]) => {
    await expect(page).toHaveURL(url);
    await expect.poll(() => files.names()).toEqual(names);
  };
  await files.sortBy('name');
  await expectOrder(/\?sort=name&dir=desc$/, ['Beta', 'Alpha', 'small.txt', 'medium.txt', 'big.txt']);
  await files.sortBy('size');
  await expectOrder(/\?sort=size&dir=desc$/, ['Beta', 'Alpha', 'big.txt', 'medium.txt', 'small.txt']);
  await expect(page.locator('th[aria-sort="descending"]')).toContainText('Size');
  await files.sortBy('size');
  await expectOrder(/\?sort=size&dir=asc$/, ['Alpha', 'Beta', 'small.txt', 'medium.txt', 'big.txt']);
  await files.sortBy('modified');
  await expectOrder(/\?sort=modified&dir=desc$/, ['Alpha', 'Beta', 'small.txt', 'big.txt', 'medium.txt']);
  await files.sortBy('modified');
  await expectOrder(/\?sort=modified&dir=asc$/, ['Beta', 'Alpha', 'medium.txt', 'big.txt', 'small.txt']);

  await page.goBack();
  await expectOrder(/\?sort=modified&dir=desc$/, ['Alpha', 'Beta', 'small.txt', 'big.txt', 'medium.txt']);
  await page.goForward();
  await expectOrder(/\?sort=modified&dir=asc$/, ['Beta', 'Alpha', 'medium.txt', 'big.txt', 'small.txt']);
  await page.reload();
  await expectOrder(/\?sort=modified&dir=asc$/, ['Beta', 'Alpha', 'medium.txt', 'big.txt', 'small.txt']);

  // The server sorts too: the headers are plain links.
  const noScript = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: false });
  try {
    const plain = await noScript.newPage();
    await new AuthPage(plain).logIn(username, PASSWORD);
    const plainFiles = new FilesPage(plain);
    await plainFiles.sortBy('size');
    await expect(plain).toHaveURL(/\?sort=size&dir=desc$/);
    await expect.poll(() => plainFiles.names()).toEqual(['Beta', 'Alpha', 'big.txt', 'medium.txt', 'small.txt']);
  } finally {
    await noScript.close();
  }
});
