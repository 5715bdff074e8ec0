import type { EventMap, EventName } from './types';
import { parseCheckState, parseReaderState } from './validate';
import { wailsRuntime } from './wails';

export type Unsubscribe = () => void;

/** Payload checks per event; a payload that fails its check is dropped. */
const parsers: { [K in EventName]: (v: unknown) => EventMap[K] | null } = {
  'reader:state': parseReaderState,
  'check:state': parseCheckState,
};

/** Called for payloads that fail their check (default: console.warn). */
export type InvalidPayloadHandler = (event: EventName, payload: unknown) => void;

let onInvalid: InvalidPayloadHandler = (event, payload) => {
  console.warn(`taimen: dropped malformed ${event} payload`, payload);
};

export function setInvalidPayloadHandler(h: InvalidPayloadHandler): void {
  onInvalid = h;
}

/**
 * Listens to a Go event with a typed payload. Returns the function that stops
 * this one listener. Without the Wails runtime (plain browser) it listens to
 * nothing and returns a no-op, so callers need no special case.
 */
export function on<K extends EventName>(event: K, handler: (payload: EventMap[K]) => void): Unsubscribe {
  const rt = wailsRuntime();
  if (typeof rt?.EventsOnMultiple !== 'function') return () => {};
  const parse = parsers[event];
  const off = rt.EventsOnMultiple(
    event,
    (payload: unknown) => {
      const value = parse(payload);
      if (value === null) {
        onInvalid(event, payload);
        return;
      }
      handler(value);
    },
    -1,
  );
  let done = false;
  return () => {
    if (done) return;
    done = true;
    off();
  };
}

/** Removes every listener of the given events (all components, not only ours). */
export function offAll(...events: [EventName, ...EventName[]]): void {
  const rt = wailsRuntime();
  if (typeof rt?.EventsOff !== 'function') return;
  const [first, ...rest] = events;
  rt.EventsOff(first, ...rest);
}
