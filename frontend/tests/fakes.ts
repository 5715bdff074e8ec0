import { vi } from 'vitest';
import type { Bridge, EventMap, EventName, ReaderState, Result, AppInfo } from '../src/bridge';
import type { WailsRuntime } from '../src/bridge/wails';

/** A window.runtime that behaves like Wails v2's runtime.js for events. */
export function fakeRuntime() {
  type Listener = { cb: (...data: unknown[]) => void };
  const listeners = new Map<string, Listener[]>();
  const runtime: WailsRuntime = {
    EventsOnMultiple: vi.fn((name: string, cb: (...data: unknown[]) => void, _max: number) => {
      const l = { cb };
      listeners.set(name, [...(listeners.get(name) ?? []), l]);
      return vi.fn(() => {
        listeners.set(
          name,
          (listeners.get(name) ?? []).filter((x) => x !== l),
        );
      });
    }),
    EventsOff: vi.fn((name: string, ...more: string[]) => {
      for (const n of [name, ...more]) listeners.delete(n);
    }),
  };
  return {
    runtime,
    /** Like Go's runtime.EventsEmit(ctx, name, data...). */
    emit(name: string, ...data: unknown[]) {
      for (const l of [...(listeners.get(name) ?? [])]) l.cb(...data);
    },
    count(name: string) {
      return listeners.get(name)?.length ?? 0;
    },
  };
}

export function readerStateOf(status: ReaderState['status'], name = 'ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00'): ReaderState {
  const attached = status === 'ready' || status === 'present';
  return {
    status,
    readers: attached ? [{ name, cardPresent: status === 'present' }] : [],
    selected: status === 'present' ? name : '',
    demo: false,
  };
}

/** A Bridge whose calls and events the test drives by hand. */
export function fakeBridge() {
  const handlers = new Map<EventName, Set<(p: never) => void>>();
  let resolveState: (r: Result<ReaderState>) => void = () => {};
  const bridge = {
    readerState: vi.fn(
      () =>
        new Promise<Result<ReaderState>>((res) => {
          resolveState = res;
        }),
    ),
    appInfo: vi.fn(async (): Promise<Result<AppInfo>> => ({ ok: true, value: { version: '9.9.9', demo: false } })),
    // vi.fn loses the generic signature; the cast restores it (the body is generic-safe).
    on: vi.fn((event: EventName, handler: (p: never) => void) => {
      const set = handlers.get(event) ?? new Set();
      set.add(handler);
      handlers.set(event, set);
      return () => {
        set.delete(handler);
      };
    }) as unknown as Bridge['on'],
  } satisfies Bridge;
  return {
    bridge,
    /** Settles the pending ReaderState() call. */
    answer(r: Result<ReaderState>) {
      resolveState(r);
    },
    emit<K extends EventName>(event: K, payload: EventMap[K]) {
      for (const h of handlers.get(event) ?? []) (h as (p: EventMap[K]) => void)(payload);
    },
    listeners(event: EventName) {
      return handlers.get(event)?.size ?? 0;
    },
  };
}
