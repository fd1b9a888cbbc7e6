// The account page: storage used against the quota, and API tokens created (secret
// shown once), used by a script, and revoked.
import { test, expect } from '@playwright/test';
import { AccountPage, AuthPage, putFile } from './pages';

const PASSWORD = 'correct horse battery staple';

test('the account page shows usage and creates and revokes an API token', async ({ page, playwright }, testInfo) => {
  const username = `account-${Date.now()}`;
  await new AuthPage(page).signUp(username, PASSWORD);
  await putFile(page, '/notes.txt', 'x'.repeat(1500));
  await page.getByRole('link', { name: 'Account' }).click();
  const account = new AccountPage(page);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('username')).toHaveText(username);
  await expect(account.usage()).toContainText('1.5 KB of 107 GB used');
  await expect(page.getByTestId('usage-meter')).toHaveAttribute('value', '1500');
  await expect(page.getByTestId('no-tokens')).toBeVisible();

  await account.goto();
  const secret = await account.createToken('backup script');
  expect(secret.length).toBeGreaterThan(16);

  // A script holding the token gets in; the page never shows the secret again.
  const script = await playwright.request.newContext({
    baseURL: testInfo.project.use.baseURL,
    extraHTTPHeaders: { Authorization: `Bearer ${secret}` },
  });
  try {
    const me = await script.get('/api/v1/me');
    expect(me.status()).toBe(200);
    expect((await me.json()).username).toBe(username);
    await page.reload();
    await expect(account.token('backup script')).toBeVisible();
    await expect(page.getByTestId('new-token-value')).toHaveCount(0);
    await expect(page.locator('body')).not.toContainText(secret);

    await page.locator('body[data-hydrated="true"]').waitFor();
    await account.revoke('backup script');
    await expect(page.getByTestId('notice')).toContainText('Revoked the token “backup script”');
    expect((await script.get('/api/v1/me')).status()).toBe(401);
  } finally {
    await script.dispose();
  }
});
