import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

// The whole clerk flow, KEYBOARD ONLY, against the real Go backend in demo
// mode: purpose → tap → result → confirm → wiped. The simulated phone and
// card answer exactly as real ones do; everything shown was verified by the
// Go code the desktop app runs.

const shots = new URL('../test-results/screenshots/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

// The simulated wallet's person (verify/mdoc/mdoctest MNCPerson).
const NAME = '山田 花子';
const ADDRESS = '見本県架空市試験町一丁目2番3号';

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

async function tabTo(page: Page, testId: string, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<void> {
  for (let i = 0; i < 30; i++) {
    if (await page.getByTestId(testId).evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`could not reach ${testId} with ${key}`);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: `${shots}${name}.png` });
}

async function expectWiped(page: Page, values: string[]): Promise<void> {
  await expect(page.getByTestId('result-view')).toHaveCount(0);
  await expect(page.getByTestId('portrait')).toHaveCount(0);
  const html = await page.content();
  for (const v of values) expect(html, `"${v}" must be gone`).not.toContain(v);
  expect(html).not.toContain('data:image/');
}

test('age check with the simulated phone, Japanese, real backend', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  await page.keyboard.press('3');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('waiting-view')).toBeVisible();
  await expect(page.getByTestId('app-purpose')).toHaveText('年齢確認');

  await page.keyboard.press('p');
  // The simulated customer takes a moment to approve on the phone.
  await expect(page.getByTestId('progress-view')).toHaveAttribute('data-phase', 'consent');
  const result = page.getByTestId('result-view');
  await expect(result).toHaveAttribute('data-overall', 'valid');
  await expect(page.getByTestId('overall-badge')).toHaveText('有効');
  await expect(page.getByTestId('attributes').locator('.row')).toHaveCount(1);
  await expect(page.getByTestId('attributes')).toContainText('20歳以上');
  await expect(page.getByTestId('attributes')).toContainText('はい');
  await expect(page.getByTestId('portrait')).toBeVisible();
  const html = await page.content();
  expect(html, 'an age check never shows the name').not.toContain(NAME);
  expect(html).not.toContain(ADDRESS);
  await shot(page, 'real-ja-age-result');

  await page.keyboard.press('y');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  await expectWiped(page, []);
  expect(errors).toEqual([]);
});

test('account opening with the simulated phone, English, real backend', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  await tabTo(page, 'lang-en', 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('purpose-account-opening')).toContainText('Account opening');
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('waiting-view')).toBeVisible();
  await page.keyboard.press('p');
  const result = page.getByTestId('result-view');
  await expect(result).toHaveAttribute('data-overall', 'valid');
  await expect(page.getByTestId('overall-badge')).toHaveText('Valid');
  await expect(page.getByTestId('attributes')).toContainText(NAME);
  await expect(page.getByTestId('attributes')).toContainText(ADDRESS);
  await expect(page.getByTestId('checks')).toContainText('Bound to this phone');
  await shot(page, 'real-en-account-result');

  await page.keyboard.press('n'); // the face does not match: recorded as such, and wiped
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  await expectWiped(page, [NAME, ADDRESS]);

  await tabTo(page, 'nav-history', 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('history-view')).toBeVisible();
  const history = await page.getByTestId('history-view').textContent();
  expect(history).toContain('Account opening');
  expect(history, 'history holds no personal data').not.toContain(NAME);
  await page.keyboard.press('Escape');
  expect(errors).toEqual([]);
});

test('the plastic My Number Card with 照合番号B and a JPEG 2000 photo, real backend', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('waiting-view')).toBeVisible();
  await page.keyboard.press('c');
  const input = page.getByTestId('codeb-input');
  await expect(input).toBeFocused();
  // The demo shows the simulated card's code as its card face would.
  const shown = (await page.getByTestId('codeb-demo-code').textContent()) ?? '';
  const code = shown.replace(/\D/g, '');
  expect(code).toHaveLength(14);
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  const result = page.getByTestId('result-view');
  await expect(result).toHaveAttribute('data-overall', 'valid');
  await expect(page.getByTestId('checks')).toContainText('ICチップ');
  // The card's photo is JPEG 2000, decoded in the page into a canvas.
  const canvas = page.getByTestId('portrait').locator('canvas');
  await expect(canvas).toBeVisible();
  const inked = await canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if ((d[i] ?? 255) < 200) n++;
    return n;
  });
  expect(inked, 'the decoded photo has content').toBeGreaterThan(100);
  await shot(page, 'real-ja-card-result');
  await page.keyboard.press('y');
  await expect(page.getByTestId('purpose-picker')).toBeVisible();
  await expect(page.getByTestId('result-view')).toHaveCount(0);
  expect(errors).toEqual([]);
});
