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

/** The "Share" dialog of one entry in the file browser. */
export class ShareDialog {
  readonly root: Locator;

  constructor(private readonly page: Page) {
    this.root = page.getByTestId('share-dialog');
  }

  /** Opens the dialog of the entry named `name` in the listing shown. */
  static async open(page: Page, name: string): Promise<ShareDialog> {
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await page
      .locator(`[data-testid="entry"][data-name="${name}"]`)
      .getByTestId('share-button')
      .click();
    const dialog = new ShareDialog(page);
    await expect(dialog.root).toBeVisible();
    return dialog;
  }

  /** Makes a public link; answers its absolute address. */
  async createLink(options: { password?: string; fileRequest?: boolean } = {}): Promise<string> {
    if (options.fileRequest) {
      await this.root.getByTestId('share-link-permission').selectOption('upload_only');
    }
    if (options.password) {
      await this.root.getByTestId('share-password').fill(options.password);
    }
    await this.root.getByTestId('create-link').click();
    const created = this.root.getByTestId('created-link');
    await expect(created).toHaveValue(/\/s\/[0-9a-f]{32}$/);
    await expect(this.root.getByTestId('entry-share')).not.toHaveCount(0);
    return created.inputValue();
  }

  async close() {
    await this.root.getByTestId('share-close').click();
    await expect(this.root).toBeHidden();
  }
}

/** A public link's page, as anyone holding the link sees it. */
export class SharedLinkPage {
  constructor(private readonly page: Page) {}

  async open(url: string) {
    await this.page.goto(url);
  }

  async enterPassword(password: string) {
    const form = this.page.getByTestId('link-password-form');
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Open' }).click();
  }

  entry(name: string): Locator {
    return this.page.locator(`[data-testid="shared-entry"][data-name="${name}"]`);
  }

  /** Downloads a listed file; answers the saved path. */
  async download(name: string, saveAs: string): Promise<string> {
    const started = this.page.waitForEvent('download');
    await this.entry(name).getByRole('link', { name }).click();
    const download = await started;
    await download.saveAs(saveAs);
    return saveAs;
  }

  /** Downloads the folder shown as a zip; answers the saved path and file name. */
  async downloadZip(saveAs: string): Promise<{ path: string; name: string }> {
    const started = this.page.waitForEvent('download');
    await this.page.getByTestId('download-zip').click();
    const download = await started;
    await download.saveAs(saveAs);
    return { path: saveAs, name: download.suggestedFilename() };
  }

  /** Picks a file from disk for a file request (needs the page's script). */
  async sendFile(diskPath: string) {
    await expect(this.page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await this.page.getByTestId('link-file-picker').setInputFiles(diskPath);
  }

  sent(name: string): Locator {
    return this.page.locator(`[data-testid="link-upload"][data-name="${name}"]`);
  }

  error(): Locator {
    return this.page.getByTestId('link-error');
  }
}

/** `/shared`: what the user shared and what was shared with them. */
export class SharedPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.goto('/shared');
    await expect(this.page.getByTestId('shared-page')).toBeVisible();
  }

  made(name: string): Locator {
    return this.page.locator(`[data-testid="share-made"][data-name="${name}"]`);
  }

  async revoke(name: string) {
    await expect(this.page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await this.made(name).getByTestId('revoke-share').click();
    await expect(this.made(name)).toHaveCount(0);
  }
}
