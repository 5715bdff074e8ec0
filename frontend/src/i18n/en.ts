import type { Messages } from './ja';

// Typed as Messages: a missing or extra key fails `npm run check`.
// "My Number" is a proper name: \u00a0 keeps it on one line.
export const en: Messages = {
  'app.title': 'Taimen 対面 — Identity verification',
  'app.purpose': 'Identity verification',

  'lang.groupLabel': 'Display language',

  'demo.badge': 'Demo',
  'demo.description': 'Demo mode: a simulator is used instead of real cards',

  'status.regionLabel': 'Reader status',

  'status.no_service.label': 'Service stopped',
  'status.no_service.title': 'The smart card service is not running',
  'status.no_service.hint':
    'The card reader needs the smart card service of this PC. Start the service or contact your system administrator.',

  'status.no_reader.label': 'No reader',
  'status.no_reader.title': 'No card reader is connected',
  'status.no_reader.hint': 'Connect the USB card reader to this PC. It is detected automatically.',

  'status.ready.label': 'Waiting',
  'status.ready.title': 'Hold your smartphone or My\u00a0Number\u00a0Card over the reader',
  'status.ready.hint': 'Keep it on the reader until reading has finished.',

  'status.present.label': 'Reading',
  'status.present.title': 'Reading. Please do not move the card',
  'status.present.hint': 'The screen changes automatically when reading has finished.',

  'reader.name': 'Reader: {name}',
  'reader.none': 'Reader: none',

  'bridge.error.no_runtime': 'Not connected to the Taimen app (browser preview)',
  'bridge.error.call_failed': 'Could not get the status from the Taimen app',
  'bridge.error.bad_payload': 'The Taimen app sent an unexpected answer',

  'footer.version': 'Version {version}',
  'footer.privacy': 'Taimen never reads the My\u00a0Number (individual number)',
};
