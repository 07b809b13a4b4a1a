import { createContext, useContext } from 'react';
import { en } from './en.js';
import { ru, type StringKey } from './ru.js';

/** Languages of the UI; Russian is the default. */
export type Lang = 'ru' | 'en';
export type { StringKey };

const TABLES: Record<Lang, Record<StringKey, string>> = { ru, en };
const LANG_KEY = 'parta.lang';

/** The language chosen on this device (Russian unless switched). */
export function storedLang(): Lang {
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'ru';
}

/** Remembers the language on this device. */
export function storeLang(lang: Lang): void {
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}

/**
 * A translate function: `{name}` placeholders are filled from `params`; `{name:a|b|c}` picks the word
 * form that agrees with the number `name` (see `pluralForm`).
 */
export type Translate = (key: StringKey, params?: Record<string, string | number>) => string;

/**
 * The plural categories, in the order a `{name:…|…}` placeholder lists its forms: Russian needs three
 * (1 участник, 2 участника, 5 участников), English two (1 member, 2 members).
 */
const PLURAL_ORDER: Record<Lang, readonly Intl.LDMLPluralRule[]> = { ru: ['one', 'few', 'many'], en: ['one', 'other'] };

/** The form of `forms` that agrees with `n`; fractions and anything unlisted take the last one. */
function pluralForm(rules: Intl.PluralRules, order: readonly Intl.LDMLPluralRule[], n: number, forms: string[]): string {
  const i = order.indexOf(rules.select(n));
  return forms[i >= 0 && i < forms.length ? i : forms.length - 1] ?? '';
}

/** Builds the translate function of a language. */
export function translator(lang: Lang): Translate {
  const table = TABLES[lang];
  const rules = new Intl.PluralRules(lang);
  return (key, params) => {
    const text = table[key];
    if (!params) return text;
    return text
      .replace(/\{(\w+):([^{}]*)\}/g, (m, name: string, forms: string) =>
        name in params ? pluralForm(rules, PLURAL_ORDER[lang], Number(params[name]), forms.split('|')) : m,
      )
      .replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
}

/** The UI language and its translate function. */
export interface I18n {
  lang: Lang;
  t: Translate;
  setLang: (lang: Lang) => void;
  /** Locale for dates and numbers. */
  locale: string;
}

export const I18nContext = createContext<I18n>({
  lang: 'ru',
  t: translator('ru'),
  setLang: () => undefined,
  locale: 'ru-RU',
});

/** The current language and translate function. */
export function useI18n(): I18n {
  return useContext(I18nContext);
}
