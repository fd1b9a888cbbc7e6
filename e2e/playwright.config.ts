// Cairn's e2e suite: Debian's Chromium (never a downloaded browser) against a real
// `cairn` server that Playwright starts on loopback with a throwaway data directory.
// `cargo xtask test` sets E2E_SERVER_BIN, E2E_SITE_DIR, E2E_DATA_DIR and E2E_PORT.
import { defineConfig } from '@playwright/test';

const port = process.env.E2E_PORT ?? '8090';
const bin = process.env.E2E_SERVER_BIN;
if (!bin) {
  throw new Error('E2E_SERVER_BIN is not set: run the e2e tests through `cargo xtask test`');
}

export default defineConfig({
  testDir: './tests',
  forbidOnly: true,
  retries: 0,
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    acceptDownloads: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: JSON.stringify(bin),
    url: `http://127.0.0.1:${port}/login`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      CAIRN_BIND: `127.0.0.1:${port}`,
      CAIRN_DATA_DIR: process.env.E2E_DATA_DIR ?? 'e2e-data',
      CAIRN_SITE_DIR: process.env.E2E_SITE_DIR ?? '',
      LEPTOS_OUTPUT_NAME: 'cairn',
      RUST_LOG: 'warn',
      // Every spec signs up its own users, all from loopback: more than the
      // default 20 sign-ups per address and hour.
      CAIRN_SIGNUPS_PER_HOUR: '0',
    },
  },
});
