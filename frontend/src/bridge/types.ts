// The Go↔JS contract. The Go side (package app, bound struct Counter) mirrors
// these shapes exactly; change both together.

/**
 * What the counter's reader is doing.
 * - no_service: the smart-card service (pcscd / Windows "Smart Card") isn't running
 * - no_reader:  the service runs but no reader is attached
 * - ready:      a reader is attached and nothing is on it
 * - present:    a card or phone is on the reader (`selected` names that reader)
 */
export type ReaderStatus = 'no_service' | 'no_reader' | 'ready' | 'present';

export const readerStatuses: readonly ReaderStatus[] = ['no_service', 'no_reader', 'ready', 'present'];

export interface ReaderInfo {
  name: string;
  cardPresent: boolean;
}

export interface ReaderState {
  status: ReaderStatus;
  readers: ReaderInfo[];
  selected: string;
  demo: boolean;
}

export interface AppInfo {
  version: string;
  demo: boolean;
}

/** Event name → payload type, for every event Go emits to the UI. */
export interface EventMap {
  'reader:state': ReaderState;
}

export type EventName = keyof EventMap;
