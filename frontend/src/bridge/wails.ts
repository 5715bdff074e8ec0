// Types for the globals the Wails v2 runtime installs. We call them directly
// instead of importing the generated `wailsjs/` files: those are produced by
// `wails build`, are not committed, and carry only `arg1, arg2…` types.

/** Bound methods of Go's `app.Counter` (window.go.app.Counter). */
export interface CounterBinding {
  ReaderState(): Promise<unknown>;
  AppInfo(): Promise<unknown>;
  /** Tells Go which reader state the screen now shows (logged; used by the smoke test). */
  UIShown(status: string): Promise<unknown>;
  Purposes(): Promise<unknown>;
  State(): Promise<unknown>;
  DemoCodeB(): Promise<unknown>;
  StartCheck(purposeID: string): Promise<unknown>;
  Cancel(): Promise<unknown>;
  SubmitCodeB(digits: string, allowLastTry: boolean): Promise<unknown>;
  Confirm(match: boolean): Promise<unknown>;
  DemoTap(kind: string): Promise<unknown>;
  Settings(): Promise<unknown>;
  SaveSettings(s: unknown): Promise<unknown>;
  TrustAnchors(): Promise<unknown>;
  History(limit: number): Promise<unknown>;
}

/** The subset of window.runtime this app uses (Wails v2 runtime.js). */
export interface WailsRuntime {
  /** Registers `callback`; maxCallbacks -1 = unlimited. Returns the unsubscribe function. */
  EventsOnMultiple(eventName: string, callback: (...data: unknown[]) => void, maxCallbacks: number): () => void;
  /** Removes every listener of the named events. */
  EventsOff(eventName: string, ...additionalEventNames: string[]): void;
}

export interface WailsGo {
  app?: {
    Counter?: Partial<CounterBinding>;
  };
}

declare global {
  interface Window {
    go?: WailsGo;
    runtime?: Partial<WailsRuntime>;
  }
}

// Looked up on every call, not cached at import: Wails may install the
// globals after this module is evaluated, and tests swap them.

export function counterBinding(): Partial<CounterBinding> | undefined {
  return typeof window === 'undefined' ? undefined : window.go?.app?.Counter;
}

export function wailsRuntime(): Partial<WailsRuntime> | undefined {
  return typeof window === 'undefined' ? undefined : window.runtime;
}
