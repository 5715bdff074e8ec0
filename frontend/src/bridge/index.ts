import { appInfo, readerState } from './counter';
import { on } from './events';

export * from './types';
export * from './result';
export { on, offAll, setInvalidPayloadHandler, type Unsubscribe } from './events';
export { appInfo, readerState, uiShown } from './counter';
export { parseAppInfo, parseReaderState } from './validate';

/** What stores need from the Go side; tests pass a fake. */
export interface Bridge {
  readerState: typeof readerState;
  appInfo: typeof appInfo;
  on: typeof on;
}

export const wailsBridge: Bridge = { readerState, appInfo, on };
