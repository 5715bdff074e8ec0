import { writable, type Readable } from 'svelte/store';
import type { Bridge, BridgeError, ReaderState, Unsubscribe } from '../bridge';

/**
 * Shown until Go tells us otherwise, and for good when there is no Go side
 * (plain browser): without the app, no smart-card service can be reached.
 */
export const initialReaderState: ReaderState = Object.freeze({
  status: 'no_service',
  readers: [],
  selected: '',
  demo: false,
}) as ReaderState;

export interface ReaderStore extends Readable<ReaderState> {
  /** Last bridge failure while fetching the state (null when fine). */
  readonly error: Readable<BridgeError | null>;
  /** Subscribes to "reader:state", then fetches the current state. Idempotent. */
  start(): Promise<void>;
  /** Stops listening. */
  stop(): void;
}

export function createReaderStore(bridge: Bridge): ReaderStore {
  const state = writable<ReaderState>(initialReaderState);
  const error = writable<BridgeError | null>(null);
  let off: Unsubscribe | null = null;
  // Bumped by every event; a fetch that started before an event must not
  // overwrite the newer state that event carried.
  let generation = 0;

  async function start(): Promise<void> {
    if (off !== null) return;
    // Listen first so no change between fetch and subscribe is lost.
    off = bridge.on('reader:state', (s) => {
      generation++;
      state.set(s);
      error.set(null);
    });
    const started = generation;
    const res = await bridge.readerState();
    if (generation !== started) return;
    if (res.ok) {
      state.set(res.value);
      error.set(null);
    } else {
      state.set(initialReaderState);
      error.set(res.error);
    }
  }

  function stop(): void {
    off?.();
    off = null;
  }

  return { subscribe: state.subscribe, error: { subscribe: error.subscribe }, start, stop };
}
