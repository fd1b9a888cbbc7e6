// Selecting rows with click, ctrl-click and shift-click, and acting on the selection.
import { test, expect } from '@playwright/test';
import { AuthPage, FilesPage, putFile, putFolder, zipNames } from './pages';

const PASSWORD = 'correct horse battery staple';

test('shift- and ctrl-click select rows; the selection is deleted, moved and downloaded at once', async ({
  page,
}, testInfo) => {
  await new AuthPage(page).signUp(`select-${Date.now()}`, PASSWORD);
  await putFolder(page, '/Target');
  for (const name of ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt']) {
    await putFile(page, `/${name}`, `file ${name}`);
  }
  await page.goto('/files');
  const files = new FilesPage(page);
  await files.waitForApp();
  await expect(files.selectionCount()).toBeHidden();

  // Click, then shift-click: a range.
  await files.clickRow('b.txt');
  await expect(files.selectionCount()).toHaveText('1 selected');
  await files.clickRow('d.txt', ['Shift']);
  await expect(files.selectionCount()).toHaveText('3 selected');
  for (const name of ['b.txt', 'c.txt', 'd.txt']) {
    await expect(files.entry(name)).toHaveAttribute('aria-selected', 'true');
  }
  // Ctrl-click takes one out and adds another.
  await files.clickRow('c.txt', ['Control']);
  await files.clickRow('f.txt', ['Control']);
  await expect(files.selectionCount()).toHaveText('3 selected');
  await expect(files.entry('c.txt')).toHaveAttribute('aria-selected', 'false');

  // Download the selection as one zip.
  const started = page.waitForEvent('download');
  await page.getByTestId('bulk-download').click();
  const download = await started;
  const zipPath = testInfo.outputPath('selection.zip');
  await download.saveAs(zipPath);
  const { readFile } = await import('node:fs/promises');
  expect(zipNames(await readFile(zipPath)).sort()).toEqual(['b.txt', 'd.txt', 'f.txt']);

  // Delete all three at once.
  await page.getByTestId('bulk-delete').click();
  await expect(files.notice()).toContainText('Moved 3 items to the trash');
  await expect.poll(() => files.names()).toEqual(['Target', 'a.txt', 'c.txt', 'e.txt']);
  await expect(files.selectionCount()).toBeHidden();

  // Checkboxes select too (keyboard-reachable), then a bulk move by dialog.
  await files.entry('a.txt').getByTestId('select').check();
  await files.entry('e.txt').getByTestId('select').check();
  await expect(files.selectionCount()).toHaveText('2 selected');
  await page.getByTestId('bulk-move').click();
  await files.pick(['Target']);
  await expect(files.notice()).toContainText('Moved 2 items to /Target');
  await expect.poll(() => files.names()).toEqual(['Target', 'c.txt']);

  // A selection dragged onto a folder moves together.
  await putFile(page, '/g.txt', 'g');
  await putFile(page, '/h.txt', 'h');
  await page.reload();
  await files.waitForApp();
  await page.getByTestId('select-all').check();
  await files.clickRow('Target', ['Control']);
  await expect(files.selectionCount()).toHaveText('3 selected');
  await files.dragOnto('g.txt', files.entry('Target'));
  await expect(files.notice()).toContainText('Moved 3 items to /Target');
  await expect.poll(() => files.names()).toEqual(['Target']);
  await page.goto('/files/Target');
  await expect.poll(() => files.names()).toEqual(['a.txt', 'c.txt', 'e.txt', 'g.txt', 'h.txt']);
});
