import { get, writable, type Readable } from 'svelte/store';
import type {
  BridgeError,
  CheckBridge,
  CheckState,
  DemoKind,
  PurposeInfo,
  Result,
  Unsubscribe,
} from '../bridge';

/** Before Go has said anything: nobody is being checked. */
export const idleCheckState: CheckState = Object.freeze({
  phase: 'idle',
  purpose: '',
  source: '',
  result: null,
  error: null,
  triesLeft: null,
  idleSeconds: 0,
}) as CheckState;

/**
 * A short message for a call Go refused (busy, not_demo, bad_code_b …) or
 * that did not reach Go at all. It never carries personal data.
 */
export type Notice = { kind: 'code'; code: string } | { kind: 'bridge'; error: BridgeError };

export interface CheckStore extends Readable<CheckState> {
  readonly purposes: Readable<PurposeInfo[] | null>;
  readonly purposesError: Readable<BridgeError | null>;
  readonly notice: Readable<Notice | null>;
  /** The last purpose the clerk chose (kept as the default for the next customer). */
  readonly lastPurpose: Readable<string>;
  /** Subscribes to "check:state", then fetches the current state and the purposes. Idempotent. */
  start(): Promise<void>;
  stop(): void;
  startCheck(purposeID: string): Promise<void>;
  cancel(): Promise<void>;
  submitCodeB(digits: string, allowLastTry: boolean): Promise<void>;
  confirm(match: boolean): Promise<void>;
  demoTap(kind: DemoKind): Promise<void>;
  dismissNotice(): void;
}

/**
 * The state of the current customer's check, as Go last described it.
 *
 * Wiping: every update REPLACES the whole state object, and a result is kept
 * only while the phase is `result` (the parser already drops it elsewhere;
 * this store checks again), so once Go leaves `result` nothing of the
 * customer stays reachable from here.
 */
export function createCheckStore(bridge: CheckBridge): CheckStore {
  const state = writable<CheckState>(idleCheckState);
  const purposes = writable<PurposeInfo[] | null>(null);
  const purposesError = writable<BridgeError | null>(null);
  const notice = writable<Notice | null>(null);
  const lastPurpose = writable<string>('');
  let off: Unsubscribe | null = null;
  // Bumped by every event. Events are authoritative: a call's answer that
  // arrives after a newer event must not roll the screen back.
  let generation = 0;

  function apply(s: CheckState): void {
    const clean: CheckState = {
      ...s,
      result: s.phase === 'result' ? s.result : null,
      // An error outside phase `error` is a refused call: show it as a notice.
      error: s.phase === 'error' ? s.error : null,
    };
    if (s.phase !== 'error' && s.error !== null) notice.set({ kind: 'code', code: s.error.code });
    else if (s.phase !== get(state).phase) notice.set(null);
    if (s.purpose !== '') lastPurpose.set(s.purpose);
    state.set(clean);
  }

  async function run(call: () => Promise<Result<CheckState>>): Promise<void> {
    const started = generation;
    const res = await call();
    if (!res.ok) {
      notice.set({ kind: 'bridge', error: res.error });
      return;
    }
    if (generation !== started) {
      // An event already told us something newer; still show a refusal.
      if (res.value.error !== null && res.value.phase !== 'error') {
        notice.set({ kind: 'code', code: res.value.error.code });
      }
      return;
    }
    apply(res.value);
  }

  async function start(): Promise<void> {
    if (off !== null) return;
    // Listen first so no change between fetch and subscribe is lost.
    off = bridge.on('check:state', (s) => {
      generation++;
      apply(s);
    });
    const started = generation;
    const [current, res] = await Promise.all([bridge.checkState(), bridge.purposes()]);
    // An older Go (or a plain browser) has no State(): stay idle until the first event.
    if (current.ok && generation === started) apply(current.value);
    if (res.ok) {
      purposes.set(res.value);
      purposesError.set(null);
    } else {
      purposesError.set(res.error);
    }
  }

  return {
    subscribe: state.subscribe,
    purposes: { subscribe: purposes.subscribe },
    purposesError: { subscribe: purposesError.subscribe },
    notice: { subscribe: notice.subscribe },
    lastPurpose: { subscribe: lastPurpose.subscribe },
    start,
    stop() {
      off?.();
      off = null;
    },
    startCheck: (id) => {
      notice.set(null);
      lastPurpose.set(id);
      return run(() => bridge.startCheck(id));
    },
    cancel: () => run(() => bridge.cancel()),
    submitCodeB: (digits, allowLastTry) => run(() => bridge.submitCodeB(digits, allowLastTry)),
    confirm: (match) => run(() => bridge.confirm(match)),
    demoTap: (kind) => run(() => bridge.demoTap(kind)),
    dismissNotice: () => notice.set(null),
  };
}
