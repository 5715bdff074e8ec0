import { describeRejection, fail, ok, type Result } from './result';
import type {
  AnchorInfo,
  AppInfo,
  CheckState,
  DemoKind,
  HistoryRow,
  Phase,
  PurposeInfo,
  ReaderState,
  ReaderStatus,
  Settings,
  SettingsResult,
} from './types';
import {
  parseAnchors,
  parseAppInfo,
  parseCheckState,
  parseHistory,
  parsePurposes,
  parseReaderState,
  parseSettings,
  parseSettingsResult,
} from './validate';
import { counterBinding, type CounterBinding } from './wails';

// Typed wrappers over window.go.app.Counter. They never throw and never
// reject: every failure becomes a Result with an error code.

async function call<T>(
  method: keyof CounterBinding,
  parse: (v: unknown) => T | null,
  ...args: unknown[]
): Promise<Result<T>> {
  const op = `Counter.${method}`;
  const fn = counterBinding()?.[method] as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (typeof fn !== 'function') return fail('no_runtime', op, 'window.go.app.Counter is not available');
  let raw: unknown;
  try {
    raw = await fn(...args);
  } catch (reason) {
    return fail('call_failed', op, describeRejection(reason));
  }
  const value = parse(raw);
  if (value === null) return fail('bad_payload', op, describeRejection(raw));
  return ok(value);
}

/** The reader state at this moment (used once at startup; later changes come as events). */
export function readerState(): Promise<Result<ReaderState>> {
  return call('ReaderState', parseReaderState);
}

export function appInfo(): Promise<Result<AppInfo>> {
  return call('AppInfo', parseAppInfo);
}

/**
 * Reports the state the screen now shows. Fire and forget: the log line on
 * the Go side is a diagnostic, so a failure here must never reach the clerk.
 */
export function uiShown(status: ReaderStatus | `phase:${Phase}`): void {
  const fn = counterBinding()?.UIShown;
  if (typeof fn !== 'function') return;
  try {
    void Promise.resolve(fn(status)).catch(() => undefined);
  } catch {
    // a throwing binding is as good as an absent one here
  }
}

/** The purposes the clerk can choose from (built in, plus IT's config file). */
export function purposes(): Promise<Result<PurposeInfo[]>> {
  return call('Purposes', parsePurposes);
}

/** The check state at this moment (used once at startup; later changes come as check:state events). */
export function checkState(): Promise<Result<CheckState>> {
  return call('State', parseCheckState);
}

/** Demo mode only: the simulated card's 照合番号B, as printed on its face ("" outside demo mode). */
export function demoCodeB(): Promise<Result<string>> {
  return call('DemoCodeB', (v) => (typeof v === 'string' && /^\d{0,14}$/.test(v) ? v : null));
}

/** The clerk picked a purpose: Go starts waiting for a tap. */
export function startCheck(purposeID: string): Promise<Result<CheckState>> {
  return call('StartCheck', parseCheckState, purposeID);
}

/** Back to idle; Go wipes everything of the current customer. */
export function cancel(): Promise<Result<CheckState>> {
  return call('Cancel', parseCheckState);
}

/** The 14-digit 照合番号B of a plastic My Number Card. */
export function submitCodeB(digits: string, allowLastTry: boolean): Promise<Result<CheckState>> {
  return call('SubmitCodeB', parseCheckState, digits, allowLastTry);
}

/** The clerk's face comparison; Go writes the audit entry and wipes the result. */
export function confirm(match: boolean): Promise<Result<CheckState>> {
  return call('Confirm', parseCheckState, match);
}

/** Demo mode only: a simulated tap. */
export function demoTap(kind: DemoKind): Promise<Result<CheckState>> {
  return call('DemoTap', parseCheckState, kind);
}

export function settings(): Promise<Result<Settings>> {
  return call('Settings', parseSettings);
}

export function saveSettings(s: Settings): Promise<Result<SettingsResult>> {
  return call('SaveSettings', parseSettingsResult, s);
}

export function trustAnchors(): Promise<Result<AnchorInfo[]>> {
  return call('TrustAnchors', parseAnchors);
}

/** Audit log rows without personal data, newest first. */
export function history(limit: number): Promise<Result<HistoryRow[]>> {
  return call('History', parseHistory, limit);
}
