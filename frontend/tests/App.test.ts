import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, expect, it } from 'vitest';
import App from '../src/App.svelte';
import type { CheckState, PurposeInfo } from '../src/bridge';
import { defaultLocale, locale } from '../src/i18n';
import { fakeRuntime, readerStateOf } from './fakes';

afterEach(() => {
  delete window.go;
  delete window.runtime;
  locale.set(defaultLocale);
});

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    await tick();
  }
};

const purposes: PurposeInfo[] = [
  {
    id: 'age-check',
    name: { ja: '年齢確認', en: 'Age check' },
    legalBasis: { ja: '根拠', en: 'basis' },
    attributes: ['age_over', 'portrait'],
    retain: [],
    retentionDays: 0,
    ageOver: 20,
  },
];

const waiting: CheckState = { phase: 'waiting', purpose: 'age-check', source: '', result: null, error: null, triesLeft: null, idleSeconds: 0 };

// One test only: App uses the app-wide stores, which keep their state per module.
it('wires the Go side to the screen: startup, purpose → waiting, events, language switch, and cleanup', async () => {
  const f = fakeRuntime();
  window.runtime = f.runtime;
  const shown: string[] = [];
  const started: string[] = [];
  window.go = {
    app: {
      Counter: {
        ReaderState: async () => ({ ...readerStateOf('no_reader'), demo: true }),
        AppInfo: async () => ({ version: '1.4.0', demo: true }),
        UIShown: async (status: string) => {
          shown.push(status);
        },
        Purposes: async () => purposes,
        Settings: async () => ({ reader: '', idleTimeoutSeconds: 120, trustPaths: null, vicalPaths: null, language: 'ja' }),
        StartCheck: async (id: string) => {
          started.push(id);
          return waiting;
        },
      },
    },
  };

  const { unmount } = render(App);
  await settle();
  // Idle: the purpose picker, with the reader's state underneath.
  expect(screen.getByTestId('purpose-picker')).toBeTruthy();
  expect(screen.getByTestId('reader-bar').dataset.status).toBe('no_reader');
  expect(screen.getByTestId('app-version').textContent?.trim()).toBe('Taimen バージョン 1.4.0');
  expect(screen.getByTestId('demo-badge').textContent).toContain('デモ');
  expect(document.documentElement.lang).toBe('ja');

  // The picker took the focus; Enter starts the check.
  expect(document.activeElement?.getAttribute('data-testid')).toBe('purpose-age-check');
  await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Enter' });
  await settle();
  expect(started).toEqual(['age-check']);
  expect(screen.getByTestId('waiting-view').dataset.status).toBe('no_reader');
  expect(screen.getByTestId('app-purpose').textContent?.trim()).toBe('年齢確認');
  expect(screen.getByTestId('demo-panel')).toBeTruthy();

  f.emit('reader:state', readerStateOf('ready'));
  await tick();
  expect(screen.getByTestId('waiting-view').dataset.status).toBe('ready');
  await settle();
  // Go is told each state once it is on screen (the smoke test waits for it).
  expect(shown.at(-1)).toBe('ready');
  expect(shown).toContain('no_reader');

  await fireEvent.click(screen.getByTestId('lang-en'));
  await tick();
  expect(screen.getByTestId('status-title').textContent?.trim()).toBe(
    'Hold your smartphone or My\u00a0Number\u00a0Card over the reader',
  );
  expect(screen.getByTestId('app-purpose').textContent?.trim()).toBe('Age check');
  expect(screen.getByTestId('lang-en').getAttribute('aria-pressed')).toBe('true');
  expect(document.documentElement.lang).toBe('en');
  expect(document.title).toBe('Taimen 対面 — Identity verification');

  // Go says the check is over (e.g. cancelled elsewhere): back to the picker.
  f.emit('check:state', { ...waiting, phase: 'idle' });
  await settle();
  expect(screen.getByTestId('purpose-picker')).toBeTruthy();

  unmount();
  expect(f.count('reader:state')).toBe(0);
  expect(f.count('check:state')).toBe(0);
});
