import type { Page } from '@playwright/test';
import type {
  AnchorInfo,
  AppInfo,
  CheckState,
  HistoryRow,
  PurposeInfo,
  ReaderState,
  ResultView,
  Settings,
} from '../src/bridge';

/** What the fake Go side answers; `failReaderState` makes ReaderState() reject like Wails does (a bare string). */
export interface FakeOptions {
  state: ReaderState;
  appInfo: AppInfo;
  failReaderState?: string;
  purposes?: PurposeInfo[];
  settings?: Settings;
  anchors?: AnchorInfo[];
  history?: HistoryRow[];
  /** The card-face photo (greyscale JPEG 2000 codestream), base64. */
  cardPortraitJ2K?: string;
  /** The simulated card's 照合番号B and remaining tries. */
  codeB?: string;
  codeBTries?: number;
  /** Milliseconds per flow step (engaging → consent → verifying → result). */
  stepMs?: number;
  /** Milliseconds before phase error goes back to waiting by itself (Go: 5 s). */
  errorReturnMs?: number;
}

/** Handle the test uses through page.evaluate. */
export interface FakeWails {
  emit(name: string, ...data: unknown[]): void;
  listenerCount(name: string): number;
  calls: string[];
  /** The fake Go side's current check state. */
  check(): CheckState;
  /** Moves the consent step on (the customer approved on the phone). */
  approve(): void;
}

declare global {
  interface Window {
    __fakeWails?: FakeWails;
  }
}

export const PURPOSES: PurposeInfo[] = [
  {
    id: 'account-opening',
    name: { ja: '口座開設', en: 'Account opening' },
    legalBasis: { ja: '犯罪収益移転防止法 第4条（取引時確認）', en: 'Act on Prevention of Transfer of Criminal Proceeds, Art. 4' },
    attributes: ['name', 'address', 'birth_date', 'portrait'],
    retain: ['name', 'address', 'birth_date'],
    retentionDays: 2557,
    ageOver: 0,
  },
  {
    id: 'phone-contract',
    name: { ja: '携帯電話契約', en: 'Mobile phone contract' },
    legalBasis: { ja: '携帯電話不正利用防止法 第3条（本人確認）', en: 'Mobile Phone Improper Use Prevention Act, Art. 3' },
    attributes: ['name', 'address', 'birth_date', 'portrait'],
    retain: ['name', 'address', 'birth_date'],
    retentionDays: 1095,
    ageOver: 0,
  },
  {
    id: 'age-check',
    name: { ja: '年齢確認', en: 'Age check' },
    legalBasis: { ja: '未成年者飲酒禁止法・未成年者喫煙禁止法（年齢の確認）', en: 'Minors’ Drinking and Smoking Prohibition Acts (age check)' },
    attributes: ['age_over', 'portrait'],
    retain: [],
    retentionDays: 0,
    ageOver: 20,
  },
  {
    id: 'rental',
    name: { ja: 'レンタル', en: 'Rental' },
    legalBasis: { ja: '古物営業法・契約上の本人確認', en: 'Secondhand Articles Dealer Act; contract identity check' },
    attributes: ['name', 'address', 'birth_date', 'portrait', 'driving_privileges'],
    retain: ['name', 'birth_date'],
    retentionDays: 365,
    ageOver: 0,
  },
];

export const SETTINGS: Settings = {
  reader: '',
  idleTimeoutSeconds: 120,
  trustPaths: ['/etc/taimen/trust/jp-mnc-iaca.pem', '/etc/taimen/trust/jlis/'],
  vicalPaths: ['/etc/taimen/vical/aamva.cbor'],
  language: 'ja',
};

export const ANCHORS: AnchorInfo[] = [
  {
    subject: 'CN=Digital Agency mDoc IACA, O=Digital Agency, C=JP',
    country: 'JP',
    purpose: 'iaca',
    fingerprint: '3f9a…c21d',
    notAfter: '2035-03-31T23:59:59Z',
    source: '/etc/taimen/trust/jp-mnc-iaca.pem',
  },
  {
    subject: 'J-LIS 券面事項確認AP CA',
    country: 'JP',
    purpose: 'jlis',
    fingerprint: '8b01…77e0',
    notAfter: '2034-12-31T23:59:59Z',
    source: '/etc/taimen/trust/jlis/',
  },
];

/**
 * Installs window.go.app.Counter and window.runtime before any page script
 * runs, behaving like Wails v2's runtime.js (EventsOnMultiple returns an
 * unsubscribe function; Notify calls each callback with the data spread),
 * and simulating the Go side of notes/app-contract.md: StartCheck → waiting;
 * DemoTap → engaging → consent → verifying → result; card → code_b →
 * reading_card → result; Confirm / Cancel → idle (wiped).
 */
export async function installFakeWails(page: Page, opts: FakeOptions): Promise<void> {
  const o: FakeOptions = {
    purposes: PURPOSES,
    settings: SETTINGS,
    anchors: ANCHORS,
    history: [],
    codeB: '95012320311234',
    codeBTries: 3,
    stepMs: 250,
    ...opts,
  };
  await page.addInitScript((o: FakeOptions) => {
    type Listener = { cb: (...data: unknown[]) => void; left: number };
    const listeners = new Map<string, Listener[]>();
    const calls: string[] = [];
    const idle = (purpose: string): CheckState => ({
      phase: 'idle',
      purpose,
      source: '',
      result: null,
      error: null,
      triesLeft: null,
      idleSeconds: 0,
    });
    let check: CheckState = idle('');
    let settings = structuredClone(o.settings as Settings);
    const history = structuredClone(o.history ?? []);
    let tries = o.codeBTries ?? 3;
    let timers: number[] = [];
    let consentWait: (() => void) | null = null;

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
      check: () => structuredClone(check),
      approve() {
        consentWait?.();
      },
    };
    window.__fakeWails = fake;

    function set(s: CheckState, emit = true): CheckState {
      check = s;
      if (emit) fake.emit('check:state', structuredClone(s));
      return structuredClone(s);
    }
    function refuse(code: string): Promise<CheckState> {
      return Promise.resolve({ ...structuredClone(check), error: { code } });
    }
    function clearTimers() {
      for (const t of timers) clearTimeout(t);
      timers = [];
      consentWait = null;
    }
    function later(ms: number, f: () => void) {
      timers.push(window.setTimeout(f, ms));
    }

    /** A neutral drawn silhouette as JPEG: the phone wallet's portrait. */
    function jpegPortrait(): string {
      const c = document.createElement('canvas');
      c.width = 300;
      c.height = 400;
      const g = c.getContext('2d');
      if (g === null) return '';
      const bg = g.createLinearGradient(0, 0, 0, 400);
      bg.addColorStop(0, '#dfe8f2');
      bg.addColorStop(1, '#b9c8d9');
      g.fillStyle = bg;
      g.fillRect(0, 0, 300, 400);
      g.fillStyle = '#3c4d63';
      g.beginPath();
      g.ellipse(150, 430, 140, 140, 0, Math.PI, 2 * Math.PI);
      g.fill();
      g.fillStyle = '#e3c3a6';
      g.fillRect(126, 240, 48, 60);
      g.beginPath();
      g.ellipse(150, 185, 72, 92, 0, 0, 2 * Math.PI);
      g.fill();
      g.fillStyle = '#2a2320';
      g.beginPath();
      g.ellipse(150, 135, 76, 52, 0, Math.PI, 2 * Math.PI);
      g.fill();
      return c.toDataURL('image/jpeg', 0.85);
    }

    function phoneResult(purpose: string, kind: string): ResultView {
      const mdl = kind === 'mdl';
      const attrs: Record<string, Array<{ key: string; value: string }>> = {
        'age-check': [{ key: 'age_over_20', value: 'true' }],
        rental: [
          { key: 'name', value: '山田 花子' },
          { key: 'address', value: '東京都千代田区霞が関1-1-1' },
          { key: 'birth_date', value: '1990-04-12' },
          ...(mdl ? [{ key: 'driving_privileges', value: '普通, 準中型' }] : []),
        ],
      };
      return {
        overall: 'valid',
        docType: mdl ? 'org.iso.18013.5.1.mDL' : 'org.iso.23220.1.jp.mnc',
        issuer: mdl ? { country: 'JP', name: 'National Police Agency (test)' } : { country: 'JP', name: 'デジタル庁（テスト）' },
        attributes: attrs[purpose] ?? [
          { key: 'name', value: '山田 花子' },
          { key: 'address', value: '東京都千代田区霞が関1-1-1' },
          { key: 'birth_date', value: '1990-04-12' },
        ],
        portrait: { mediaType: 'image/jpeg', dataUrl: jpegPortrait() },
        checks: [
          { id: 'issuer_chain', status: 'valid', code: 'ok' },
          { id: 'issuer_signature', status: 'valid', code: 'ok' },
          { id: 'digests', status: 'valid', code: 'ok' },
          { id: 'doctype', status: 'valid', code: 'ok' },
          { id: 'validity', status: 'valid', code: 'ok' },
          { id: 'device_auth', status: 'valid', code: 'ok' },
          { id: 'revocation', status: 'not_checked', code: 'revocation_not_available' },
        ],
        warnings: [],
      };
    }

    function cardResult(purpose: string): ResultView {
      return {
        overall: 'valid',
        docType: 'jp.mynumbercard',
        issuer: { country: 'JP', name: 'J-LIS（テスト）' },
        attributes:
          purpose === 'age-check'
            ? [{ key: 'age_over_20', value: 'true' }]
            : [
                { key: 'name', value: '山田 花子' },
                { key: 'address', value: '東京都千代田区霞が関1-1-1' },
                { key: 'birth_date', value: '1995-01-23' },
              ],
        portrait: o.cardPortraitJ2K ? { mediaType: 'image/j2k', dataUrl: `data:image/j2k;base64,${o.cardPortraitJ2K}` } : null,
        checks: [
          { id: 'cv_certificate', status: 'valid', code: 'ok' },
          { id: 'card_face_signature', status: 'valid', code: 'ok' },
          { id: 'text_signature', status: 'valid', code: 'ok' },
          { id: 'chip_challenge', status: 'valid', code: 'ok' },
          { id: 'consistency', status: 'valid', code: 'ok' },
          { id: 'validity', status: 'valid', code: 'ok' },
        ],
        warnings: [],
      };
    }

    function showResult(source: 'phone' | 'card', result: ResultView) {
      set({ ...check, phase: 'result', source, result, error: null, triesLeft: null, idleSeconds: settings.idleTimeoutSeconds });
    }

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
          State() {
            calls.push('State');
            return Promise.resolve(structuredClone(check));
          },
          DemoCodeB() {
            calls.push('DemoCodeB');
            return Promise.resolve(o.appInfo.demo ? (o.codeB ?? '') : '');
          },
          Purposes() {
            calls.push('Purposes');
            return Promise.resolve(structuredClone(o.purposes));
          },
          StartCheck(id: string) {
            calls.push(`StartCheck:${id}`);
            if (!(o.purposes ?? []).some((p) => p.id === id)) return refuse('unknown_purpose');
            if (check.phase !== 'idle' && check.phase !== 'error') return refuse('busy');
            clearTimers();
            return Promise.resolve(set({ ...idle(id), phase: 'waiting' }, false));
          },
          Cancel() {
            calls.push('Cancel');
            clearTimers();
            return Promise.resolve(set(idle(check.purpose)));
          },
          DemoTap(kind: string) {
            calls.push(`DemoTap:${kind}`);
            if (!o.appInfo.demo) return refuse('not_demo');
            // A second tap while a check runs is ignored: the state stays.
            if (check.phase === 'idle') return refuse('no_purpose');
            if (check.phase !== 'waiting') return refuse('busy');
            const step = o.stepMs ?? 250;
            if (kind !== 'phone' && kind !== 'card' && kind !== 'mdl') return refuse('not_supported');
            if (kind === 'card') {
              tries = o.codeBTries ?? 3;
              later(step, () => set({ ...check, phase: 'engaging', source: 'card' }));
              later(2 * step, () => set({ ...check, phase: 'code_b', source: 'card', triesLeft: tries }));
              return Promise.resolve(structuredClone(check));
            }
            const purpose = check.purpose;
            later(step, () => set({ ...check, phase: 'engaging', source: 'phone' }));
            later(2 * step, () => {
              set({ ...check, phase: 'consent' });
              consentWait = () => {
                consentWait = null;
                set({ ...check, phase: 'verifying' });
                later(step, () => showResult('phone', phoneResult(purpose, kind)));
              };
            });
            return Promise.resolve(structuredClone(check));
          },
          SubmitCodeB(digits: string, allowLastTry: boolean) {
            calls.push(`SubmitCodeB:${digits.length}:${allowLastTry}`);
            if (check.phase !== 'code_b') return refuse('busy');
            if (!/^\d{14}$/.test(digits)) return refuse('bad_code_b');
            // One try left: Go refuses on its own unless the clerk confirmed (the clerk stays on the entry).
            if (tries <= 1 && !allowLastTry) return Promise.resolve(set({ ...check, error: { code: 'retries_low' } }));
            if (digits !== o.codeB) {
              tries--;
              if (tries === 0) {
                const s = set({ ...check, phase: 'error', error: { code: 'blocked' }, triesLeft: 0 });
                // Phase error returns to waiting by itself after a while.
                later(o.errorReturnMs ?? 5000, () => set({ ...check, phase: 'waiting', source: '', error: null, triesLeft: null }));
                return Promise.resolve(s);
              }
              // Wrong code: the state stays in code_b with the new count and says why.
              return Promise.resolve(set({ ...check, triesLeft: tries, error: { code: 'wrong_code_b' } }));
            }
            const purpose = check.purpose;
            set({ ...check, phase: 'reading_card', triesLeft: null, error: null });
            later(o.stepMs ?? 250, () => showResult('card', cardResult(purpose)));
            return Promise.resolve(structuredClone(check));
          },
          Confirm(match: boolean) {
            calls.push(`Confirm:${match}`);
            if (check.phase !== 'result' || check.result === null) return refuse('no_result');
            history.unshift({
              time: new Date().toISOString(),
              purpose: check.purpose,
              docType: check.result.docType,
              source: check.source,
              overall: check.result.overall,
              confirmed: match ? 'match' : 'mismatch',
              checks: check.result.checks,
            });
            return Promise.resolve(set(idle(check.purpose)));
          },
          Settings() {
            calls.push('Settings');
            return Promise.resolve(structuredClone(settings));
          },
          SaveSettings(s: unknown) {
            calls.push('SaveSettings');
            const next = s as Settings;
            const bad = next.trustPaths.find((p) => !p.startsWith('/'));
            if (bad !== undefined) {
              return Promise.resolve({ ok: false, error: { code: 'trust_path', detail: bad }, settings });
            }
            if (next.idleTimeoutSeconds < 10 || next.idleTimeoutSeconds > 3600) {
              return Promise.resolve({ ok: false, error: { code: 'invalid_settings', detail: 'idleTimeoutSeconds' }, settings });
            }
            settings = structuredClone(next);
            return Promise.resolve({ ok: true, settings: structuredClone(settings) });
          },
          TrustAnchors() {
            calls.push('TrustAnchors');
            return Promise.resolve(structuredClone(o.anchors));
          },
          History(limit: number) {
            calls.push(`History:${limit}`);
            return Promise.resolve(structuredClone(history.slice(0, limit)));
          },
        },
      },
    };
  }, o);
}
