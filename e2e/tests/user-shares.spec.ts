// Sharing a folder with other Cairn users: it appears in their tree under
// "Shared with me"; an editor uploads into it, a viewer is told why they cannot.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import { AuthPage, FilesPage, sameOrigin } from './pages';

const PASSWORD = 'correct horse battery staple';

async function signedUp(browser: Browser, baseURL: string | undefined, username: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await new AuthPage(page).signUp(username, PASSWORD);
  return page;
}

test('a shared folder: the editor uploads into it, the viewer gets a readable refusal', async ({ browser }, testInfo) => {
  const baseURL = testInfo.project.use.baseURL;
  const stamp = Date.now();
  const owner = await signedUp(browser, baseURL, `owner-${stamp}`);
  const editor = await signedUp(browser, baseURL, `editor-${stamp}`);
  const viewer = await signedUp(browser, baseURL, `viewer-${stamp}`);
  try {
    const ownerFiles = new FilesPage(owner);
    await ownerFiles.waitForApp();
    const created = await owner.request.post('/api/v1/folders', { headers: sameOrigin(owner), data: { path: '/Team' } });
    expect(created.status()).toBe(201);
    const team = await created.json();
    for (const [who, permission] of [[`editor-${stamp}`, 'editor'], [`viewer-${stamp}`, 'viewer']]) {
      const shared = await owner.request.post('/api/v1/shares', {
        headers: sameOrigin(owner),
        data: { file_id: team.id, kind: 'user', permission, username: who },
      });
      expect(shared.status()).toBe(201);
    }
    await owner.goto('/files/Team');
    await ownerFiles.waitForApp();
    await ownerFiles.waitForLiveUpdates();

    // The editor finds it under "Shared with me" and uploads into it.
    const editorFiles = new FilesPage(editor);
    await editor.goto('/files');
    await expect(editorFiles.entry('Shared with me')).toBeVisible();
    await editorFiles.entry('Shared with me').getByRole('link', { name: 'Shared with me' }).click();
    await expect(editor).toHaveURL(/\/files\/Shared%20with%20me$/);
    await editorFiles.entry('Team').getByRole('link', { name: 'Team' }).click();
    await expect(editor).toHaveURL(/\/files\/Shared%20with%20me\/Team$/);
    await editorFiles.waitForApp();
    const report = testInfo.outputPath('report.txt');
    await writeFile(report, 'quarterly report\n');
    await editorFiles.dropFile(report, 'report.txt');
    await editorFiles.waitUntilUploaded('report.txt');
    // The owner sees it arrive in their folder, live.
    await expect(ownerFiles.entry('report.txt')).toBeVisible();

    // The viewer sees the folder and the file, and may download it...
    const viewerFiles = new FilesPage(viewer);
    await viewer.goto('/files/Shared%20with%20me/Team');
    await viewerFiles.waitForApp();
    await expect(viewerFiles.entry('report.txt')).toBeVisible();
    const saved = await viewerFiles.download('report.txt', testInfo.outputPath('downloaded.txt'));
    expect(await readFile(saved, 'utf8')).toBe('quarterly report\n');
    // ...but an upload is refused with a message saying why and whom to ask.
    const notes = testInfo.outputPath('notes.txt');
    await writeFile(notes, 'my notes\n');
    await viewerFiles.dropFile(notes, 'notes.txt');
    await expect(viewerFiles.upload('notes.txt')).toHaveAttribute('data-state', 'failed');
    await expect(viewerFiles.upload('notes.txt')).toContainText(`shared “Team” with you as a viewer`);
    await expect(viewerFiles.upload('notes.txt')).toContainText(`ask owner-${stamp}`);
    await expect(viewerFiles.entry('notes.txt')).toHaveCount(0);
  } finally {
    for (const page of [owner, editor, viewer]) {
      await page.context().close();
    }
  }
});
