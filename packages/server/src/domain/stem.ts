import snowball from 'snowball-stemmers';

const russian = snowball.newStemmer('russian');
const english = snowball.newStemmer('english');
const WORD = /[\p{L}\p{N}]+/gu;
const CYRILLIC = /[а-я]/;

/**
 * Words of a text reduced to their stems, for full-text search on SQLite (which has no Russian
 * stemmer): «Домашние задания» → «домашн задан». Ё is folded into е.
 */
export function stemWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().replaceAll('ё', 'е').matchAll(WORD)) {
    const w = m[0];
    out.push(w.length < 3 ? w : CYRILLIC.test(w) ? russian.stem(w) : english.stem(w));
  }
  return out;
}
