// Two devices on one account: what one does shows up on the other's open page
// without a reload, through the server's change stream.
import { test, expect } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { AuthPage, FilesPage } from './pages';

const PASSWORD = 'correct horse battery staple';

test('an upload and a new folder on one device appear live on another', async ({ browser }, testInfo) => {
  const baseURL = testInfo.project.use.baseURL;
  const laptop = await browser.newContext({ baseURL });
  const phone = await browser.newContext({ baseURL });
  try {
    const laptopPage = await laptop.newPage();
    const phonePage = await phone.newPage();
    const username = `live-${Date.now()}`;
    await new AuthPage(laptopPage).signUp(username, PASSWORD);
    await new AuthPage(phonePage).logIn(username, PASSWORD);
    const onLaptop = new FilesPage(laptopPage);
    const onPhone = new FilesPage(phonePage);
    await onLaptop.waitForApp();
    await onPhone.waitForApp();
    await onPhone.waitForLiveUpdates();
    await expect(phonePage.getByTestId('empty-folder')).toBeVisible();

    const notes = testInfo.outputPath('notes.txt');
    await writeFile(notes, 'minutes of the meeting\n');
    await onLaptop.dropFile(notes, 'notes.txt');
    await onLaptop.waitUntilUploaded('notes.txt');
    const committed = Date.now();
    await expect(onPhone.entry('notes.txt')).toBeVisible();
    testInfo.annotations.push({
      type: 'live update',
      description: `the upload showed on the other device ${Date.now() - committed} ms after it was committed`,
    });

    // A change made through the API (a script, another client) shows up too.
    const created = await laptopPage.request.post('/api/v1/folders', { data: { path: '/Projects' } });
    expect(created.status()).toBe(201);
    await expect(onPhone.entry('Projects')).toBeVisible();
    await expect(onLaptop.entry('Projects')).toBeVisible();
  } finally {
    await laptop.close();
    await phone.close();
  }
});
