import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// The clerk's flow against the REAL Go backend: internal/devserver serves
// the built frontend and binds the same app.Counter the desktop app binds
// (demo mode: the simulated wallet and card, real session crypto and
// verification), over HTTP instead of the Wails IPC. Debian's Chromium, no
// downloaded browser.

const chromium = process.env.TAIMEN_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(`taimen e2e: no Chromium at ${chromium}\nhint: apt-get install -y --no-install-recommends chromium`);
}
if (!existsSync(new URL('./dist/index.html', import.meta.url))) {
  throw new Error('taimen e2e: dist/index.html missing\nhint: run `npm run e2e:real` (it builds first)');
}

function freePort(): number {
  const probe =
    "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
  return Number(execFileSync(process.execPath, ['-e', probe]).toString());
}
process.env.TAIMEN_E2E_REAL_PORT ??= String(freePort());
const port = Number(process.env.TAIMEN_E2E_REAL_PORT);
const baseURL = `http://127.0.0.1:${port}/`;

export default defineConfig({
  testDir: './e2e-real',
  outputDir: './test-results/playwright-real',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    locale: 'ja-JP',
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
  // `go run` builds the dev server (cached after the first time). It keeps
  // settings and history out of the user's config folder.
  webServer: {
    command: `go run ../internal/devserver --addr 127.0.0.1:${port} --dist dist`,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
