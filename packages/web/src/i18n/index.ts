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

/** A translate function: `{name}` placeholders are filled from `params`. */
export type Translate = (key: StringKey, params?: Record<string, string | number>) => string;

/** Builds the translate function of a language. */
export function translator(lang: Lang): Translate {
  const table = TABLES[lang];
  return (key, params) => {
    const text = table[key];
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
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
