import { wailsBridge } from '../bridge';
import { createAppInfoStore } from './appInfo';
import { createReaderStore } from './reader';

export { createReaderStore, initialReaderState, type ReaderStore } from './reader';
export { createAppInfoStore, type AppInfoStore } from './appInfo';

/** App-wide stores wired to the real Wails bridge. */
export const readerState = createReaderStore(wailsBridge);
export const appInfo = createAppInfoStore(wailsBridge);
