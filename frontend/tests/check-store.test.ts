// @vitest-environment node
import { get } from 'svelte/store';
import { describe, expect, it, vi } from 'vitest';
import type { CheckBridge, CheckState, EventMap, EventName, PurposeInfo, Result, ResultView } from '../src/bridge';
import { parseCheckState } from '../src/bridge';
import { createCheckStore, idleCheckState } from '../src/stores';

const result: ResultView = {
  overall: 'valid',
  docType: 'org.iso.23220.1.jp.mnc',
  issuer: { country: 'JP', name: 'Digital Agency (test)' },
  attributes: [
    { key: 'name', value: 'YAMADA Hanako' },
    { key: 'birth_date', value: '1990-04-12' },
  ],
  portrait: { mediaType: 'image/jpeg', dataUrl: 'data:image/jpeg;base64,/9j/4AAQ' },
  checks: [{ id: 'issuer_signature', status: 'valid', code: 'ok' }],
  warnings: [],
};

function st(phase: CheckState['phase'], extra: Partial<CheckState> = {}): CheckState {
  return { phase, purpose: 'account-opening', source: 'phone', result: null, error: null, triesLeft: null, idleSeconds: 0, ...extra };
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** A CheckBridge whose events the test emits by hand and whose calls answer with what the test queues. */
function fakeCheckBridge(purposes: PurposeInfo[] = []) {
  const handlers = new Map<EventName, Set<(p: never) => void>>();
  let answer: Result<CheckState> = ok(st('idle'));
  let gate: Promise<void> = Promise.resolve();
  const reply = async () => {
    await gate;
    return answer;
  };
  const bridge = {
    on: vi.fn((event: EventName, handler: (p: never) => void) => {
      const set = handlers.get(event) ?? new Set();
      set.add(handler);
      handlers.set(event, set);
      return () => set.delete(handler);
    }) as unknown as CheckBridge['on'],
    checkState: vi.fn(async (): Promise<Result<CheckState>> => ok({ ...st('idle'), purpose: '' })),
    purposes: vi.fn(async () => ok(purposes)),
    startCheck: vi.fn(reply),
    cancel: vi.fn(reply),
    submitCodeB: vi.fn(reply),
    confirm: vi.fn(reply),
    demoTap: vi.fn(reply),
  } satisfies CheckBridge;
  return {
    bridge,
    answer(r: Result<CheckState>) {
      answer = r;
    },
    /** Holds every call's answer until the returned function is called. */
    hold(): () => void {
      let release = () => {};
      gate = new Promise((r) => (release = r));
      return release;
    },
    emit<K extends EventName>(event: K, payload: EventMap[K]) {
      for (const h of handlers.get(event) ?? []) (h as (p: EventMap[K]) => void)(payload);
    },
    listeners: (e: EventName) => handlers.get(e)?.size ?? 0,
  };
}

describe('check store', () => {
  it('starts idle, subscribes to check:state and loads the purposes', async () => {
    const p: PurposeInfo = { id: 'x', name: { ja: 'x', en: 'x' }, legalBasis: { ja: '', en: '' }, attributes: [], retain: [], retentionDays: 0, ageOver: 0 };
    const f = fakeCheckBridge([p]);
    const store = createCheckStore(f.bridge);
    expect(get(store)).toEqual(idleCheckState);
    await store.start();
    await store.start();
    expect(f.listeners('check:state')).toBe(1);
    expect(get(store.purposes)).toEqual([p]);
    store.stop();
    expect(f.listeners('check:state')).toBe(0);
  });

  it('takes the current state from State() at start (the app may open mid-check)', async () => {
    const f = fakeCheckBridge();
    f.bridge.checkState.mockResolvedValueOnce(ok(st('code_b', { source: 'card', triesLeft: 2 })));
    const store = createCheckStore(f.bridge);
    await store.start();
    expect(get(store)).toMatchObject({ phase: 'code_b', triesLeft: 2 });
  });

  it('an event during the State() fetch wins over the older answer', async () => {
    const f = fakeCheckBridge();
    let answer: (r: Result<CheckState>) => void = () => {};
    f.bridge.checkState.mockImplementationOnce(() => new Promise((r) => (answer = r)));
    const store = createCheckStore(f.bridge);
    const started = store.start();
    f.emit('check:state', st('engaging'));
    answer(ok(st('waiting')));
    await started;
    expect(get(store).phase).toBe('engaging');
  });

  it('without State() (older Go, plain browser) it stays idle', async () => {
    const f = fakeCheckBridge();
    f.bridge.checkState.mockResolvedValueOnce({ ok: false, error: { code: 'no_runtime', op: 'Counter.State', detail: '' } });
    const store = createCheckStore(f.bridge);
    await store.start();
    expect(get(store)).toEqual(idleCheckState);
    expect(get(store.notice)).toBeNull();
  });

  it('a wrong 照合番号B arrives as an error inside phase code_b: a notice, the entry stays', async () => {
    const f = fakeCheckBridge();
    const store = createCheckStore(f.bridge);
    await store.start();
    f.emit('check:state', st('code_b', { source: 'card', triesLeft: 3 }));
    f.emit('check:state', st('code_b', { source: 'card', triesLeft: 2, error: { code: 'wrong_code_b' } }));
    expect(get(store)).toMatchObject({ phase: 'code_b', triesLeft: 2, error: null });
    expect(get(store.notice)).toEqual({ kind: 'code', code: 'wrong_code_b' });
  });

  it('follows events through a whole phone check', async () => {
    const f = fakeCheckBridge();
    const store = createCheckStore(f.bridge);
    await store.start();
    const seen: string[] = [];
    const unsub = store.subscribe((s) => seen.push(s.phase));
    for (const phase of ['waiting', 'engaging', 'consent', 'verifying'] as const) f.emit('check:state', st(phase));
    f.emit('check:state', st('result', { result, idleSeconds: 120 }));
    expect(get(store).result).toEqual(result);
    expect(get(store).idleSeconds).toBe(120);
    f.emit('check:state', st('idle'));
    unsub();
    expect(seen).toEqual(['idle', 'waiting', 'engaging', 'consent', 'verifying', 'result', 'idle']);
    expect(get(store.lastPurpose)).toBe('account-opening');
  });

  it('keeps nothing of the customer after result → idle (wiped)', async () => {
    const f = fakeCheckBridge();
    const store = createCheckStore(f.bridge);
    await store.start();
    f.emit('check:state', st('result', { result }));
    expect(JSON.stringify(get(store))).toContain('YAMADA Hanako');
    f.emit('check:state', st('idle'));
    const after = get(store);
    expect(after.result).toBeNull();
    const dump = JSON.stringify({ state: after, notice: get(store.notice), purposes: get(store.purposes) });
    for (const secret of ['YAMADA Hanako', '1990-04-12', 'data:image', 'Digital Agency']) expect(dump).not.toContain(secret);
  });

  it('drops a result that Go sent outside phase result', async () => {
    const f = fakeCheckBridge();
    const store = createCheckStore(f.bridge);
    await store.start();
    // The bridge parser already drops it; the store checks again for states built in code.
    f.emit('check:state', st('waiting', { result }));
    expect(get(store).result).toBeNull();
    expect(parseCheckState({ ...st('idle'), result })?.result).toBeNull();
  });

  it('applies the answer of a call, and a refused call becomes a notice', async () => {
    const f = fakeCheckBridge();
    const store = createCheckStore(f.bridge);
    await store.start();
    f.answer(ok(st('waiting')));
    await store.startCheck('account-opening');
    expect(f.bridge.startCheck).toHaveBeenCalledWith('account-opening');
    expect(get(store).phase).toBe('waiting');
    expect(get(store.notice)).toBeNull();

    f.answer(ok(st('waiting', { error: { code: 'not_demo' } })));
    await store.demoTap('phone');
    expect(f.bridge.demoTap).toHaveBeenCalledWith('phone');
    expect(get(store.notice)).toEqual({ kind: 'code', code: 'not_demo' });
    // The refusal is not an error phase: the screen stays on waiting.
    expect(get(store).phase).toBe('waiting');
    expect(get(store).error).toBeNull();

    // Moving on clears the notice.
    f.emit('check:state', st('engaging'));
    expect(get(store.notice)).toBeNull();
  });

  it('an error phase carries its code in the state, not as a notice', async () => {
    const f = fakeCheckBridge();
    const store = createCheckStore(f.bridge);
    await store.start();
    f.emit('check:state', st('error', { error: { code: 'card_removed' } }));
    expect(get(store).error).toEqual({ code: 'card_removed' });
    expect(get(store.notice)).toBeNull();
  });

  it('an answer that arrives after a newer event does not roll the screen back', async () => {
    const f = fakeCheckBridge();
    const store = createCheckStore(f.bridge);
    await store.start();
    f.emit('check:state', st('result', { result }));
    const release = f.hold();
    f.answer(ok(st('result', { result })));
    const pending = store.confirm(true);
    f.emit('check:state', st('idle'));
    release();
    await pending;
    expect(f.bridge.confirm).toHaveBeenCalledWith(true);
    expect(get(store).phase).toBe('idle');
    expect(get(store).result).toBeNull();
  });

  it('a bridge failure becomes a bridge notice and leaves the state', async () => {
    const f = fakeCheckBridge();
    const store = createCheckStore(f.bridge);
    await store.start();
    f.emit('check:state', st('code_b', { triesLeft: 3, source: 'card' }));
    f.answer({ ok: false, error: { code: 'call_failed', op: 'Counter.SubmitCodeB', detail: 'x' } });
    await store.submitCodeB('95012320311234', false);
    expect(f.bridge.submitCodeB).toHaveBeenCalledWith('95012320311234', false);
    expect(get(store).phase).toBe('code_b');
    expect(get(store.notice)).toMatchObject({ kind: 'bridge', error: { code: 'call_failed' } });
    store.dismissNotice();
    expect(get(store.notice)).toBeNull();
  });

  it('records a failed purposes load', async () => {
    const f = fakeCheckBridge();
    f.bridge.purposes.mockResolvedValueOnce({ ok: false, error: { code: 'no_runtime', op: 'Counter.Purposes', detail: '' } });
    const store = createCheckStore(f.bridge);
    await store.start();
    expect(get(store.purposes)).toBeNull();
    expect(get(store.purposesError)?.code).toBe('no_runtime');
  });
});
