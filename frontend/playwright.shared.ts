import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { PlaywrightTestOptions, PlaywrightWorkerOptions } from '@playwright/test';

// What both browser-test configs share: Debian's Chromium (never a
// downloaded browser), its flags for this machine's closed network, and a
// free port picked once by the runner and handed to its workers through the
// environment (workers load the config again and must agree on it).

export function chromiumPath(): string {
  const chromium = process.env.TAIMEN_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    throw new Error(
      `taimen e2e: no Chromium at ${chromium}\nhint: apt-get install -y --no-install-recommends chromium (or set TAIMEN_CHROMIUM)`,
    );
  }
  return chromium;
}

export function requireBuilt(script: string): void {
  if (!existsSync(new URL('./dist/index.html', import.meta.url))) {
    throw new Error(`taimen e2e: dist/index.html missing\nhint: run \`npm run ${script}\` (it builds first) or \`npm run build\``);
  }
}

export function portFrom(envName: string): number {
  if (process.env[envName] === undefined) {
    const probe =
      "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";
    process.env[envName] = execFileSync(process.execPath, ['-e', probe]).toString();
  }
  return Number(process.env[envName]);
}

/** The `use` block: Chromium with a fresh user-data-dir per launch (Playwright's default). */
export function use(baseURL: string): Partial<PlaywrightTestOptions & PlaywrightWorkerOptions> {
  return {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    locale: 'ja-JP',
    launchOptions: {
      executablePath: chromiumPath(),
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
  };
}
