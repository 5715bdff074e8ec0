import { readerStatuses, type AppInfo, type ReaderInfo, type ReaderState, type ReaderStatus } from './types';

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
