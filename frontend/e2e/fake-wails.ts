import type { Page } from '@playwright/test';
import type { AppInfo, ReaderState } from '../src/bridge';

/** What the fake Go side answers; `failReaderState` makes ReaderState() reject like Wails does (a bare string). */
export interface FakeOptions {
  state: ReaderState;
  appInfo: AppInfo;
  failReaderState?: string;
}

/** Handle the test uses through page.evaluate. */
export interface FakeWails {
  emit(name: string, ...data: unknown[]): void;
  listenerCount(name: string): number;
  calls: string[];
}

declare global {
  interface Window {
    __fakeWails?: FakeWails;
  }
}

/**
 * Installs window.go.app.Counter and window.runtime before any page script
 * runs, behaving like Wails v2's runtime.js (EventsOnMultiple returns an
 * unsubscribe function; Notify calls each callback with the data spread).
 */
export async function installFakeWails(page: Page, opts: FakeOptions): Promise<void> {
  await page.addInitScript((o: FakeOptions) => {
    type Listener = { cb: (...data: unknown[]) => void; left: number };
    const listeners = new Map<string, Listener[]>();
    const calls: string[] = [];
    const fake = {
      calls,
      emit(name: string, ...data: unknown[]) {
        for (const l of [...(listeners.get(name) ?? [])]) {
          l.cb(...data);
          if (l.left > 0 && --l.left === 0) this.off(name, l);
        }
      },
      off(name: string, l: Listener) {
        const rest = (listeners.get(name) ?? []).filter((x) => x !== l);
        listeners.set(name, rest);
      },
      listenerCount(name: string) {
        return listeners.get(name)?.length ?? 0;
      },
    };
    window.__fakeWails = fake;
    window.runtime = {
      EventsOnMultiple(name, cb, max) {
        const l: Listener = { cb, left: max };
        listeners.set(name, [...(listeners.get(name) ?? []), l]);
        return () => fake.off(name, l);
      },
      EventsOff(name, ...more) {
        for (const n of [name, ...more]) listeners.delete(n);
      },
    };
    window.go = {
      app: {
        Counter: {
          ReaderState() {
            calls.push('ReaderState');
            if (o.failReaderState !== undefined) return Promise.reject(o.failReaderState);
            return Promise.resolve(structuredClone(o.state));
          },
          AppInfo() {
            calls.push('AppInfo');
            return Promise.resolve(structuredClone(o.appInfo));
          },
          UIShown(status: string) {
            calls.push(`UIShown:${status}`);
            return Promise.resolve(null);
          },
        },
      },
    };
  }, opts);
}
