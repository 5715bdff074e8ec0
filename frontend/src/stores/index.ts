import { wailsBridge, wailsCheckBridge } from '../bridge';
import { createCheckStore } from './check';
import { createAppInfoStore } from './appInfo';
import { createReaderStore } from './reader';

export { createReaderStore, initialReaderState, type ReaderStore } from './reader';
export { createAppInfoStore, type AppInfoStore } from './appInfo';
export { createCheckStore, idleCheckState, type CheckStore, type Notice } from './check';

/** App-wide stores wired to the real Wails bridge. */
export const readerState = createReaderStore(wailsBridge);
export const appInfo = createAppInfoStore(wailsBridge);
export const check = createCheckStore(wailsCheckBridge);
