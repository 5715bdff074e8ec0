import type { Attribute, CheckItem, LocalText } from '../bridge';
import { dictionaries, type Locale, type MessageKey } from '../i18n';

// Go sends stable codes; these map them to message keys. Unknown codes get a
// generic text (and the code, small) so nothing new from Go ever shows blank.

function known(key: string): key is MessageKey {
  return Object.hasOwn(dictionaries.ja, key);
}

export function attrLabelKey(key: string): MessageKey | null {
  const k = `attr.${key}`;
  return known(k) ? k : null;
}

/** The clerk-facing text of a value Go formatted (booleans and ISO 5218 sex codes are translated). */
export function valueKey(a: Attribute): MessageKey | null {
  if (a.key.startsWith('age_over') && (a.value === 'true' || a.value === 'false')) return `value.${a.value}`;
  if (a.key === 'sex') {
    const k = `value.sex.${a.value}`;
    if (known(k)) return k;
  }
  return null;
}

export function checkLabelKey(id: string): MessageKey {
  const k = `check.${id}`;
  return known(k) && id !== 'other' ? k : 'check.other';
}

/** Reason families for the many precise codes of verify/…; ordered, first match wins. */
const reasonPatterns: Array<[RegExp, MessageKey]> = [
  [/^(no_trusted_anchor|no_trusted_root|unknown_ca_key|untrusted.*)$/, 'reason.untrusted'],
  [/^revocation_not_available$/, 'reason.revocation_not_available'],
  [/^prerequisite_failed$/, 'reason.prerequisite_failed'],
  [/^not_read$/, 'reason.not_read'],
  [/^(digest_mismatch|digest_missing)$/, 'reason.digest'],
  [/^(device_.*|reader_key_mismatch|no_transcript|no_reader_key)$/, 'reason.device'],
  [/(signature_invalid|mac_invalid|challenge_invalid)$/, 'reason.signature'],
  [/(^|_)expired$/, 'reason.expired'],
  [/(not_yet_valid|signed_outside_ds_validity)$/, 'reason.not_yet_valid'],
  [/^doctype_/, 'reason.doctype'],
  [/(malformed|truncated|too_large|too_deep|duplicate_key|duplicate_element|missing|unreadable)$/, 'reason.malformed'],
  [/(unsupported|alg_not_allowed|alg_mismatch)$/, 'reason.unsupported'],
  [/(profile|key_usage|extension|path_length|aki_mismatch)/, 'reason.profile'],
  [/mismatch$/, 'reason.mismatch'],
  [/^(no_|not_configured)/, 'reason.not_configured'],
];

/** Plain-language reason for one check; `exact` is false when only a generic text fits. */
export function reasonKey(c: CheckItem): { key: MessageKey; exact: boolean } {
  if (c.status === 'valid') {
    const k = `reason.ok.${c.id}`;
    return { key: known(k) ? k : 'reason.ok.other', exact: true };
  }
  // Revocation is optional: without a configured CRL it is simply not checked.
  if (c.id === 'revocation' && c.status === 'not_checked') return { key: 'reason.revocation_not_checked', exact: true };
  // An optional check the card route did not run (the text application's chip challenge).
  if (c.status === 'not_checked' && c.code === 'no_challenge') return { key: 'reason.optional_not_run', exact: true };
  for (const [re, key] of reasonPatterns) if (re.test(c.code)) return { key, exact: true };
  return { key: `reason.generic.${c.status}`, exact: false };
}

export type Tone = 'red' | 'amber';

/** Warnings that make a document unusable are red; the rest are amber. */
export function warningTone(code: string): Tone {
  return code === 'untrusted_issuer' || code === 'expired' ? 'red' : 'amber';
}

export function warningKey(code: string): MessageKey | null {
  const k = `warning.${code}`;
  return known(k) && code !== 'other' ? k : null;
}

export function errorKeys(code: string): { title: MessageKey; next: MessageKey; known: boolean } {
  const title = `error.${code}.title`;
  const next = `error.${code}.next`;
  if (code !== 'other' && known(title) && known(next)) return { title, next, known: true };
  return { title: 'error.other.title', next: 'error.other.next', known: false };
}

export function docKey(docType: string): MessageKey | null {
  const k = `result.doc.${docType}`;
  return known(k) && docType !== 'other' ? k : null;
}

export function local(text: LocalText, loc: Locale): string {
  return text[loc] || text.ja || text.en;
}
