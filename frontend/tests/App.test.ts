import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, expect, it } from 'vitest';
import App from '../src/App.svelte';
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

// One test only: App uses the app-wide stores, which keep their state per module.
it('wires the Go side to the screen: startup state, events, language switch, and cleanup', async () => {
  const f = fakeRuntime();
  window.runtime = f.runtime;
  const shown: string[] = [];
  window.go = {
    app: {
      Counter: {
        ReaderState: async () => ({ ...readerStateOf('no_reader'), demo: true }),
        AppInfo: async () => ({ version: '1.4.0', demo: true }),
        UIShown: async (status: string) => {
          shown.push(status);
        },
      },
    },
  };

  const { unmount } = render(App);
  await settle();
  expect(screen.getByTestId('waiting-view').dataset.status).toBe('no_reader');
  expect(screen.getByTestId('app-version').textContent?.trim()).toBe('Taimen バージョン 1.4.0');
  expect(screen.getByTestId('demo-badge').textContent).toContain('デモ');
  expect(document.documentElement.lang).toBe('ja');

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
  expect(screen.getByTestId('lang-en').getAttribute('aria-pressed')).toBe('true');
  expect(document.documentElement.lang).toBe('en');
  expect(document.title).toBe('Taimen 対面 — Identity verification');

  unmount();
  expect(f.count('reader:state')).toBe(0);
});
