// Page objects for Cairn's pages: tests speak in user actions, located by role,
// label or data-testid.
import { expect, type Download, type Locator, type Page } from '@playwright/test';

/**
 * The `Origin` a browser puts on the page's own POSTs. `page.request` shares the
 * page's cookies but sends no `Origin`, and Cairn refuses a state-changing request
 * that carries the session cookie without naming Cairn's own origin.
 */
export function sameOrigin(page: Page): Record<string, string> {
  const url = page.url();
  const origin = url.startsWith('http')
    ? new URL(url).origin
    : `http://127.0.0.1:${process.env.E2E_PORT ?? '8090'}`;
  return { Origin: origin };
}

/** Stores a small file at `path` through the API (one multipart request). */
export async function putFile(page: Page, path: string, content: string | Buffer) {
  const name = path.split('/').pop() ?? 'file';
  const response = await page.request.post('/api/v1/files', {
    headers: sameOrigin(page),
    multipart: {
      path,
      file: { name, mimeType: 'application/octet-stream', buffer: Buffer.from(content) },
    },
  });
  expect(response.status(), await response.text()).toBe(201);
}

/** Creates a folder (and its parents) through the API. */
export async function putFolder(page: Page, path: string) {
  const response = await page.request.post('/api/v1/folders', { headers: sameOrigin(page), data: { path } });
  expect(response.status(), await response.text()).toBe(201);
}

/** Saves a download and answers its bytes. */
export async function downloadedBytes(download: Download, saveAs: string): Promise<Buffer> {
  await download.saveAs(saveAs);
  const { readFile } = await import('node:fs/promises');
  return readFile(saveAs);
}

/**
 * The names in a ZIP archive, read from its central directory (ZIP64 included), as
 * an unzip tool lists them.
 */
export function zipNames(zip: Buffer): string[] {
  let end = -1;
  for (let at = zip.length - 22; at >= 0; at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error('not a ZIP archive: no end of central directory');
  let count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  if (offset === 0xffffffff || count === 0xffff) {
    const locator = end - 20;
    if (zip.readUInt32LE(locator) !== 0x07064b50) throw new Error('ZIP64 locator missing');
    const record = Number(zip.readBigUInt64LE(locator + 8));
    count = Number(zip.readBigUInt64LE(record + 32));
    offset = Number(zip.readBigUInt64LE(record + 48));
  }
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8'));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

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

  /** The names listed, in the order shown. */
  async names(): Promise<string[]> {
    return this.page.getByTestId('entry').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-name') ?? ''));
  }

  /** The notice line over the listing. */
  notice(): Locator {
    return this.page.getByTestId('notice');
  }

  /** Opens an entry's "⋯" menu; answers the menu. */
  async openMenu(name: string): Promise<Locator> {
    await this.entry(name).getByTestId('row-menu-button').click();
    const menu = this.entry(name).getByTestId('row-menu');
    await expect(menu).toBeVisible();
    return menu;
  }

  /** Runs a menu item of an entry's "⋯" menu. */
  async menuAction(name: string, item: string | RegExp) {
    const menu = await this.openMenu(name);
    await menu.getByRole('menuitem', { name: item }).click();
  }

  async newFolder(name: string) {
    await this.page.getByTestId('new-folder').click();
    const field = this.page.getByTestId('dialog-name');
    await expect(field).toBeFocused();
    await field.fill(name);
    await field.press('Enter');
    await expect(this.entry(name)).toBeVisible();
  }

  async rename(name: string, newName: string) {
    await this.menuAction(name, 'Rename…');
    const field = this.page.getByTestId('dialog-name');
    await expect(field).toBeFocused();
    await field.fill(newName);
    await field.press('Enter');
    await expect(this.entry(newName)).toBeVisible();
    await expect(this.entry(name)).toHaveCount(0);
  }

  /** In the open "Move to…"/"Copy to…" dialog: opens `folders` from the root, then confirms. */
  async pick(folders: string[]) {
    const picker = this.page.getByTestId('picker');
    await expect(picker).toBeVisible();
    await picker.getByRole('button', { name: 'Files', exact: true }).click();
    for (const folder of folders) {
      await picker.locator(`[data-testid="picker-folder"][data-name="${folder}"]`).click();
      await expect(picker.locator('[aria-current="location"]')).toHaveText(folder);
    }
    await picker.getByTestId('picker-confirm').click();
    await expect(picker).toBeHidden();
  }

  async moveByDialog(name: string, folders: string[]) {
    await this.menuAction(name, 'Move to…');
    await this.pick(folders);
    await expect(this.entry(name)).toHaveCount(0);
  }

  async copyByDialog(name: string, folders: string[]) {
    await this.menuAction(name, 'Copy to…');
    await this.pick(folders);
  }

  async delete(name: string) {
    await this.menuAction(name, 'Delete');
    await expect(this.entry(name)).toHaveCount(0);
    await expect(this.notice()).toContainText('to the trash');
  }

  /** Clicks a row beside its links, as a user selects it; `modifiers` as in Playwright. */
  async clickRow(name: string, modifiers: ('Shift' | 'Control')[] = []) {
    await this.entry(name).locator('td.num').click({ modifiers });
  }

  selectionCount(): Locator {
    return this.page.getByTestId('selection-count');
  }

  /** Drags entry `name` onto the row of folder `target`. */
  async dragOnto(name: string, target: Locator) {
    await this.entry(name).locator('td.name').dragTo(target);
  }

  /** Clicks a column header to sort by it. */
  async sortBy(column: 'name' | 'size' | 'modified') {
    await this.page.getByTestId(`sort-${column}`).click();
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

export class TrashPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto('/trash');
    await expect(this.page.getByRole('heading', { name: 'Trash' })).toBeVisible();
    await expect(this.page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  }

  entry(name: string): Locator {
    return this.page.locator(`[data-testid="trash-entry"][data-name="${name}"]`);
  }

  async restore(name: string) {
    await this.entry(name).getByTestId('restore').click();
    await expect(this.entry(name)).toHaveCount(0);
  }

  /** Answers the confirmation dialog that is open. */
  async confirm() {
    const dialog = this.page.getByTestId('confirm');
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: /Delete forever|Empty trash/ }).click();
    await expect(dialog).toBeHidden();
  }

  async deleteForever(name: string) {
    await this.entry(name).getByTestId('delete-forever').click();
    await this.confirm();
    await expect(this.entry(name)).toHaveCount(0);
  }

  async empty() {
    await this.page.getByTestId('empty-trash').click();
    await this.confirm();
    await expect(this.page.getByTestId('trash-empty')).toBeVisible();
  }
}

export class DetailsPage {
  constructor(private readonly page: Page) {}

  version(rev: number): Locator {
    return this.page.locator(`[data-testid="version"][data-rev="${rev}"]`);
  }

  versions(): Locator {
    return this.page.getByTestId('version');
  }

  async restore(rev: number) {
    await this.version(rev).getByTestId('version-restore').click();
    await expect(this.page.getByTestId('notice')).toContainText(`Restored version ${rev}`);
  }

  async downloadCurrent(): Promise<Download> {
    const started = this.page.waitForEvent('download');
    await this.page.getByTestId('details-download').click();
    return started;
  }
}

export class AccountPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto('/account');
    await expect(this.page.getByRole('heading', { name: 'Account' })).toBeVisible();
    await expect(this.page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  }

  usage(): Locator {
    return this.page.getByTestId('usage');
  }

  token(label: string): Locator {
    return this.page.locator(`[data-testid="token"][data-label="${label}"]`);
  }

  /** Creates a token; answers its secret as shown once. */
  async createToken(label: string): Promise<string> {
    await this.page.getByTestId('token-label').fill(label);
    await this.page.getByTestId('token-label').press('Enter');
    await expect(this.token(label)).toBeVisible();
    const secret = this.page.getByTestId('new-token-value');
    await expect(secret).toBeVisible();
    return secret.inputValue();
  }

  async revoke(label: string) {
    await this.token(label).getByTestId('revoke').click();
    const dialog = this.page.getByTestId('confirm');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expect(dialog).toBeHidden();
    await expect(this.token(label)).toHaveCount(0);
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
    const menu = await new FilesPage(page).openMenu(name);
    await menu.getByTestId('share-button').click();
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
