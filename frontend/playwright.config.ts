import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// Browser tests run Debian's Chromium against the BUILT app (dist/, served by
// `vite preview`), with a fake window.go / window.runtime installed per page.
// No browser is ever downloaded.

const chromium = process.env.TAIMEN_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(
    `taimen e2e: no Chromium at ${chromium}\nhint: apt-get install -y --no-install-recommends chromium (or set TAIMEN_CHROMIUM)`,
  );
}
if (!existsSync(new URL('./dist/index.html', import.meta.url))) {
  throw new Error('taimen e2e: dist/index.html missing\nhint: run `npm run e2e` (it builds first) or `npm run build`');
}

// A free port, picked once by the runner and handed to its workers through
// the environment (workers load this file again and must agree on it).
function freePort(): number {
  const probe =
    "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ['-e', probe]).toString());
}
process.env.TAIMEN_E2E_PORT ??= String(freePort());
const port = Number(process.env.TAIMEN_E2E_PORT);
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
  use: {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    locale: 'ja-JP',
    // Every launch gets a fresh temporary user-data-dir from Playwright.
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
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
