import { derived, writable, type Readable } from 'svelte/store';
import { en } from './en';
import { ja, type MessageKey, type Messages } from './ja';

export type { MessageKey, Messages } from './ja';

export const locales = ['ja', 'en'] as const;
export type Locale = (typeof locales)[number];

/** Japanese first: counters in Japan; English is the clerk's choice. */
export const defaultLocale: Locale = 'ja';

export const dictionaries: Record<Locale, Messages> = { ja, en };

/** Language names are shown in their own language, whatever the current locale. */
export const localeNames: Record<Locale, { short: string; full: string; htmlLang: string }> = {
  ja: { short: '日本語', full: '日本語', htmlLang: 'ja' },
  en: { short: 'EN', full: 'English', htmlLang: 'en' },
};

export type Params = Record<string, string | number>;

/** Marks a phrase boundary inside a message (see ja.ts). */
export const PHRASE_MARK = '\u200b';

function fill(text: string, params?: Params): string {
  if (params === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

/** Looks up `key` in `loc` and fills {placeholders}; unknown placeholders stay visible. Phrase marks are removed. */
export function translate(loc: Locale, key: MessageKey, params?: Params): string {
  return fill(dictionaries[loc][key], params).replaceAll(PHRASE_MARK, '');
}

/** Like translate, split at the phrase marks (one element when the message has none). */
export function translatePhrases(loc: Locale, key: MessageKey, params?: Params): string[] {
  return fill(dictionaries[loc][key], params)
    .split(PHRASE_MARK)
    .filter((p) => p !== '');
}

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (locales as readonly string[]).includes(v);
}

export const locale = writable<Locale>(defaultLocale);

export type Translator = (key: MessageKey, params?: Params) => string;

/** `$t('key')` in components; re-renders when the locale changes. */
export const t: Readable<Translator> = derived(locale, (loc) => (key: MessageKey, params?: Params) =>
  translate(loc, key, params),
);

export type PhraseTranslator = (key: MessageKey, params?: Params) => string[];

/** `$tp('key')`: the message as phrases, for <Phrases>. */
export const tp: Readable<PhraseTranslator> = derived(locale, (loc) => (key: MessageKey, params?: Params) =>
  translatePhrases(loc, key, params),
);
