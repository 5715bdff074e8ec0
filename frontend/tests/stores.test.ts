// @vitest-environment node
// No DOM needed: plain TypeScript and svelte/store.
import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import { createAppInfoStore, createReaderStore, initialReaderState } from '../src/stores';
import { fakeBridge, readerStateOf } from './fakes';

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('reader store', () => {
  it('starts as no_service, then takes the fetched state', async () => {
    const f = fakeBridge();
    const store = createReaderStore(f.bridge);
    expect(get(store)).toEqual(initialReaderState);
    const started = store.start();
    f.answer({ ok: true, value: readerStateOf('ready') });
    await started;
    expect(get(store).status).toBe('ready');
    expect(get(store.error)).toBeNull();
  });

  it('follows reader:state events', async () => {
    const f = fakeBridge();
    const store = createReaderStore(f.bridge);
    const started = store.start();
    f.answer({ ok: true, value: readerStateOf('no_reader') });
    await started;
    const seen: string[] = [];
    const unsub = store.subscribe((s) => seen.push(s.status));
    for (const s of ['ready', 'present', 'no_reader'] as const) f.emit('reader:state', readerStateOf(s));
    unsub();
    expect(seen).toEqual(['no_reader', 'ready', 'present', 'no_reader']);
  });

  it('subscribes before fetching, and an event during the fetch wins over the older answer', async () => {
    const f = fakeBridge();
    const store = createReaderStore(f.bridge);
    const started = store.start();
    expect(f.listeners('reader:state')).toBe(1);
    f.emit('reader:state', readerStateOf('present'));
    f.answer({ ok: true, value: readerStateOf('ready') });
    await started;
    expect(get(store).status).toBe('present');
  });

  it('on a failed fetch shows no_service with the error, and the next event clears it', async () => {
    const f = fakeBridge();
    const store = createReaderStore(f.bridge);
    const started = store.start();
    f.answer({ ok: false, error: { code: 'call_failed', op: 'Counter.ReaderState', detail: 'x' } });
    await started;
    expect(get(store)).toEqual(initialReaderState);
    expect(get(store.error)?.code).toBe('call_failed');
    f.emit('reader:state', readerStateOf('ready'));
    expect(get(store).status).toBe('ready');
    expect(get(store.error)).toBeNull();
  });

  it('start is idempotent and stop unsubscribes', async () => {
    const f = fakeBridge();
    const store = createReaderStore(f.bridge);
    const a = store.start();
    const b = store.start();
    f.answer({ ok: true, value: readerStateOf('ready') });
    await Promise.all([a, b]);
    expect(f.bridge.on).toHaveBeenCalledTimes(1);
    expect(f.bridge.readerState).toHaveBeenCalledTimes(1);
    store.stop();
    expect(f.listeners('reader:state')).toBe(0);
    f.emit('reader:state', readerStateOf('present'));
    expect(get(store).status).toBe('ready');
    await flush();
  });
});

describe('app info store', () => {
  it('holds the version once loaded', async () => {
    const f = fakeBridge();
    const store = createAppInfoStore(f.bridge);
    expect(get(store)).toBeNull();
    await store.load();
    expect(get(store)).toEqual({ version: '9.9.9', demo: false });
  });

  it('stays null when the call fails', async () => {
    const f = fakeBridge();
    f.bridge.appInfo.mockResolvedValueOnce({ ok: false, error: { code: 'no_runtime', op: 'Counter.AppInfo', detail: '' } });
    const store = createAppInfoStore(f.bridge);
    await store.load();
    expect(get(store)).toBeNull();
  });
});
