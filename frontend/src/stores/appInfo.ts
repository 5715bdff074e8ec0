import { writable, type Readable } from 'svelte/store';
import type { AppInfo, Bridge } from '../bridge';

export interface AppInfoStore extends Readable<AppInfo | null> {
  /** Fetches the version once; on failure the store stays null (the footer then omits it). */
  load(): Promise<void>;
}

export function createAppInfoStore(bridge: Bridge): AppInfoStore {
  const info = writable<AppInfo | null>(null);
  return {
    subscribe: info.subscribe,
    async load() {
      const res = await bridge.appInfo();
      if (res.ok) info.set(res.value);
    },
  };
}
