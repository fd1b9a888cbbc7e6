// The app at phone width (375 × 740): nothing scrolls sideways, and every action on
// an entry is reachable through its row menu.
import { test, expect, type Page } from '@playwright/test';
import { AuthPage, FilesPage, putFile, putFolder } from './pages';

const PASSWORD = 'correct horse battery staple';

test.use({ viewport: { width: 375, height: 740 } });

async function expectNoSidewaysScroll(page: Page) {
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth))
    .toBeLessThanOrEqual(0);
}

test('the file browser and the other pages fit a phone, and row actions are reachable', async ({ page }) => {
  await new AuthPage(page).signUp(`phone-${Date.now()}`, PASSWORD);
  await putFolder(page, '/Holiday photos from the summer of 2026');
  await putFile(page, '/a rather long file name that would push the table wide.pdf', 'pdf');
  await putFile(page, '/notes.txt', 'notes');
  await page.goto('/files');
  const files = new FilesPage(page);
  await files.waitForApp();
  await expectNoSidewaysScroll(page);

  // Every action is in the row menu, which fits the screen too.
  const menu = await files.openMenu('notes.txt');
  for (const item of ['Download', 'Rename…', 'Move to…', 'Copy to…', 'Details and versions', 'Delete']) {
    await expect(menu.getByRole('menuitem', { name: item, exact: true })).toBeVisible();
  }
  const box = await menu.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= 375).toBe(true);
  await expectNoSidewaysScroll(page);
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(files.entry('notes.txt').getByTestId('row-menu-button')).toBeFocused();

  await files.rename('notes.txt', 'minutes.txt');
  await files.moveByDialog('minutes.txt', ['Holiday photos from the summer of 2026']);
  await files.clickRow('Holiday photos from the summer of 2026');
  await expect(page.getByTestId('selection-bar')).toBeVisible();
  await expectNoSidewaysScroll(page);

  await files.menuAction('a rather long file name that would push the table wide.pdf', 'Details and versions');
  await expect(page.getByTestId('versions')).toBeVisible();
  await expectNoSidewaysScroll(page);
  for (const path of ['/trash', '/account', '/search?q=a']) {
    await page.goto(path);
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await expectNoSidewaysScroll(page);
  }
});
