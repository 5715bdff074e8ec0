import { mkdirSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { CheckState, ReaderState, ResultView } from '../src/bridge';
import { installFakeWails, type FakeOptions } from './fake-wails';

// The clerk's whole flow against the fake Go side, with the KEYBOARD ONLY:
// purpose → tap → result → confirm → wiped. Screenshots of every screen go to
// test-results/screenshots/.

const shots = new URL('../test-results/screenshots/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

const READER = 'Sony FeliCa Port/PaSoRi 4.0 (RC-S300/S1) 00 00';
const ready: ReaderState = { status: 'ready', readers: [{ name: READER, cardPresent: false }], selected: READER, demo: true };
const cardJ2K = readFileSync(new URL('./fixtures/portrait-card.j2k', import.meta.url)).toString('base64');

function opts(extra: Partial<FakeOptions> = {}): FakeOptions {
  return { state: ready, appInfo: { version: '0.2.0', demo: true }, cardPortraitJ2K: cardJ2K, ...extra };
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

async function expectNoScroll(page: Page): Promise<void> {
  const m = await page.evaluate(() => {
    const el = document.scrollingElement ?? document.documentElement;
    return { sh: el.scrollHeight, ch: el.clientHeight, sw: el.scrollWidth, cw: el.clientWidth };
  });
  expect(m.sh, 'page must not scroll vertically').toBeLessThanOrEqual(m.ch);
  expect(m.sw, 'page must not scroll horizontally').toBeLessThanOrEqual(m.cw);
}

/** No part of the main area is cut off by the footer (content taller than its box). */
async function expectFits(page: Page): Promise<void> {
  const over = await page.evaluate(() => {
    const main = document.querySelector('main');
    if (main === null) return ['no main'];
    const bottom = main.getBoundingClientRect().bottom;
    const bad: string[] = [];
    for (const el of main.querySelectorAll<HTMLElement>('button, h2, dd, li, p, input, canvas, img')) {
      const r = el.getBoundingClientRect();
      if (r.height > 0 && r.bottom > bottom + 1) bad.push(`${el.tagName}.${el.className} ${Math.round(r.bottom)} > ${Math.round(bottom)}`);
    }
    return bad;
  });
  expect(over, 'everything in the main area must be visible').toEqual([]);
}

/** The result's cards show all they hold (no hidden inner scrolling). */
async function expectCardsComplete(page: Page): Promise<void> {
  const clipped = await page
    .locator('[data-testid="result-view"] .card')
    .evaluateAll((els) => els.filter((el) => el.scrollHeight > el.clientHeight + 1).map((el) => el.className));
  expect(clipped, 'result cards must not need scrolling').toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: `${shots}${name}.png` });
}

async function fakeCheck(page: Page): Promise<CheckState> {
  return page.evaluate(() => window.__fakeWails!.check());
}

async function calls(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__fakeWails!.calls);
}

/** Presses Tab until `testId` has the focus (keyboard only, like a clerk would). */
async function tabTo(page: Page, testId: string, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<void> {
  for (let i = 0; i < 25; i++) {
    if (await page.getByTestId(testId).evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`could not reach ${testId} with ${key}`);
}

/** Nothing of the customer is left in the page: no result view, no attribute, no portrait. */
async function expectWiped(page: Page, values: string[]): Promise<void> {
  await expect(page.getByTestId('result-view')).toHaveCount(0);
  await expect(page.getByTestId('portrait')).toHaveCount(0);
  const html = await page.content();
  for (const v of values) expect(html, `"${v}" must be gone`).not.toContain(v);
  expect(html).not.toContain('data:image/');
}

test('age check with a phone, in Japanese, keyboard only', async ({ page }) => {
  const errors = watchErrors(page);
  await installFakeWails(page, opts());
  await page.goto('/');

  // 1. Purpose picker: 3 = 年齢確認, Enter starts.
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  await expect(page.getByTestId('purpose-account-opening')).toContainText('口座開設');
  await expect(page.getByTestId('purpose-account-opening')).toContainText('犯罪収益移転防止法');
  await expect(page.getByTestId('reader-bar')).toContainText(READER);
  await expectNoScroll(page);
  await shot(page, 'flow-ja-1-purpose');
  await page.keyboard.press('3');
  await expect(page.getByTestId('purpose-age-check')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('purpose-age-check')).toBeFocused();
  const outline = await page.getByTestId('purpose-age-check').evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline, 'visible focus').toBe('solid');
  await page.keyboard.press('Enter');

  // 2. Waiting for a tap, purpose in the header, demo panel.
  await expect(page.getByTestId('waiting-view')).toBeVisible();
  await expect(page.getByTestId('app-purpose')).toHaveText('年齢確認');
  await expect(page.getByTestId('demo-panel')).toContainText('スマホをかざす（デモ）');
  await expect(page.getByTestId('cancel-check')).toContainText('Esc');
  // The actions line up under the panel (nothing sticks out to the right).
  const panelRight = await page.locator('[data-testid="waiting-view"] .panel').evaluate((el) => el.getBoundingClientRect().right);
  const demoRight = await page.getByTestId('demo-panel').evaluate((el) => el.getBoundingClientRect().right);
  expect(demoRight).toBeLessThanOrEqual(panelRight + 1);
  await expectNoScroll(page);
  await expectFits(page);
  await shot(page, 'flow-ja-2-waiting-demo');

  // A tap (P = phone in the demo panel): engaging → consent.
  await page.keyboard.press('p');
  await expect(page.getByTestId('progress-view')).toHaveAttribute('data-phase', 'consent');
  await expect(page.getByTestId('progress-title')).toHaveText('スマートフォンで確認してください');
  await expectNoScroll(page);
  await expectFits(page);
  await shot(page, 'flow-ja-3-consent');

  // The demo keys belong to the waiting screen: a second tap now does nothing.
  await page.keyboard.press('p');
  await expect(page.getByTestId('progress-view')).toHaveAttribute('data-phase', 'consent');
  expect((await calls(page)).filter((c) => c.startsWith('DemoTap'))).toHaveLength(1);

  await page.evaluate(() => window.__fakeWails!.approve());

  // 3. The result: only the requested attribute, badge, checks, countdown.
  const result = page.getByTestId('result-view');
  await expect(result).toHaveAttribute('data-overall', 'valid');
  await expect(page.getByTestId('overall-badge')).toHaveText('有効');
  await expect(page.getByTestId('attributes').locator('.row')).toHaveCount(1);
  await expect(page.getByTestId('attributes')).toContainText('20歳以上');
  await expect(page.getByTestId('attributes')).toContainText('はい');
  await expect(page.getByTestId('result-issuer')).toContainText('デジタル庁（テスト）');
  await expect(page.getByTestId('checks')).toContainText('端末との結び付き');
  await expect(page.getByTestId('reason-device_auth')).toHaveText('このスマートフォンに発行された本物のデータです');
  await expect(page.getByTestId('idle-countdown')).toContainText('秒後に自動で消去します');
  await expect(page.getByTestId('portrait-img')).toBeVisible();
  await expect(page.getByTestId('notice')).toHaveCount(0);
  await expectNoScroll(page);
  await expectFits(page);
  await shot(page, 'flow-ja-4-result-age');

  // 4. Confirm with Y: Go gets Confirm(true); everything is wiped, the purpose stays the default.
  await page.keyboard.press('y');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  expect(await calls(page)).toContain('Confirm:true');
  expect((await fakeCheck(page)).phase).toBe('idle');
  // ("20歳以上" stays on screen as a label of the age-check purpose; the value and issuer must go.)
  await expectWiped(page, ['デジタル庁（テスト）', 'はい']);
  await expect(page.getByTestId('purpose-age-check')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('app-purpose')).toHaveText('本人確認');
  await shot(page, 'flow-ja-5-wiped');

  expect(errors).toEqual([]);
});

test('account opening with a phone, in English, keyboard only', async ({ page }) => {
  const errors = watchErrors(page);
  await installFakeWails(page, opts());
  await page.goto('/');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();

  // Switch to English with the keyboard (the language switch is in the header).
  await tabTo(page, 'lang-en', 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('purpose-account-opening')).toContainText('Account opening');
  await shot(page, 'flow-en-1-purpose');

  await page.keyboard.press('1');
  await expect(page.getByTestId('purpose-account-opening')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('waiting-view')).toBeVisible();
  await expect(page.getByTestId('app-purpose')).toHaveText('Account opening');
  await shot(page, 'flow-en-2-waiting-demo');

  await page.keyboard.press('p');
  await expect(page.getByTestId('progress-title')).toHaveText('Please check your phone');
  await shot(page, 'flow-en-3-consent');
  await page.evaluate(() => window.__fakeWails!.approve());

  await expect(page.getByTestId('overall-badge')).toHaveText('Valid');
  const attrs = page.getByTestId('attributes');
  await expect(attrs.locator('.row')).toHaveCount(3);
  await expect(attrs).toContainText('Name');
  await expect(attrs).toContainText('山田 花子');
  await expect(attrs).toContainText('Address');
  await expect(attrs).toContainText('Date of birth');
  await expect(attrs).toContainText('1990-04-12');
  await expect(page.getByTestId('checks')).toContainText('Bound to this phone');
  await expect(page.getByTestId('checks')).toContainText('Revocation');
  await expect(page.getByTestId('confirm-match')).toContainText('Face matches');
  await expectNoScroll(page);
  await expectFits(page);
  await expectCardsComplete(page);
  await shot(page, 'flow-en-4-result-account');

  // N = does not match: still recorded, still wiped.
  await page.keyboard.press('n');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  expect(await calls(page)).toContain('Confirm:false');
  await expectWiped(page, ['山田 花子', '1990-04-12', '霞が関']);

  // History shows the check without personal data.
  await tabTo(page, 'nav-history', 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('history-table')).toContainText('Account opening');
  await expect(page.getByTestId('history-table')).toContainText('No match');
  await expect(page.getByTestId('history-view')).not.toContainText('山田');
  await expectNoScroll(page);
  await shot(page, 'flow-en-6-history');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();

  expect(errors).toEqual([]);
});

test('plastic card: 照合番号B entry, wrong code, last try, JPEG 2000 portrait (ja, keyboard only)', async ({ page }) => {
  const errors = watchErrors(page);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await installFakeWails(page, opts({ codeBTries: 2 }));
  await page.goto('/');
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('waiting-view')).toBeVisible();
  await page.keyboard.press('c');

  const input = page.getByTestId('codeb-input');
  await expect(input).toBeFocused();
  await expect(page.getByTestId('codeb-tries')).toHaveText('残り2回');
  await expect(page.getByTestId('codeb-demo-code')).toHaveText('デモカードの券面：950123 2031 1234');

  // A month 13 is caught before any try is spent, and the part is named.
  await page.keyboard.type('951323');
  await expect(page.getByTestId('codeb-message')).toHaveText('生年月日（最初の6桁）が正しくありません');
  await expect(page.locator('[data-part="birth"]')).toHaveClass(/wrong/);
  await shot(page, 'flow-ja-card-1-codeb-invalid');
  for (let i = 0; i < 6; i++) await page.keyboard.press('Backspace');

  // A well-formed but wrong code spends one try.
  await page.keyboard.type('95012320319999');
  await expect(input).toHaveValue('950123 2031 9999');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('codeb-message')).toHaveAttribute('data-refused', 'wrong_code_b');
  await expect(page.getByTestId('codeb-message')).toContainText('照合番号Bが違います');
  await expect(page.getByTestId('codeb-tries')).toHaveText('残り1回');
  await expect(page.getByTestId('codeb-last-try')).toBeVisible();

  // With one try left, Enter alone does not submit: the clerk must tick the box.
  await expect(input).toBeFocused();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  // Editing hides Go's last refusal.
  await expect(page.getByTestId('codeb-message')).toHaveAttribute('data-refused', '');
  await page.keyboard.type('95012320311234');
  await page.keyboard.press('Enter');
  expect((await calls(page)).filter((c) => c.startsWith('SubmitCodeB'))).toHaveLength(1);
  await expectNoScroll(page);
  await expectFits(page);
  await shot(page, 'flow-ja-card-2-codeb-last-try');
  await tabTo(page, 'codeb-allow-last');
  await page.keyboard.press('Space');
  await expect(page.getByTestId('codeb-allow-last')).toBeChecked();
  await tabTo(page, 'codeb-submit');
  await page.keyboard.press('Enter');
  expect(await calls(page)).toContain('SubmitCodeB:14:true');

  // The card result with its JPEG 2000 photo decoded by OpenJPEG (wasm) into a canvas.
  await expect(page.getByTestId('result-view')).toHaveAttribute('data-overall', 'valid');
  await expect(page.getByTestId('portrait')).toHaveAttribute('data-kind', 'jpeg2000');
  await expect(page.getByTestId('portrait')).toHaveAttribute('data-status', 'ready');
  const size = await page.getByTestId('portrait-canvas').evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
  expect(size).toEqual([150, 200]);
  // The decoded photo is the drawn silhouette: dark hair at the top, light backdrop in the corner.
  const px = await page.getByTestId('portrait-canvas').evaluate((c) => {
    const g = (c as HTMLCanvasElement).getContext('2d')!;
    return [g.getImageData(75, 55, 1, 1).data[0], g.getImageData(3, 3, 1, 1).data[0]];
  });
  expect(px[0]).toBeLessThan(90);
  expect(px[1]).toBeGreaterThan(200);
  // The wasm came inside the app's own script chunk: no separate .wasm request, nothing off this origin.
  expect(requests.filter((u) => u.endsWith('.wasm'))).toEqual([]);
  expect(requests.filter((u) => !u.startsWith('http://127.0.0.1:') && !u.startsWith('data:'))).toEqual([]);
  await expect(page.getByTestId('result-doc')).toContainText('マイナンバーカード');
  await expect(page.getByTestId('checks')).toContainText('ICチップの真正性');
  await expectNoScroll(page);
  await expectFits(page);
  await shot(page, 'flow-ja-card-3-result-j2k');

  await page.keyboard.press('y');
  await expectWiped(page, ['山田 花子', '1995-01-23']);
  expect(errors).toEqual([]);
});

const invalidResult: ResultView = {
  overall: 'invalid',
  docType: 'org.iso.18013.5.1.mDL',
  issuer: { country: 'US', name: 'Example DMV IACA' },
  attributes: [
    { key: 'name', value: 'Erika Mustermann' },
    { key: 'birth_date', value: '1971-09-01' },
  ],
  portrait: null,
  checks: [
    { id: 'issuer_chain', status: 'invalid', code: 'no_trusted_anchor' },
    { id: 'issuer_signature', status: 'valid', code: 'ok' },
    { id: 'digests', status: 'valid', code: 'ok' },
    { id: 'doctype', status: 'valid', code: 'ok' },
    { id: 'validity', status: 'invalid', code: 'mso_expired' },
    { id: 'device_auth', status: 'valid', code: 'ok' },
    { id: 'revocation', status: 'undetermined', code: 'revocation_not_available' },
  ],
  warnings: ['untrusted_issuer', 'expired', 'extra_elements'],
};

for (const lang of ['ja', 'en'] as const) {
  test(`an invalid result shows red checks and coloured warnings (${lang})`, async ({ page }) => {
    const errors = watchErrors(page);
    await installFakeWails(page, opts({ settings: { reader: '', idleTimeoutSeconds: 120, trustPaths: [], vicalPaths: [], language: lang } }));
    await page.goto('/');
    await page.keyboard.press('4');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('waiting-view')).toBeVisible();
    const s: CheckState = { phase: 'result', purpose: 'rental', source: 'phone', result: invalidResult, error: null, triesLeft: null, idleSeconds: 95 };
    await page.evaluate((st) => window.__fakeWails!.emit('check:state', st), s);
    await expect(page.getByTestId('result-view')).toHaveAttribute('data-overall', 'invalid');
    await expect(page.getByTestId('overall-badge')).toHaveText(lang === 'ja' ? '無効' : 'Invalid');
    await expect(page.locator('[data-code="untrusted_issuer"]')).toHaveAttribute('data-tone', 'red');
    await expect(page.locator('[data-code="extra_elements"]')).toHaveAttribute('data-tone', 'amber');
    await expect(page.getByTestId('reason-issuer_chain')).toContainText(lang === 'ja' ? '信頼リストにない発行者です' : 'not on the trusted list');
    await expect(page.getByTestId('portrait')).toHaveAttribute('data-kind', 'none');
    await expectNoScroll(page);
    await expectFits(page);
    await expectCardsComplete(page);
    await shot(page, `flow-${lang}-result-invalid`);
    expect(errors).toEqual([]);
  });
}

test('error phase: plain-language text and next step; Enter retries, Esc goes back', async ({ page }) => {
  const errors = watchErrors(page);
  await installFakeWails(page, opts());
  await page.goto('/');
  await page.keyboard.press('2');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('waiting-view')).toBeVisible();
  const err = (code: string): CheckState => ({ phase: 'error', purpose: 'phone-contract', source: 'phone', result: null, error: { code }, triesLeft: null, idleSeconds: 0 });
  await page.evaluate((st) => window.__fakeWails!.emit('check:state', st), err('card_removed'));
  await expect(page.getByTestId('error-view')).toHaveAttribute('data-code', 'card_removed');
  await expect(page.getByTestId('error-title')).toHaveText('カードまたはスマートフォンがリーダーから離れました');
  await expect(page.getByTestId('error-retry')).toBeFocused();
  await expectNoScroll(page);
  await expectFits(page);
  await shot(page, 'flow-ja-error-card_removed');

  await page.keyboard.press('Enter');
  await expect(page.getByTestId('waiting-view')).toBeVisible();
  expect((await calls(page)).filter((c) => c === 'StartCheck:phone-contract')).toHaveLength(2);

  // A refused call (here: busy) is a notice above the screen, which stays; it never covers an action.
  await page.evaluate((st) => window.__fakeWails!.emit('check:state', st), { ...err('busy'), phase: 'waiting' as const });
  await expect(page.getByTestId('notice')).toHaveAttribute('data-code', 'busy');
  await expect(page.getByTestId('waiting-view')).toBeVisible();
  await expectNoScroll(page);
  await expectFits(page);
  await shot(page, 'flow-ja-notice-busy');

  await page.evaluate((st) => window.__fakeWails!.emit('check:state', st), err('locked_phone'));
  await expect(page.getByTestId('error-title')).toHaveText('スマートフォンがロックされています');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  expect(await calls(page)).toContain('Cancel');
  expect(errors).toEqual([]);
});

test('settings: keyboard only, save with an error then successfully; Esc returns', async ({ page }) => {
  const errors = watchErrors(page);
  await installFakeWails(page, opts());
  await page.goto('/');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  await tabTo(page, 'nav-settings', 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('settings-view')).toBeVisible();
  await expect(page.getByTestId('anchors')).toContainText('Digital Agency mDoc IACA');
  await expect(page.getByTestId('settings-trust')).toHaveValue('/etc/taimen/trust/jp-mnc-iaca.pem\n/etc/taimen/trust/jlis/');
  await expectNoScroll(page);
  await expectFits(page);
  await shot(page, 'flow-ja-settings');

  await tabTo(page, 'settings-idle');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('90');
  await tabTo(page, 'settings-trust');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nrelative/path.pem');
  await page.keyboard.press('Control+S');
  await expect(page.getByTestId('settings-outcome')).toContainText('証明書を読み込めませんでした：relative/path.pem');
  await shot(page, 'flow-ja-settings-error');

  await page.keyboard.press('Backspace');
  for (let i = 0; i < 'relative/path.pem'.length; i++) await page.keyboard.press('Backspace');
  await page.keyboard.press('Control+S');
  await expect(page.getByTestId('settings-outcome')).toHaveText('保存しました');
  const saved = await page.evaluate(() => window.__fakeWails!.calls.filter((c) => c === 'SaveSettings').length);
  expect(saved).toBe(2);

  await page.keyboard.press('Escape');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  expect(errors).toEqual([]);
});

test('every clerk screen fits a 1024×768 window in both languages without scrolling', async ({ page }) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1024, height: 768 });
  await installFakeWails(page, opts({ codeBTries: 1 }));
  await page.goto('/');
  const emit = (s: CheckState) => page.evaluate((st) => window.__fakeWails!.emit('check:state', st), s);
  const base: CheckState = { phase: 'idle', purpose: 'rental', source: 'phone', result: null, error: null, triesLeft: null, idleSeconds: 0 };
  for (const lang of ['ja', 'en'] as const) {
    await page.evaluate((l) => (document.querySelector(`[data-testid="lang-${l}"]`) as HTMLButtonElement).click(), lang);
    await emit(base);
    await expect(page.getByTestId('purpose-picker')).toBeVisible();
    await expectNoScroll(page);
    await expectFits(page);
    await emit({ ...base, phase: 'waiting' });
    await expect(page.getByTestId('demo-panel')).toBeVisible();
    await expectNoScroll(page);
    await expectFits(page);
    await emit({ ...base, phase: 'consent' });
    await expect(page.getByTestId('progress-view')).toBeVisible();
    await expectNoScroll(page);
    await expectFits(page);
    await emit({ ...base, phase: 'code_b', source: 'card', triesLeft: 1, error: { code: 'retries_low' } });
    await expect(page.getByTestId('codeb-last-try')).toBeVisible();
    await expectNoScroll(page);
    await expectFits(page);
    await emit({ ...base, phase: 'result', result: invalidResult, idleSeconds: 60 });
    await expect(page.getByTestId('result-view')).toBeVisible();
    await expectNoScroll(page);
    await expectFits(page);
    await expectCardsComplete(page);
    await shot(page, `flow-${lang}-result-invalid-1024x768`);
    await emit({ ...base, phase: 'error', error: { code: 'no_transport' } });
    await expect(page.getByTestId('error-view')).toBeVisible();
    await expectNoScroll(page);
    await expectFits(page);
  }
  expect(errors).toEqual([]);
});
