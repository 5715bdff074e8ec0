// Wails v2 rejects a failed bound call with a bare string (the Go error's
// text), so the UI must never branch on that text. Bridge calls resolve to a
// Result whose error carries a stable code the UI maps to i18n keys.

export type BridgeErrorCode =
  /** window.go / window.runtime is missing: plain browser, or Wails not ready. */
  | 'no_runtime'
  /** Go returned an error (Wails rejected the promise). */
  | 'call_failed'
  /** Go answered with something that does not match the contract. */
  | 'bad_payload';

export interface BridgeError {
  code: BridgeErrorCode;
  /** Which bound method or event, e.g. "Counter.ReaderState". */
  op: string;
  /** Diagnostic text for logs only; never shown as is and never parsed. */
  detail: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(code: BridgeErrorCode, op: string, detail: string): Result<T> {
  return { ok: false, error: { code, op, detail } };
}

/** Text of whatever a rejected promise carried (Wails: a string). */
export function describeRejection(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}
