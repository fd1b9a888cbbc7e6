// Benchmarks, not tests: `cargo xtask bench` runs them with this configuration
// (same server and browser set-up as the e2e suite, the specs under bench/, and the
// server's discard endpoint on for the raw-upload baselines).
import base from './playwright.config';
import { defineConfig } from '@playwright/test';

const server = Array.isArray(base.webServer) ? base.webServer[0] : base.webServer!;

export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '**/*.bench.ts',
  timeout: 900_000,
  webServer: { ...server, env: { ...server.env, CAIRN_BENCH_ENDPOINTS: '1' } },
});
