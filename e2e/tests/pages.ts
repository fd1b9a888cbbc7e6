// Page objects for Cairn's pages: tests speak in user actions, located by role,
// label or data-testid.
import { expect, type Locator, type Page } from '@playwright/test';

export class AuthPage {
  constructor(private readonly page: Page) {}

  async signUp(username: string, password: string) {
    await this.page.goto('/signup');
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign up' }).click();
    await expect(this.page).toHaveURL(/\/files$/);
  }

  async logIn(username: string, password: string) {
    await this.page.goto('/login');
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Log in' }).click();
    await expect(this.page).toHaveURL(/\/files$/);
  }
}

export class FilesPage {
  readonly dropZone: Locator;
  readonly listing: Locator;

  constructor(private readonly page: Page) {
    this.dropZone = page.getByTestId('drop-zone');
    this.listing = page.getByTestId('listing');
  }

  /** Waits until the WASM app has taken over the server-rendered page. */
  async waitForApp() {
    await expect(this.page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  }

  /**
   * Drops a file from disk onto the page with a real `drop` event whose
   * DataTransfer carries it, as the browser does for a file dragged in.
   */
  async dropFile(diskPath: string, name: string) {
    const fixtureUrl = `/__e2e_fixture/${encodeURIComponent(name)}`;
    await this.page.route(`**${fixtureUrl}`, (route) => route.fulfill({ path: diskPath }));
    const dataTransfer = await this.page.evaluateHandle(
      async ({ url, fileName }) => {
        const blob = await (await fetch(url)).blob();
        const transfer = new DataTransfer();
        transfer.items.add(new File([blob], fileName, { type: 'application/octet-stream' }));
        return transfer;
      },
      { url: fixtureUrl, fileName: name },
    );
    await this.dropZone.dispatchEvent('dragover', { dataTransfer });
    await this.dropZone.dispatchEvent('drop', { dataTransfer });
    await this.page.unroute(`**${fixtureUrl}`);
  }

  /** Waits until the page follows the live change stream. */
  async waitForLiveUpdates() {
    await expect(this.page.locator('body')).toHaveAttribute('data-live', 'connected');
  }

  /** Opens the activity feed; answers its entries. */
  async openActivity(): Promise<Locator> {
    await this.page.getByTestId('activity-button').click();
    await expect(this.page.getByTestId('activity')).toBeVisible();
    return this.page.getByTestId('activity-item');
  }

  /** Names this browser's device through the top bar. */
  async nameDevice(name: string) {
    this.page.once('dialog', (dialog) => dialog.accept(name));
    await this.page.getByTestId('device-name').click();
    await expect(this.page.getByTestId('device-name')).toHaveText(name);
  }

  unreadActivity(): Locator {
    return this.page.getByTestId('activity-unread');
  }

  upload(name: string): Locator {
    return this.page.locator(`[data-testid="upload"][data-name="${name}"]`);
  }

  entry(name: string): Locator {
    return this.page.locator(`[data-testid="entry"][data-name="${name}"]`);
  }

  async waitUntilUploaded(name: string) {
    await expect(this.upload(name)).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
    await expect(this.entry(name)).toBeVisible();
  }

  /** Downloads a listed file through its link; returns the saved path. */
  async download(name: string, saveAs: string): Promise<string> {
    const downloadStarted = this.page.waitForEvent('download');
    await this.entry(name).getByRole('link', { name }).click();
    const download = await downloadStarted;
    await download.saveAs(saveAs);
    return saveAs;
  }
}
