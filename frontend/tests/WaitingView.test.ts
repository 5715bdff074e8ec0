import { render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { readerStatuses, type BridgeError } from '../src/bridge';
import { defaultLocale, locale, locales, translate } from '../src/i18n';
import WaitingView from '../src/views/WaitingView.svelte';
import { readerStateOf } from './fakes';

afterEach(() => locale.set(defaultLocale));

const READER = 'ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00';

describe.each(locales)('WaitingView in %s', (loc) => {
  it.each(readerStatuses)('renders %s', (status) => {
    locale.set(loc);
    render(WaitingView, { props: { reader: readerStateOf(status, READER) } });

    expect(screen.getByTestId('waiting-view').dataset.status).toBe(status);
    expect(screen.getByTestId('status-label').textContent?.trim()).toBe(translate(loc, `status.${status}.label`));
    expect(screen.getByTestId('status-title').textContent?.trim()).toBe(translate(loc, `status.${status}.title`));
    expect(screen.getByTestId('status-hint').textContent?.trim()).toBe(translate(loc, `status.${status}.hint`));

    const name = screen.queryByTestId('reader-name');
    if (status === 'ready' || status === 'present') {
      expect(name?.textContent?.trim()).toBe(translate(loc, 'reader.name', { name: READER }));
    } else {
      expect(name).toBeNull();
    }
    expect(screen.queryByTestId('bridge-error')).toBeNull();
  });
});

describe('WaitingView', () => {
  it('puts the status text in a polite live region', () => {
    render(WaitingView, { props: { reader: readerStateOf('ready') } });
    const live = screen.getByRole('status');
    expect(live.getAttribute('aria-live')).toBe('polite');
    expect(live.textContent).toContain(translate('ja', 'status.ready.title'));
    expect(screen.getByRole('heading', { level: 2 }).textContent?.trim()).toBe(translate('ja', 'status.ready.title'));
  });

  it('shows the Japanese sentences of the brief, without phrase marks in the text', () => {
    render(WaitingView, { props: { reader: readerStateOf('ready') } });
    const title = screen.getByTestId('status-title');
    expect(title.textContent?.trim()).toBe('スマートフォンまたはマイナンバーカードをリーダーにかざしてください');
    expect(title.querySelectorAll('wbr').length).toBe(3);
  });

  it('names the selected reader when a card is present', () => {
    const s = readerStateOf('present', 'first');
    s.readers.push({ name: 'second', cardPresent: true });
    s.selected = 'second';
    render(WaitingView, { props: { reader: s } });
    expect(screen.getByTestId('reader-name').textContent?.trim()).toBe('リーダー：second');
  });

  it('says "none" when ready but Go sent no reader name', () => {
    render(WaitingView, { props: { reader: { status: 'ready', readers: [], selected: '', demo: false } } });
    expect(screen.getByTestId('reader-name').textContent?.trim()).toBe('リーダー：なし');
  });

  it('follows a locale change without re-rendering from outside', async () => {
    render(WaitingView, { props: { reader: readerStateOf('no_reader') } });
    const title = screen.getByTestId('status-title');
    expect(title.textContent?.trim()).toBe('カードリーダーが接続されていません');
    locale.set('en');
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(title.textContent?.trim()).toBe('No card reader is connected');
  });

  it.each<BridgeError['code']>(['no_runtime', 'call_failed', 'bad_payload'])(
    'shows the bridge error %s by its code, never its detail',
    (code) => {
      const error: BridgeError = { code, op: 'Counter.ReaderState', detail: 'secret go text' };
      render(WaitingView, { props: { reader: readerStateOf('no_service'), error } });
      const el = screen.getByTestId('bridge-error');
      expect(el.dataset.code).toBe(code);
      expect(el.textContent?.trim()).toBe(translate('ja', `bridge.error.${code}`));
      expect(document.body.textContent).not.toContain('secret go text');
    },
  );
});
