// Organising files in the browser: new folder, rename, move (by drag and by the
// "Move to…" dialog), copy, delete to the trash, restore, delete forever, empty trash.
import { test, expect } from '@playwright/test';
import { AuthPage, FilesPage, TrashPage, putFile, putFolder } from './pages';

const PASSWORD = 'correct horse battery staple';

test('new folder, rename, move by drag and by dialog, and copy', async ({ page }) => {
  await new AuthPage(page).signUp(`organise-${Date.now()}`, PASSWORD);
  await putFile(page, '/draft.txt', 'first draft');
  await putFile(page, '/photo.jpg', 'not really a photo');
  await putFolder(page, '/Archive/2025');
  await page.goto('/files');
  const files = new FilesPage(page);
  await files.waitForApp();

  await files.newFolder('Projects');
  await expect(files.entry('Projects')).toHaveAttribute('data-folder', 'true');
  await expect(files.notice()).toContainText('Created the folder “Projects”');

  // A name that is taken is refused with the server's reason, in the dialog.
  await files.menuAction('draft.txt', 'Rename…');
  await page.getByTestId('dialog-name').fill('photo.jpg');
  await page.getByTestId('dialog-name').press('Enter');
  await expect(page.getByTestId('dialog-error')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('dialog')).toBeHidden();

  // By keyboard: Tab stays inside an open dialog, and closing it gives focus back
  // to what opened it.
  await page.getByTestId('new-folder').focus();
  await page.keyboard.press('Enter');
  const field = page.getByTestId('dialog-name');
  await expect(field).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByTestId('dialog').locator('button:not([disabled])').last()).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(field).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('dialog')).toBeHidden();
  await expect(page.getByTestId('new-folder')).toBeFocused();

  await files.rename('draft.txt', 'report.txt');

  // Drag a row onto a folder row.
  await files.dragOnto('report.txt', files.entry('Projects'));
  await expect(files.entry('report.txt')).toHaveCount(0);
  await expect(files.notice()).toContainText('Moved “report.txt” to /Projects');

  // The "Move to…" dialog navigates into nested folders.
  await files.moveByDialog('photo.jpg', ['Archive', '2025']);
  await page.goto('/files/Archive/2025');
  await expect(files.entry('photo.jpg')).toBeVisible();

  // Drag a row onto a breadcrumb: back up to the root.
  await files.waitForApp();
  await files.dragOnto('photo.jpg', page.locator('[data-testid="crumb"][data-path="/"]'));
  await expect(files.entry('photo.jpg')).toHaveCount(0);

  // Copy into another folder, and beside itself.
  await page.goto('/files/Projects');
  await files.waitForApp();
  await expect(files.entry('report.txt')).toBeVisible();
  await files.copyByDialog('report.txt', ['Archive']);
  await files.copyByDialog('report.txt', ['Projects']);
  await expect(files.entry('report (copy).txt')).toBeVisible();
  await expect(files.entry('report.txt')).toBeVisible();
  await page.goto('/files/Archive');
  await expect(files.entry('report.txt')).toBeVisible();
  await page.goto('/files');
  await expect(files.entry('photo.jpg')).toBeVisible();
});

test('delete to the trash, undo, restore from the trash, delete forever and empty the trash', async ({
  page,
}) => {
  await new AuthPage(page).signUp(`trash-${Date.now()}`, PASSWORD);
  for (const name of ['keep.txt', 'undo.txt', 'restore.txt', 'gone.txt', 'also-gone.txt']) {
    await putFile(page, `/${name}`, `content of ${name}`);
  }
  await page.goto('/trash');
  await expect(page.getByTestId('trash-empty')).toContainText('The trash is empty');

  await page.goto('/files');
  const files = new FilesPage(page);
  await files.waitForApp();
  await files.delete('undo.txt');
  await files.notice().getByRole('button', { name: 'Undo' }).click();
  await expect(files.entry('undo.txt')).toBeVisible();

  for (const name of ['restore.txt', 'gone.txt', 'also-gone.txt']) await files.delete(name);

  const trash = new TrashPage(page);
  await trash.goto();
  await expect(trash.entry('restore.txt')).toBeVisible();
  await expect(trash.entry('undo.txt')).toHaveCount(0);
  await trash.restore('restore.txt');
  await expect(page.getByTestId('notice')).toContainText('Restored “restore.txt” to Files.');
  await trash.deleteForever('gone.txt');
  await expect(trash.entry('also-gone.txt')).toBeVisible();
  await trash.empty();

  // What the server renders agrees.
  await page.reload();
  await expect(page.getByTestId('trash-empty')).toBeVisible();
  await page.goto('/files');
  await expect.poll(() => files.names()).toEqual(['keep.txt', 'restore.txt', 'undo.txt']);
});
