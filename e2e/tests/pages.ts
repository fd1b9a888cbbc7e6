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

  /**
   * Drops files from disk with a real `drop` event. Unlike `dropFile`, the files stay
   * on disk (the page gets them through a file input first), so they may be of any
   * size.
   */
  async dropFromDisk(...diskPaths: string[]) {
    const input = await this.page.evaluateHandle(() => {
      const element = document.createElement('input');
      element.type = 'file';
      element.multiple = true;
      element.hidden = true;
      document.body.appendChild(element);
      return element;
    });
    await input.asElement()!.setInputFiles(diskPaths);
    const dataTransfer = await this.page.evaluateHandle((element) => {
      const transfer = new DataTransfer();
      for (const file of Array.from((element as HTMLInputElement).files ?? [])) transfer.items.add(file);
      (element as HTMLInputElement).remove();
      return transfer;
    }, input);
    await this.dropZone.dispatchEvent('dragover', { dataTransfer });
    await this.dropZone.dispatchEvent('drop', { dataTransfer });
  }

  /** Picks files from disk with the "Upload files" button. */
  async pickFiles(...diskPaths: string[]) {
    await this.page.getByTestId('file-picker').setInputFiles(diskPaths);
  }

  /** Picks a whole folder from disk with the "Upload a folder" button. */
  async pickFolder(diskPath: string) {
    await this.page.getByTestId('folder-picker').setInputFiles(diskPath);
  }

  /** The upload panel's totals line. */
  uploadSummary(): Locator {
    return this.page.getByTestId('upload-summary');
  }

  /** Bytes of `name` the server has stored from this page so far. */
  async uploadSentBytes(name: string): Promise<number> {
    return Number((await this.upload(name).getAttribute('data-sent')) ?? '0');
  }

  /** Waits until `name` has sent at least `bytes` (and is still going). */
  async waitUntilSent(name: string, bytes: number) {
    await expect.poll(() => this.uploadSentBytes(name), { timeout: 120_000 }).toBeGreaterThanOrEqual(bytes);
  }

  async pauseUpload(name: string) {
    await this.upload(name).getByTestId('upload-pause').click();
    await expect(this.upload(name)).toHaveAttribute('data-state', 'paused');
  }

  async resumeUpload(name: string) {
    await this.upload(name).getByTestId('upload-resume').click();
  }

  async cancelUpload(name: string) {
    await this.upload(name).getByTestId('upload-cancel').click();
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

  async waitUntilUploaded(name: string, timeout = 120_000) {
    await expect(this.upload(name)).toHaveAttribute('data-state', 'done', { timeout });
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
