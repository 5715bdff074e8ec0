import { describeRejection, fail, ok, type Result } from './result';
import type { AppInfo, ReaderState, ReaderStatus } from './types';
import { parseAppInfo, parseReaderState } from './validate';
import { counterBinding, type CounterBinding } from './wails';

// Typed wrappers over window.go.app.Counter. They never throw and never
// reject: every failure becomes a Result with an error code.

async function call<T>(
  method: keyof CounterBinding,
  parse: (v: unknown) => T | null,
): Promise<Result<T>> {
  const op = `Counter.${method}`;
  const fn = counterBinding()?.[method] as (() => Promise<unknown>) | undefined;
  if (typeof fn !== 'function') return fail('no_runtime', op, 'window.go.app.Counter is not available');
  let raw: unknown;
  try {
    raw = await fn();
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
export function uiShown(status: ReaderStatus): void {
  const fn = counterBinding()?.UIShown;
  if (typeof fn !== 'function') return;
  try {
    void Promise.resolve(fn(status)).catch(() => undefined);
  } catch {
    // a throwing binding is as good as an absent one here
  }
}
