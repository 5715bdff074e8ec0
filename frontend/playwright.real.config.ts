import { defineConfig } from '@playwright/test';
import { portFrom, requireBuilt, use } from './playwright.shared';

// The clerk's flow against the REAL Go backend: internal/devserver serves
// the built frontend and binds the same app.Counter the desktop app binds
// (demo mode: the simulated wallet and card, real session crypto and
// verification), over HTTP instead of the Wails IPC.

requireBuilt('e2e:real');
const port = portFrom('TAIMEN_E2E_REAL_PORT');
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
  use: use(baseURL),
  // `go run` builds the dev server (cached after the first time); demo mode
  // keeps settings and history out of the user's config folder.
  webServer: {
    command: `go run ../internal/devserver --addr 127.0.0.1:${port} --dist dist`,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
