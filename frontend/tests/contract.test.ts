// @vitest-environment node
// The new parts of the Go ↔ JS contract (notes/app-contract.md): payload
// checks, and a text for every code Go may send.
import { describe, expect, it } from 'vitest';
import {
  parseAnchors,
  parseCheckState,
  parseHistory,
  parsePurposes,
  parseResultView,
  parseSettings,
  parseSettingsResult,
  type CheckState,
  type ResultView,
} from '../src/bridge';
import { dictionaries, locales, translate, type MessageKey } from '../src/i18n';
import { checkLabelKey, errorKeys, reasonKey, warningKey } from '../src/lib/labels';

const result: ResultView = {
  overall: 'valid',
  docType: 'jp.mynumbercard',
  issuer: { country: 'JP', name: 'J-LIS' },
  attributes: [{ key: 'name', value: 'x' }],
  portrait: { mediaType: 'image/j2k', dataUrl: 'data:image/j2k;base64,/09/UQ==' },
  checks: [{ id: 'chip_challenge', status: 'valid', code: 'ok' }],
  warnings: [],
};
const state: CheckState = { phase: 'result', purpose: 'rental', source: 'card', result, error: null, triesLeft: null, idleSeconds: 120 };

describe('parseCheckState', () => {
  it('accepts every phase, and Go nil slices and missing optional fields', () => {
    expect(parseCheckState(state)).toEqual(state);
    expect(parseCheckState({ phase: 'code_b', purpose: 'x', source: 'card', result: null, error: null, triesLeft: 3, idleSeconds: 0 })?.triesLeft).toBe(3);
    expect(parseCheckState({ phase: 'idle', purpose: '' })).toEqual({
      phase: 'idle',
      purpose: '',
      source: '',
      result: null,
      error: null,
      triesLeft: null,
      idleSeconds: 0,
    });
    expect(parseResultView({ ...result, attributes: null, checks: null, warnings: null })).toMatchObject({ attributes: [], checks: [], warnings: [] });
    // Go labels bytes it cannot identify application/octet-stream; the Portrait sniffs them.
    const octet = { mediaType: 'application/octet-stream', dataUrl: 'data:application/octet-stream;base64,/9j/4AAQ' };
    expect(parseResultView({ ...result, portrait: octet })?.portrait).toEqual(octet);
  });

  it.each<[string, unknown]>([
    ['an unknown phase', { ...state, phase: 'dancing' }],
    ['an unknown source', { ...state, source: 'pigeon' }],
    ['a result phase without result', { ...state, result: null }],
    ['an unknown overall', { ...state, result: { ...result, overall: 'fine' } }],
    ['a check with an unknown status', { ...state, result: { ...result, checks: [{ id: 'a', status: 'meh', code: '' }] } }],
    ['an attribute that is not a string', { ...state, result: { ...result, attributes: [{ key: 'age_over_20', value: true }] } }],
    ['a portrait that is not an image data URL', { ...state, result: { ...result, portrait: { mediaType: 'image/jpeg', dataUrl: 'https://x/y.jpg' } } }],
    ['a javascript: portrait', { ...state, result: { ...result, portrait: { mediaType: 'image/jpeg', dataUrl: 'javascript:alert(1)' } } }],
    ['a data URL that is not base64', { ...state, result: { ...result, portrait: { mediaType: 'image/svg+xml', dataUrl: 'data:image/svg+xml,<svg onload=x>' } } }],
    ['negative tries', { ...state, phase: 'code_b', result: null, triesLeft: -1 }],
    ['fractional idle seconds', { ...state, idleSeconds: 1.5 }],
    ['an error without code', { ...state, phase: 'error', result: null, error: {} }],
  ])('rejects %s', (_n, v) => {
    expect(parseCheckState(v)).toBeNull();
  });
});

describe('the other payloads', () => {
  it('purposes', () => {
    const p = { id: 'age-check', name: { ja: '年齢確認', en: 'Age check' }, legalBasis: { ja: 'a', en: 'b' }, attributes: ['age_over'], retain: null, retentionDays: 0, ageOver: 20 };
    expect(parsePurposes([p])).toEqual([{ ...p, retain: [] }]);
    expect(parsePurposes(null)).toEqual([]);
    expect(parsePurposes([{ ...p, id: '' }])).toBeNull();
    expect(parsePurposes([{ ...p, name: 'x' }])).toBeNull();
  });

  it('settings and the save result', () => {
    const s = { reader: '', idleTimeoutSeconds: 120, trustPaths: null, vicalPaths: ['/v'], language: 'en' };
    expect(parseSettings(s)).toEqual({ ...s, trustPaths: [] });
    expect(parseSettings({ ...s, language: 'fr' })).toBeNull();
    expect(parseSettingsResult({ ok: false, error: { code: 'bad_path', detail: 'd' }, settings: s })?.error).toEqual({ code: 'bad_path', detail: 'd' });
    expect(parseSettingsResult({ ok: true, settings: s })?.error).toBeNull();
    expect(parseSettingsResult({ ok: true })).toBeNull();
  });

  it('trust anchors and history rows', () => {
    const a = { subject: 's', country: 'JP', purpose: 'iaca', fingerprint: 'f', notAfter: '2030-01-01T00:00:00Z', source: '/x' };
    expect(parseAnchors([a])).toEqual([a]);
    expect(parseAnchors([{ ...a, subject: 1 }])).toBeNull();
    const h = { time: '2026-11-27T10:00:00Z', purpose: 'rental', docType: 'jp.mynumbercard', source: 'card', overall: 'valid', confirmed: 'match', checks: null };
    expect(parseHistory([h])).toEqual([{ ...h, checks: [] }]);
    expect(parseHistory([{ ...h, confirmed: 'maybe' }])).toBeNull();
  });
});

// From the contract: every code the UI must translate.
const contractErrors = [
  'card_removed', 'no_reader', 'no_service', 'not_wallet', 'locked_phone', 'timeout', 'declined', 'protocol',
  'no_transport', 'bad_code_b', 'wrong_code_b', 'retries_low', 'blocked', 'busy', 'not_demo', 'unknown_purpose', 'internal',
  // added by the Go side (contract: "Changes by the Go side")
  'not_supported', 'no_purpose', 'no_result',
];
const phoneChecks = ['issuer_chain', 'revocation', 'issuer_signature', 'digests', 'doctype', 'validity', 'device_auth'];
const cardChecks = ['cv_certificate', 'card_face_signature', 'text_signature', 'chip_challenge', 'consistency', 'validity'];
const attributes = ['name', 'address', 'birth_date', 'sex', 'age_over_18', 'age_over_20', 'driving_privileges', 'expiry', 'portrait', 'age_over', 'document_number'];

describe('every contract code has its own text in every language', () => {
  it.each(contractErrors)('error %s', (code) => {
    const k = errorKeys(code);
    expect(k.known).toBe(true);
    for (const l of locales) {
      expect(translate(l, k.title)).not.toBe(translate(l, 'error.other.title'));
      expect(translate(l, k.next).length).toBeGreaterThan(5);
    }
  });

  it.each([...phoneChecks, ...cardChecks])('check %s', (id) => {
    expect(checkLabelKey(id)).toBe(`check.${id}`);
    expect(reasonKey({ id, status: 'valid', code: 'ok' }).key).toBe(`reason.ok.${id}`);
  });

  it.each(attributes)('attribute %s', (key) => {
    expect(Object.hasOwn(dictionaries.ja, `attr.${key}`)).toBe(true);
  });

  it.each(['untrusted_issuer', 'extra_elements', 'expired'])('warning %s', (code) => {
    expect(warningKey(code)).toBe(`warning.${code}`);
  });

  it('an unknown code falls back to a generic text', () => {
    expect(errorKeys('quantum_flux')).toEqual({ title: 'error.other.title', next: 'error.other.next', known: false });
    expect(checkLabelKey('quantum')).toBe('check.other');
    expect(warningKey('quantum')).toBeNull();
    expect(reasonKey({ id: 'x', status: 'undetermined', code: 'quantum' })).toEqual({ key: 'reason.generic.undetermined', exact: false });
  });
});

describe('reason codes from verify/ map to plain language', () => {
  it.each<[string, MessageKey]>([
    ['no_trusted_anchor', 'reason.untrusted'],
    ['unknown_ca_key', 'reason.untrusted'],
    ['signature_invalid', 'reason.signature'],
    ['chain_signature_invalid', 'reason.signature'],
    ['cv_certificate_signature_invalid', 'reason.signature'],
    ['device_mac_invalid', 'reason.device'],
    ['device_signature_invalid', 'reason.device'],
    ['digest_mismatch', 'reason.digest'],
    ['mso_expired', 'reason.expired'],
    ['card_expired', 'reason.expired'],
    ['iaca_not_yet_valid', 'reason.not_yet_valid'],
    ['mso_malformed', 'reason.malformed'],
    ['x5chain_missing', 'reason.malformed'],
    ['alg_unsupported', 'reason.unsupported'],
    ['ds_profile_eku', 'reason.profile'],
    ['birth_date_mismatch', 'reason.mismatch'],
    ['doctype_mismatch', 'reason.doctype'],
    ['no_trust_store', 'reason.not_configured'],
    ['revocation_not_available', 'reason.revocation_not_available'],
    ['prerequisite_failed', 'reason.prerequisite_failed'],
  ])('%s', (code, key) => {
    expect(reasonKey({ id: 'any', status: 'invalid', code }).key).toBe(key);
  });
});
