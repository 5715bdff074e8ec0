import {
  appInfo,
  cancel,
  checkState,
  confirm,
  demoCodeB,
  demoTap,
  history,
  purposes,
  readerState,
  saveSettings,
  settings,
  startCheck,
  submitCodeB,
  trustAnchors,
} from './counter';
import { on } from './events';

export * from './types';
export * from './result';
export { on, offAll, setInvalidPayloadHandler, type Unsubscribe } from './events';
export * from './counter';
export {
  parseAnchors,
  parseAppInfo,
  parseCheckState,
  parseHistory,
  parsePurposes,
  parseReaderState,
  parseResultView,
  parseSettings,
  parseSettingsResult,
} from './validate';

/** What the reader and app-info stores need from the Go side; tests pass a fake. */
export interface Bridge {
  readerState: typeof readerState;
  appInfo: typeof appInfo;
  on: typeof on;
}

export const wailsBridge: Bridge = { readerState, appInfo, on };

/** What the check store needs: the flow's calls and the check:state event. */
export interface CheckBridge {
  on: typeof on;
  checkState: typeof checkState;
  purposes: typeof purposes;
  startCheck: typeof startCheck;
  cancel: typeof cancel;
  submitCodeB: typeof submitCodeB;
  confirm: typeof confirm;
  demoTap: typeof demoTap;
}

export const wailsCheckBridge: CheckBridge = { on, checkState, purposes, startCheck, cancel, submitCodeB, confirm, demoTap };
