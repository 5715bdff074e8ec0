// The Go↔JS contract. The Go side (package app, bound struct Counter) mirrors
// these shapes exactly; change both together.

/**
 * What the counter's reader is doing.
 * - no_service: the smart-card service (pcscd / Windows "Smart Card") isn't running
 * - no_reader:  the service runs but no reader is attached
 * - ready:      a reader is attached and nothing is on it
 * - present:    a card or phone is on the reader (`selected` names that reader)
 */
export type ReaderStatus = 'no_service' | 'no_reader' | 'ready' | 'present';

export const readerStatuses: readonly ReaderStatus[] = ['no_service', 'no_reader', 'ready', 'present'];

export interface ReaderInfo {
  name: string;
  cardPresent: boolean;
}

export interface ReaderState {
  status: ReaderStatus;
  readers: ReaderInfo[];
  selected: string;
  demo: boolean;
}

export interface AppInfo {
  version: string;
  demo: boolean;
}

/** Event name → payload type, for every event Go emits to the UI. */
export interface EventMap {
  'reader:state': ReaderState;
  'check:state': CheckState;
}

export type EventName = keyof EventMap;

// ---- Counter flow (issue 6; contract: notes/app-contract.md) ----

/** Where one customer's check is. */
export type Phase =
  | 'idle'
  | 'waiting'
  | 'engaging'
  | 'consent'
  | 'verifying'
  | 'code_b'
  | 'reading_card'
  | 'result'
  | 'error';

export const phases: readonly Phase[] = [
  'idle',
  'waiting',
  'engaging',
  'consent',
  'verifying',
  'code_b',
  'reading_card',
  'result',
  'error',
];

export type Source = '' | 'phone' | 'card';
export const sources: readonly Source[] = ['', 'phone', 'card'];

export type Overall = 'valid' | 'invalid' | 'undetermined' | 'declined';
export const overalls: readonly Overall[] = ['valid', 'invalid', 'undetermined', 'declined'];

export type CheckStatus = 'valid' | 'invalid' | 'not_checked' | 'undetermined';
export const checkStatuses: readonly CheckStatus[] = ['valid', 'invalid', 'not_checked', 'undetermined'];

export interface CheckItem {
  id: string;
  status: CheckStatus;
  code: string;
}

export interface Attribute {
  /** name | address | birth_date | sex | age_over_18 | age_over_20 | driving_privileges | expiry */
  key: string;
  /** Already formatted by Go (dates YYYY-MM-DD, booleans "true"/"false"). */
  value: string;
}

export interface Portrait {
  mediaType: string;
  dataUrl: string;
}

export interface ResultView {
  overall: Overall;
  docType: string;
  issuer: { country: string; name: string };
  attributes: Attribute[];
  portrait: Portrait | null;
  checks: CheckItem[];
  warnings: string[];
}

/** A code inside a payload; the UI translates it (see i18n `error.*`). */
export interface CodeError {
  code: string;
}

export interface CheckState {
  phase: Phase;
  purpose: string;
  source: Source;
  /** Only in phase `result`. */
  result: ResultView | null;
  /** In phase `error`, and on a rejected call (busy, not_demo, bad_code_b …) in any phase. */
  error: CodeError | null;
  /** Phase `code_b`: remaining 照合番号B tries when known. */
  triesLeft: number | null;
  /** Seconds until the result is wiped automatically (0 = not counting). */
  idleSeconds: number;
}

export interface LocalText {
  ja: string;
  en: string;
}

export interface PurposeInfo {
  id: string;
  name: LocalText;
  legalBasis: LocalText;
  attributes: string[];
  retain: string[];
  retentionDays: number;
  ageOver: number;
}

export type SettingsLanguage = 'ja' | 'en';

export interface Settings {
  /** "" = choose automatically. */
  reader: string;
  idleTimeoutSeconds: number;
  trustPaths: string[];
  vicalPaths: string[];
  language: SettingsLanguage;
}

export interface SettingsResult {
  ok: boolean;
  error: { code: string; detail: string } | null;
  settings: Settings;
}

export interface AnchorInfo {
  subject: string;
  country: string;
  purpose: string;
  fingerprint: string;
  notAfter: string;
  source: string;
}

export type Confirmation = 'match' | 'mismatch' | 'none';

export interface HistoryRow {
  time: string;
  purpose: string;
  docType: string;
  source: Source;
  overall: string;
  confirmed: Confirmation;
  checks: CheckItem[];
}

export type DemoKind = 'phone' | 'card' | 'mdl';
