// Benchmarks, not tests: `cargo xtask bench` runs them with this configuration
// (same server and browser set-up as the e2e suite, the specs under bench/).
import base from './playwright.config';
import { defineConfig } from '@playwright/test';

export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '**/*.bench.ts',
  timeout: 900_000,
});
