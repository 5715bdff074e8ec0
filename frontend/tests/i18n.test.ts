// @vitest-environment node
// No DOM needed: plain TypeScript and svelte/store.
import { get } from 'svelte/store';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultLocale,
  dictionaries,
  isLocale,
  locale,
  locales,
  PHRASE_MARK,
  t,
  tp,
  translate,
  translatePhrases,
  type MessageKey,
} from '../src/i18n';

afterEach(() => locale.set(defaultLocale));

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('defaults to Japanese', () => {
    expect(defaultLocale).toBe('ja');
    expect(get(locale)).toBe('ja');
  });

  it('have the same keys in every locale', () => {
    const jaKeys = Object.keys(dictionaries.ja).sort();
    expect(jaKeys.length).toBeGreaterThan(0);
    for (const l of locales) {
      expect(Object.keys(dictionaries[l]).sort(), `keys of ${l}`).toEqual(jaKeys);
    }
  });

  it.each(locales)('%s has a non-empty text for every key, with the same placeholders as ja', (l) => {
    for (const key of Object.keys(dictionaries.ja) as MessageKey[]) {
      const text = translate(l, key);
      expect(text.trim(), `${l}:${key}`).not.toBe('');
      expect(placeholders(dictionaries[l][key]), `${l}:${key} placeholders`).toEqual(
        placeholders(dictionaries.ja[key]),
      );
    }
  });

  it('says the waiting-screen sentences the brief asks for', () => {
    expect(translate('ja', 'status.ready.title')).toBe('スマートフォンまたはマイナンバーカードをリーダーにかざしてください');
    expect(translate('ja', 'status.present.title')).toBe('読み取り中です。カードを動かさないでください');
    expect(translate('ja', 'status.no_reader.title')).toBe('カードリーダーが接続されていません');
    expect(translate('en', 'status.ready.title')).toBe('Hold your smartphone or My\u00a0Number\u00a0Card over the reader');
  });
});

describe('translate', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('ja', 'reader.name', { name: 'PaSoRi' })).toBe('リーダー：PaSoRi');
    expect(translate('en', 'footer.version', { version: '1.2.3' })).toBe('Version 1.2.3');
    expect(translate('en', 'reader.name')).toBe('Reader: {name}');
    expect(translate('en', 'reader.name', { other: 'x' })).toBe('Reader: {name}');
  });

  it('does not treat a placeholder value as a template', () => {
    expect(translate('en', 'reader.name', { name: '{version}' })).toBe('Reader: {version}');
  });

  it('removes phrase marks from plain text, and translatePhrases splits at them', () => {
    const raw = dictionaries.ja['status.ready.title'];
    expect(raw).toContain(PHRASE_MARK);
    expect(translate('ja', 'status.ready.title')).not.toContain(PHRASE_MARK);
    const parts = translatePhrases('ja', 'status.ready.title');
    expect(parts).toEqual(['スマートフォンまたは', 'マイナンバーカードを', 'リーダーに', 'かざしてください']);
    expect(parts.join('')).toBe(translate('ja', 'status.ready.title'));
    expect(translatePhrases('en', 'status.ready.title')).toEqual([translate('en', 'status.ready.title')]);
  });

  it('t and tp follow the locale store', () => {
    expect(get(t)('status.no_reader.title')).toBe('カードリーダーが接続されていません');
    locale.set('en');
    expect(get(t)('status.no_reader.title')).toBe('No card reader is connected');
    expect(get(tp)('status.no_reader.title')).toEqual(['No card reader is connected']);
  });

  it('isLocale accepts only known locales', () => {
    expect(isLocale('ja')).toBe(true);
    expect(isLocale('en')).toBe(true);
    expect(isLocale('fr')).toBe(false);
    expect(isLocale(undefined)).toBe(false);
  });
});
