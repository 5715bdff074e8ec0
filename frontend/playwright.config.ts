import { defineConfig } from '@playwright/test';
import { portFrom, requireBuilt, use } from './playwright.shared';

// Browser tests run Debian's Chromium against the BUILT app (dist/, served by
// `vite preview`), with a fake window.go / window.runtime installed per page.

requireBuilt('e2e');
const port = portFrom('TAIMEN_E2E_PORT');
const baseURL = `http://127.0.0.1:${port}/`;

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/playwright',
  // Two cores shared with other jobs: one worker, no retries (a flake must show).
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  use: use(baseURL),
  // Run vite's own JS with node, not through npx: killing an npx wrapper
  // leaves vite running (toolchain.md §1.6). Playwright stops it at the end.
  webServer: {
    command: `node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
