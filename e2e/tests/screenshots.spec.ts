// Screenshots of the main pages for the README: a realistic account, each page at
// desktop (1280 × 800) and phone (375 × 740) width, saved to docs/screenshots/.
import { test, expect, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AccountPage, AuthPage, FilesPage, putFile, putFolder } from './pages';

const OUT = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');
const PASSWORD = 'correct horse battery staple';
const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 375, height: 740 },
} as const;

async function shoot(page: Page, name: string, ready: () => Promise<void>) {
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await ready();
    await page.screenshot({ path: path.join(OUT, `${name}-${size}.png`) });
  }
}

test('screenshots of the main pages at desktop and phone width', async ({ page, browser }, testInfo) => {
  await mkdir(OUT, { recursive: true });
  const login = await browser.newPage({ baseURL: testInfo.project.use.baseURL });
  await login.goto('/login');
  await shoot(login, 'login', async () => {
    await expect(login.getByRole('button', { name: 'Log in' })).toBeVisible();
  });
  await login.close();

  await new AuthPage(page).signUp('alex', PASSWORD);
  for (const folder of ['/Documents/Contracts', '/Photos/Lisbon 2026', '/Projects/Garden shed', '/Music']) {
    await putFolder(page, folder);
  }
  const files: [string, number][] = [
    ['/Quarterly report.pdf', 1_250_000],
    ['/Budget 2026.xlsx', 48_200],
    ['/Reading list.txt', 2_300],
    ['/Documents/Lease agreement.pdf', 830_000],
    ['/Documents/Tax return 2025.pdf', 410_000],
    ['/Photos/Lisbon 2026/Tram 28.jpg', 2_400_000],
    ['/Photos/Lisbon 2026/Alfama at dusk.jpg', 3_100_000],
    ['/Projects/Garden shed/Plan.svg', 61_000],
    ['/old draft.docx', 25_000],
    ['/Scans/receipt 1.png', 90_000],
  ];
  for (const [filePath, size] of files) await putFile(page, filePath, randomBytes(size));
  await putFile(page, '/Meeting notes.md', '# Kick-off\n\n- budget\n');
  await putFile(page, '/Meeting notes.md', '# Kick-off\n\n- budget\n- schedule\n');
  await putFile(page, '/Meeting notes.md', '# Kick-off\n\n- budget\n- schedule\n- who does what\n');

  const filesPage = new FilesPage(page);
  await page.goto('/files');
  await filesPage.waitForApp();
  for (const name of ['old draft.docx', 'Scans']) await filesPage.delete(name);

  await page.goto('/files');
  await shoot(page, 'files', async () => {
    await expect(filesPage.entry('Quarterly report.pdf')).toBeVisible();
    await filesPage.clickRow('Quarterly report.pdf');
    await filesPage.clickRow('Budget 2026.xlsx', ['Control']);
    await expect(filesPage.selectionCount()).toHaveText('2 selected');
  });

  await page.goto('/files/Photos/Lisbon 2026');
  await shoot(page, 'files-menu', async () => {
    await filesPage.openMenu('Tram 28.jpg');
  });

  await page.goto('/files');
  await filesPage.waitForApp();
  await filesPage.menuAction('Meeting notes.md', 'Details and versions');
  await expect(page).toHaveURL(/\/details\//);
  await shoot(page, 'details', async () => {
    await expect(page.getByTestId('version')).toHaveCount(3);
  });

  await page.goto('/trash');
  await shoot(page, 'trash', async () => {
    await expect(page.getByTestId('trash-entry')).toHaveCount(2);
  });

  const account = new AccountPage(page);
  await account.goto();
  await account.createToken('backup script');
  await account.createToken('photo sync');
  await shoot(page, 'account', async () => {
    await expect(account.token('photo sync')).toBeVisible();
  });

  await page.goto('/search?q=pdf');
  await shoot(page, 'search', async () => {
    await expect(page.getByTestId('search-hit')).toHaveCount(3);
  });
});
