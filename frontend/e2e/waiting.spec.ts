import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { ReaderState, ReaderStatus } from '../src/bridge';
import { installFakeWails } from './fake-wails';

const shots = new URL('../test-results/screenshots/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

const READER = 'Sony FeliCa Port/PaSoRi 4.0 (RC-S300/S1) 00 00';

function state(status: ReaderStatus, demo = false): ReaderState {
  const attached = status === 'ready' || status === 'present';
  return {
    status,
    readers: attached ? [{ name: READER, cardPresent: status === 'present' }] : [],
    selected: status === 'present' ? READER : '',
    demo,
  };
}

const expected = {
  ja: {
    no_service: 'ICカードサービスが起動していません',
    no_reader: 'カードリーダーが接続されていません',
    ready: 'スマートフォンまたはマイナンバーカードをリーダーにかざしてください',
    present: '読み取り中です。カードを動かさないでください',
  },
  en: {
    no_service: 'The smart card service is not running',
    no_reader: 'No card reader is connected',
    ready: 'Hold your smartphone or My\u00a0Number\u00a0Card over the reader',
    present: 'Reading. Please do not move the card',
  },
} as const;

/** Fails the test on any uncaught page error or console error. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

async function emit(page: Page, s: ReaderState): Promise<void> {
  await page.evaluate((payload) => window.__fakeWails?.emit('reader:state', payload), s);
}

async function expectNoScroll(page: Page): Promise<void> {
  const m = await page.evaluate(() => {
    const el = document.scrollingElement ?? document.documentElement;
    return { sh: el.scrollHeight, ch: el.clientHeight, sw: el.scrollWidth, cw: el.clientWidth };
  });
  expect(m.sh, 'page must not scroll vertically').toBeLessThanOrEqual(m.ch);
  expect(m.sw, 'page must not scroll horizontally').toBeLessThanOrEqual(m.cw);
}

/** The app opens on the purpose picker; the waiting screen comes once the clerk starts a check (Enter). */
async function startCheck(page: Page): Promise<void> {
  await expect(page.getByTestId('purpose-account-opening')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('waiting-view')).toBeVisible();
}

async function shot(page: Page, name: string): Promise<void> {
  // Wait for the CJK fonts so the picture is stable.
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: `${shots}${name}.png` });
}

test('follows reader:state events from the initial state through ready → present → no_reader', async ({ page }) => {
  const errors = watchErrors(page);
  await installFakeWails(page, { state: state('no_reader'), appInfo: { version: '0.1.0', demo: false } });
  await page.goto('/');
  await expect(page.getByTestId('reader-bar')).toHaveAttribute('data-status', 'no_reader');
  await startCheck(page);

  const view = page.getByTestId('waiting-view');
  const title = page.getByTestId('status-title');
  await expect(view).toHaveAttribute('data-status', 'no_reader');
  await expect(title).toHaveText(expected.ja.no_reader);
  await expect(page.getByTestId('reader-name')).toHaveCount(0);
  await expect(page.getByTestId('app-version')).toHaveText('Taimen バージョン 0.1.0');
  await expect(page.getByTestId('demo-badge')).toHaveCount(0);
  await expect(page.getByTestId('bridge-error')).toHaveCount(0);
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
  await expectNoScroll(page);
  await shot(page, 'waiting-ja-no_reader');

  await emit(page, state('ready'));
  await expect(view).toHaveAttribute('data-status', 'ready');
  await expect(title).toHaveText(expected.ja.ready);
  await expect(page.getByTestId('reader-name')).toHaveText(`リーダー：${READER}`);
  await expectNoScroll(page);
  await shot(page, 'waiting-ja-ready');

  await emit(page, state('present'));
  await expect(view).toHaveAttribute('data-status', 'present');
  await expect(title).toHaveText(expected.ja.present);
  await expect(page.getByTestId('reader-name')).toHaveText(`リーダー：${READER}`);
  await expectNoScroll(page);
  await shot(page, 'waiting-ja-present');

  await emit(page, state('no_reader'));
  await expect(view).toHaveAttribute('data-status', 'no_reader');
  await expect(title).toHaveText(expected.ja.no_reader);
  await expect(page.getByTestId('reader-name')).toHaveCount(0);

  // The status text sits in a polite live region, so a screen reader announces changes.
  const live = page.getByRole('status');
  await expect(live).toHaveAttribute('aria-live', 'polite');
  await expect(live).toContainText(expected.ja.no_reader);

  // A malformed payload is dropped (a warning, not an error) and the screen stays put.
  await page.evaluate(() => window.__fakeWails?.emit('reader:state', { status: 'exploded' }));
  await expect(view).toHaveAttribute('data-status', 'no_reader');

  expect(errors).toEqual([]);
});

test('language switch works with the keyboard only', async ({ page }) => {
  const errors = watchErrors(page);
  await installFakeWails(page, { state: state('ready'), appInfo: { version: '0.1.0', demo: false } });
  await page.goto('/');
  await startCheck(page);
  const title = page.getByTestId('status-title');
  await expect(title).toHaveText(expected.ja.ready);

  // The focus sits on the main area; backwards from there: EN, 日本語, then the three screens.
  for (const id of ['lang-en', 'lang-ja', 'nav-settings', 'nav-history', 'nav-main']) {
    await page.keyboard.press('Shift+Tab');
    await expect(page.getByTestId(id)).toBeFocused();
  }
  // …and forwards again: the screens, then 日本語, then EN.
  for (const id of ['nav-history', 'nav-settings', 'lang-ja']) {
    await page.keyboard.press('Tab');
    await expect(page.getByTestId(id)).toBeFocused();
  }
  await page.keyboard.press('Tab');
  const en = page.getByTestId('lang-en');
  await expect(en).toBeFocused();
  // The focus ring must be visible (not the browser default suppressed).
  const outline = await en.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).toBe('solid');

  await page.keyboard.press('Enter');
  await expect(title).toHaveText(expected.en.ready);
  await expect(en).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('lang-ja')).toHaveAttribute('aria-pressed', 'false');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page).toHaveTitle('Taimen 対面 — Identity verification');
  await expect(page.getByTestId('reader-name')).toHaveText(`Reader: ${READER}`);
  await expectNoScroll(page);
  await shot(page, 'waiting-en-ready');

  for (const s of ['no_service', 'no_reader', 'present'] as const) {
    await emit(page, state(s));
    await expect(title).toHaveText(expected.en[s]);
    await expectNoScroll(page);
    await shot(page, `waiting-en-${s}`);
  }

  await page.keyboard.press('Shift+Tab');
  await expect(page.getByTestId('lang-ja')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(title).toHaveText(expected.ja.present);
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');

  expect(errors).toEqual([]);
});

test('without window.go (plain browser) it shows no_service instead of crashing', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('reader-bar')).toHaveAttribute('data-status', 'no_service');
  await expect(page.getByTestId('reader-bar')).toContainText(expected.ja.no_service);
  await expect(page.getByTestId('purposes-state')).toHaveText('目的を読み込めませんでした。アプリを再起動してください。');
  await expect(page.getByTestId('bridge-error')).toHaveAttribute('data-code', 'no_runtime');
  await expect(page.getByTestId('app-version')).toHaveText('Taimen');
  await expectNoScroll(page);
  await shot(page, 'waiting-ja-no_service-browser');
  expect(errors).toEqual([]);
});

test('a rejected ReaderState() call shows no_service with an error code, then recovers on the next event', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await installFakeWails(page, {
    state: state('ready'),
    appInfo: { version: '0.1.0', demo: false },
    failReaderState: 'pcsc: establish context: service not available',
  });
  await page.goto('/');
  await expect(page.getByTestId('reader-bar')).toHaveAttribute('data-status', 'no_service');
  await expect(page.getByTestId('bridge-error')).toHaveAttribute('data-code', 'call_failed');
  // The Go error text is for logs only; it never reaches the screen.
  await expect(page.locator('body')).not.toContainText('establish context');

  await emit(page, state('ready'));
  await expect(page.getByTestId('reader-bar')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('bridge-error')).toHaveCount(0);
  await startCheck(page);
  await expect(page.getByTestId('waiting-view')).toHaveAttribute('data-status', 'ready');
  expect(errors).toEqual([]);
});

test('demo mode shows the デモ badge', async ({ page }) => {
  await installFakeWails(page, { state: state('ready', true), appInfo: { version: '0.1.0', demo: true } });
  await page.goto('/');
  await startCheck(page);
  await expect(page.getByTestId('demo-badge')).toContainText('デモ');
  await expect(page.getByTestId('demo-panel')).toBeVisible();
  await expectNoScroll(page);
  await shot(page, 'waiting-ja-ready-demo');
});

test('prefers-reduced-motion stops the animations', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await installFakeWails(page, { state: state('ready'), appInfo: { version: '0.1.0', demo: false } });
  await page.goto('/');
  await startCheck(page);
  const names = await page
    .locator('[data-testid="illustration"] .waves path, [data-testid="illustration"] .float')
    .evaluateAll((els) => els.map((el) => getComputedStyle(el).animationName));
  expect(names.length).toBeGreaterThan(0);
  expect(names.every((n) => n === 'none')).toBe(true);

  await page.emulateMedia({ reducedMotion: 'no-preference' });
  const moving = await page
    .locator('[data-testid="illustration"] .float')
    .evaluate((el) => getComputedStyle(el).animationName);
  expect(moving).not.toBe('none');
});

test('every state fits a smaller 1024×768 window in both languages without scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await installFakeWails(page, { state: state('ready', true), appInfo: { version: '0.1.0', demo: true } });
  await page.goto('/');
  await expectNoScroll(page);
  await startCheck(page);
  for (const lang of ['ja', 'en'] as const) {
    await page.getByTestId(`lang-${lang}`).click();
    for (const s of ['no_service', 'no_reader', 'ready', 'present'] as const) {
      await emit(page, state(s, true));
      await expect(page.getByTestId('status-title')).toHaveText(expected[lang][s]);
      await expectNoScroll(page);
    }
  }
  await shot(page, 'waiting-en-present-1024x768');
});
