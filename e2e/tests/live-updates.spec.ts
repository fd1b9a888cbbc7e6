// Two devices on one account: what one does shows up on the other's open page
// without a reload, through the server's change stream.
import { test, expect } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { AuthPage, FilesPage, sameOrigin } from './pages';

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
    const latency = `the upload showed on the other device ${Date.now() - committed} ms after it was committed`;
    testInfo.annotations.push({ type: 'live update', description: latency });
    console.log(latency);

    // The phone's activity feed tells who did what, and counts it as unread.
    await expect(onPhone.unreadActivity()).toHaveText('1');
    const items = await onPhone.openActivity();
    await expect(items).toHaveCount(1);
    await expect(items.first()).toHaveAttribute('data-action', 'added');
    await expect(items.first()).toContainText('Chromium on Linux');
    await expect(items.first()).toContainText('/notes.txt');
    await expect(onPhone.unreadActivity()).toBeHidden();

    // A change made through the API (a script, another client) shows up too.
    const created = await laptopPage.request.post('/api/v1/folders', { headers: sameOrigin(laptopPage), data: { path: '/Projects' } });
    expect(created.status()).toBe(201);
    await expect(onPhone.entry('Projects')).toBeVisible();
    await expect(onLaptop.entry('Projects')).toBeVisible();
    await expect(items).toHaveCount(2);
    await expect(items.first()).toContainText('/Projects');

    // What happened while a device was away is waiting, unread, when it comes back.
    await phonePage.close();
    await laptopPage.request.post('/api/v1/folders', { headers: sameOrigin(laptopPage), data: { path: '/Archive' } });
    const phoneAgain = await phone.newPage();
    const backOnPhone = new FilesPage(phoneAgain);
    await phoneAgain.goto('/files');
    await backOnPhone.waitForApp();
    await expect(backOnPhone.unreadActivity()).toHaveText('1');
    const missed = await backOnPhone.openActivity();
    await expect(missed.first()).toContainText('/Archive');
  } finally {
    await laptop.close();
    await phone.close();
  }
});

test('two devices edit the same file from the same version: both edits are kept, one as a conflicted copy', async ({
  browser,
}, testInfo) => {
  const baseURL = testInfo.project.use.baseURL;
  const laptop = await browser.newContext({ baseURL });
  const phone = await browser.newContext({ baseURL });
  try {
    const laptopPage = await laptop.newPage();
    const phonePage = await phone.newPage();
    // The phone is behind: it hears of no change until it reloads.
    await phonePage.route('**/api/v1/notifications/stream', (route) => route.abort());
    const username = `conflict-${Date.now()}`;
    await new AuthPage(laptopPage).signUp(username, PASSWORD);
    const onLaptop = new FilesPage(laptopPage);
    await onLaptop.waitForApp();
    const original = testInfo.outputPath('plan.txt');
    await writeFile(original, 'plan, first draft\n');
    await onLaptop.dropFile(original, 'plan.txt');
    await onLaptop.waitUntilUploaded('plan.txt');

    await new AuthPage(phonePage).logIn(username, PASSWORD);
    const onPhone = new FilesPage(phonePage);
    await onPhone.waitForApp();
    await expect(phonePage.getByTestId('device-name')).toHaveText('Chromium on Linux');
    await onPhone.nameDevice("Bob's phone");
    await expect(onPhone.entry('plan.txt')).toBeVisible();

    // Both edit the version they see.
    const laptopEdit = testInfo.outputPath('laptop-plan.txt');
    await writeFile(laptopEdit, 'plan, edited on the laptop\n');
    await onLaptop.dropFile(laptopEdit, 'plan.txt');
    await expect(onLaptop.upload('plan.txt').last()).toHaveAttribute('data-state', 'done');
    const phoneEdit = testInfo.outputPath('phone-plan.txt');
    await writeFile(phoneEdit, 'plan, edited on the phone\n');
    await onPhone.dropFile(phoneEdit, 'plan.txt');

    const today = new Date().toISOString().slice(0, 10);
    const copyName = `plan (Bob's phone's conflicted copy ${today}).txt`;
    await expect(onPhone.upload('plan.txt')).toHaveAttribute('data-conflict', copyName);
    await expect(onPhone.upload('plan.txt').getByTestId('upload-status')).toContainText('both are kept');
    await expect(onPhone.entry(copyName)).toBeVisible();
    await expect(onLaptop.entry(copyName)).toBeVisible();

    // Nothing is lost: the file holds the laptop's edit, the copy the phone's.
    const listing = await (await laptopPage.request.get('/api/v1/files?path=/')).json();
    const byName = new Map<string, string>(listing.entries.map((e: { name: string; id: string }) => [e.name, e.id]));
    expect([...byName.keys()].sort()).toEqual([copyName, 'plan.txt'].sort());
    const content = async (name: string) =>
      (await laptopPage.request.get(`/api/v1/files/${byName.get(name)}/content`)).text();
    expect(await content('plan.txt')).toBe('plan, edited on the laptop\n');
    expect(await content(copyName)).toBe('plan, edited on the phone\n');
  } finally {
    await laptop.close();
    await phone.close();
  }
});
