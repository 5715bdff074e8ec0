import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  appInfo,
  offAll,
  on,
  parseReaderState,
  readerState,
  setInvalidPayloadHandler,
  type ReaderState,
} from '../src/bridge';
import { fakeRuntime, readerStateOf } from './fakes';

beforeEach(() => {
  delete window.go;
  delete window.runtime;
});

afterEach(() => {
  delete window.go;
  delete window.runtime;
  setInvalidPayloadHandler(() => {});
});

function bindCounter(impl: { ReaderState?: () => Promise<unknown>; AppInfo?: () => Promise<unknown> }) {
  window.go = { app: { Counter: impl } };
}

describe('bound calls', () => {
  it('return the value when Go answers', async () => {
    const s = readerStateOf('ready');
    bindCounter({ ReaderState: vi.fn(async () => s), AppInfo: async () => ({ version: '0.1.0', demo: true }) });
    expect(await readerState()).toEqual({ ok: true, value: s });
    expect(await appInfo()).toEqual({ ok: true, value: { version: '0.1.0', demo: true } });
  });

  it('turn a rejection with a bare string (as Wails does) into a typed error', async () => {
    bindCounter({ ReaderState: () => Promise.reject('pcsc: no service') });
    const r = await readerState();
    expect(r).toEqual({
      ok: false,
      error: { code: 'call_failed', op: 'Counter.ReaderState', detail: 'pcsc: no service' },
    });
  });

  it('turn a rejection with an Error, or a throw, into a typed error', async () => {
    bindCounter({ AppInfo: () => Promise.reject(new Error('boom')) });
    expect(await appInfo()).toMatchObject({ ok: false, error: { code: 'call_failed', detail: 'boom' } });
    bindCounter({
      ReaderState: () => {
        throw new TypeError('sync');
      },
    });
    expect(await readerState()).toMatchObject({ ok: false, error: { code: 'call_failed', detail: 'sync' } });
  });

  it('report no_runtime without window.go or without the method', async () => {
    expect(await readerState()).toMatchObject({ ok: false, error: { code: 'no_runtime', op: 'Counter.ReaderState' } });
    window.go = {};
    expect(await appInfo()).toMatchObject({ ok: false, error: { code: 'no_runtime' } });
    bindCounter({ AppInfo: async () => ({ version: 'x', demo: false }) });
    expect(await readerState()).toMatchObject({ ok: false, error: { code: 'no_runtime' } });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'ready'],
    ['an unknown status', { status: 'burning', readers: [], selected: '', demo: false }],
    ['a missing selected', { status: 'ready', readers: [], demo: false }],
    ['demo as a string', { status: 'ready', readers: [], selected: '', demo: 'yes' }],
    ['readers as an object', { status: 'ready', readers: {}, selected: '', demo: false }],
    ['a reader without a name', { status: 'ready', readers: [{ cardPresent: false }], selected: '', demo: false }],
  ])('report bad_payload for %s', async (_name, payload) => {
    bindCounter({ ReaderState: async () => payload });
    expect(await readerState()).toMatchObject({ ok: false, error: { code: 'bad_payload' } });
  });

  it('accept Go nil slices (null readers) and drop unknown fields', () => {
    expect(parseReaderState({ status: 'no_reader', readers: null, selected: '', demo: false, extra: 1 })).toEqual({
      status: 'no_reader',
      readers: [],
      selected: '',
      demo: false,
    });
  });
});

describe('events', () => {
  it('subscribe with EventsOnMultiple(name, cb, -1) and pass the typed payload', () => {
    const f = fakeRuntime();
    window.runtime = f.runtime;
    const got: ReaderState[] = [];
    on('reader:state', (s) => got.push(s));
    expect(f.runtime.EventsOnMultiple).toHaveBeenCalledWith('reader:state', expect.any(Function), -1);
    f.emit('reader:state', readerStateOf('ready'));
    f.emit('reader:state', readerStateOf('present'));
    expect(got.map((s) => s.status)).toEqual(['ready', 'present']);
  });

  it('unsubscribe stops only this listener, once', () => {
    const f = fakeRuntime();
    window.runtime = f.runtime;
    const a = vi.fn();
    const b = vi.fn();
    const offA = on('reader:state', a);
    on('reader:state', b);
    expect(f.count('reader:state')).toBe(2);
    offA();
    offA();
    expect(f.count('reader:state')).toBe(1);
    const wailsOff = vi.mocked(f.runtime.EventsOnMultiple).mock.results[0]?.value as ReturnType<typeof vi.fn>;
    expect(wailsOff).toHaveBeenCalledTimes(1);
    f.emit('reader:state', readerStateOf('ready'));
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
  });

  it('drop a malformed payload and report it instead of calling the handler', () => {
    const f = fakeRuntime();
    window.runtime = f.runtime;
    const invalid = vi.fn();
    setInvalidPayloadHandler(invalid);
    const h = vi.fn();
    on('reader:state', h);
    f.emit('reader:state', { status: 'ready' });
    f.emit('reader:state');
    expect(h).not.toHaveBeenCalled();
    expect(invalid).toHaveBeenCalledTimes(2);
    expect(invalid).toHaveBeenCalledWith('reader:state', { status: 'ready' });
  });

  it('warn on the console by default for a malformed payload', async () => {
    vi.resetModules();
    const fresh = await import('../src/bridge');
    const f = fakeRuntime();
    window.runtime = f.runtime;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    fresh.on('reader:state', () => {});
    f.emit('reader:state', 42);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('without the runtime, on() is a no-op that still returns an unsubscribe', () => {
    const off = on('reader:state', () => {});
    expect(off).toBeTypeOf('function');
    expect(() => off()).not.toThrow();
    expect(() => offAll('reader:state')).not.toThrow();
  });

  it('offAll removes every listener through EventsOff', () => {
    const f = fakeRuntime();
    window.runtime = f.runtime;
    on('reader:state', () => {});
    on('reader:state', () => {});
    offAll('reader:state');
    expect(f.runtime.EventsOff).toHaveBeenCalledWith('reader:state');
    expect(f.count('reader:state')).toBe(0);
  });
});
