import {
  checkStatuses,
  overalls,
  phases,
  readerStatuses,
  sources,
  type AnchorInfo,
  type AppInfo,
  type Attribute,
  type CheckItem,
  type CheckState,
  type Confirmation,
  type HistoryRow,
  type LocalText,
  type Portrait,
  type PurposeInfo,
  type ReaderInfo,
  type ReaderState,
  type ReaderStatus,
  type ResultView,
  type Settings,
  type SettingsResult,
} from './types';

// Payloads cross a process boundary; check their shape once here so stores and
// views can trust the types. Unknown fields are dropped, not passed on.

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isReaderStatus(v: unknown): v is ReaderStatus {
  return typeof v === 'string' && (readerStatuses as readonly string[]).includes(v);
}

function parseReaderInfo(v: unknown): ReaderInfo | null {
  if (!isObject(v) || typeof v.name !== 'string' || typeof v.cardPresent !== 'boolean') return null;
  return { name: v.name, cardPresent: v.cardPresent };
}

export function parseReaderState(v: unknown): ReaderState | null {
  if (!isObject(v) || !isReaderStatus(v.status)) return null;
  if (typeof v.selected !== 'string' || typeof v.demo !== 'boolean') return null;
  // Go encodes a nil slice as null; treat it as "no readers".
  const rawReaders = v.readers ?? [];
  if (!Array.isArray(rawReaders)) return null;
  const readers: ReaderInfo[] = [];
  for (const r of rawReaders) {
    const info = parseReaderInfo(r);
    if (info === null) return null;
    readers.push(info);
  }
  return { status: v.status, readers, selected: v.selected, demo: v.demo };
}

export function parseAppInfo(v: unknown): AppInfo | null {
  if (!isObject(v) || typeof v.version !== 'string' || typeof v.demo !== 'boolean') return null;
  return { version: v.version, demo: v.demo };
}

// ---- Counter flow ----

function oneOf<T extends string>(list: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (list as readonly string[]).includes(v);
}

/** Go encodes a nil slice as null: read it as empty. Any bad element fails the whole list. */
function listOf<T>(v: unknown, parse: (x: unknown) => T | null): T[] | null {
  const raw = v ?? [];
  if (!Array.isArray(raw)) return null;
  const out: T[] = [];
  for (const x of raw) {
    const p = parse(x);
    if (p === null) return null;
    out.push(p);
  }
  return out;
}

const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function parseCheckItem(v: unknown): CheckItem | null {
  if (!isObject(v) || typeof v.id !== 'string' || typeof v.code !== 'string') return null;
  if (!oneOf(checkStatuses, v.status)) return null;
  return { id: v.id, status: v.status, code: v.code };
}

function parseAttribute(v: unknown): Attribute | null {
  if (!isObject(v) || typeof v.key !== 'string' || typeof v.value !== 'string') return null;
  return { key: v.key, value: v.value };
}

/**
 * Only base64 data URLs (any media type: Go labels bytes it cannot identify
 * application/octet-stream). What is shown is decided from the bytes by
 * lib/portrait.ts, which builds the <img> URL itself.
 */
function parsePortrait(v: unknown): Portrait | null | undefined {
  if (v === null || v === undefined) return null;
  if (!isObject(v) || typeof v.mediaType !== 'string' || typeof v.dataUrl !== 'string') return undefined;
  if (!/^data:[a-z0-9.+-]+\/[a-z0-9.+-]+(;[a-z0-9=.+-]+)*;base64,[a-z0-9+/=]*$/i.test(v.dataUrl)) return undefined;
  return { mediaType: v.mediaType, dataUrl: v.dataUrl };
}

export function parseResultView(v: unknown): ResultView | null {
  if (!isObject(v) || !oneOf(overalls, v.overall) || typeof v.docType !== 'string') return null;
  const issuer = v.issuer;
  if (!isObject(issuer) || typeof issuer.country !== 'string' || typeof issuer.name !== 'string') return null;
  const attributes = listOf(v.attributes, parseAttribute);
  const checks = listOf(v.checks, parseCheckItem);
  const warnings = listOf(v.warnings, str);
  const portrait = parsePortrait(v.portrait);
  if (attributes === null || checks === null || warnings === null || portrait === undefined) return null;
  return {
    overall: v.overall,
    docType: v.docType,
    issuer: { country: issuer.country, name: issuer.name },
    attributes,
    portrait,
    checks,
    warnings,
  };
}

function parseCodeError(v: unknown): { code: string } | null | undefined {
  if (v === null || v === undefined) return null;
  if (!isObject(v) || typeof v.code !== 'string') return undefined;
  return { code: v.code };
}

export function parseCheckState(v: unknown): CheckState | null {
  if (!isObject(v) || !oneOf(phases, v.phase) || typeof v.purpose !== 'string') return null;
  if (!oneOf(sources, v.source ?? '')) return null;
  const error = parseCodeError(v.error);
  if (error === undefined) return null;
  const triesLeft = v.triesLeft ?? null;
  if (triesLeft !== null && !isCount(triesLeft)) return null;
  const idleSeconds = v.idleSeconds ?? 0;
  if (!isCount(idleSeconds)) return null;
  let result: ResultView | null = null;
  // A result belongs to phase `result` only; anywhere else it is dropped, so
  // no personal data can linger on a screen that does not show it.
  if (v.phase === 'result') {
    result = parseResultView(v.result);
    if (result === null) return null;
  }
  return {
    phase: v.phase,
    purpose: v.purpose,
    source: (v.source ?? '') as CheckState['source'],
    result,
    error,
    triesLeft,
    idleSeconds,
  };
}

function parseLocalText(v: unknown): LocalText | null {
  if (!isObject(v) || typeof v.ja !== 'string' || typeof v.en !== 'string') return null;
  return { ja: v.ja, en: v.en };
}

function parsePurpose(v: unknown): PurposeInfo | null {
  if (!isObject(v) || typeof v.id !== 'string' || v.id === '') return null;
  const name = parseLocalText(v.name);
  const legalBasis = parseLocalText(v.legalBasis);
  const attributes = listOf(v.attributes, str);
  const retain = listOf(v.retain, str);
  const retentionDays = v.retentionDays ?? 0;
  const ageOver = v.ageOver ?? 0;
  if (name === null || legalBasis === null || attributes === null || retain === null) return null;
  if (!isCount(retentionDays) || !isCount(ageOver)) return null;
  return { id: v.id, name, legalBasis, attributes, retain, retentionDays, ageOver };
}

export function parsePurposes(v: unknown): PurposeInfo[] | null {
  return listOf(v, parsePurpose);
}

export function parseSettings(v: unknown): Settings | null {
  if (!isObject(v) || typeof v.reader !== 'string' || !isCount(v.idleTimeoutSeconds)) return null;
  const trustPaths = listOf(v.trustPaths, str);
  const vicalPaths = listOf(v.vicalPaths, str);
  const language = v.language === '' || v.language === undefined ? 'ja' : v.language;
  if (trustPaths === null || vicalPaths === null || (language !== 'ja' && language !== 'en')) return null;
  return { reader: v.reader, idleTimeoutSeconds: v.idleTimeoutSeconds, trustPaths, vicalPaths, language };
}

export function parseSettingsResult(v: unknown): SettingsResult | null {
  if (!isObject(v) || typeof v.ok !== 'boolean') return null;
  const settings = parseSettings(v.settings);
  if (settings === null) return null;
  let error: SettingsResult['error'] = null;
  if (v.error !== null && v.error !== undefined) {
    if (!isObject(v.error) || typeof v.error.code !== 'string') return null;
    error = { code: v.error.code, detail: typeof v.error.detail === 'string' ? v.error.detail : '' };
  }
  return { ok: v.ok, error, settings };
}

function parseAnchor(v: unknown): AnchorInfo | null {
  if (!isObject(v)) return null;
  const keys = ['subject', 'country', 'purpose', 'fingerprint', 'notAfter', 'source'] as const;
  for (const k of keys) if (typeof v[k] !== 'string') return null;
  return {
    subject: v.subject as string,
    country: v.country as string,
    purpose: v.purpose as string,
    fingerprint: v.fingerprint as string,
    notAfter: v.notAfter as string,
    source: v.source as string,
  };
}

export function parseAnchors(v: unknown): AnchorInfo[] | null {
  return listOf(v, parseAnchor);
}

const confirmations: readonly Confirmation[] = ['match', 'mismatch', 'none'];

function parseHistoryRow(v: unknown): HistoryRow | null {
  if (!isObject(v) || typeof v.time !== 'string' || typeof v.purpose !== 'string') return null;
  if (typeof v.docType !== 'string' || typeof v.overall !== 'string') return null;
  if (!oneOf(sources, v.source ?? '') || !oneOf(confirmations, v.confirmed)) return null;
  const checks = listOf(v.checks, parseCheckItem);
  if (checks === null) return null;
  return {
    time: v.time,
    purpose: v.purpose,
    docType: v.docType,
    source: (v.source ?? '') as HistoryRow['source'],
    overall: v.overall,
    confirmed: v.confirmed,
    checks,
  };
}

export function parseHistory(v: unknown): HistoryRow[] | null {
  return listOf(v, parseHistoryRow);
}
