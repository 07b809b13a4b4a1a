import snowball from 'snowball-stemmers';

const russian = snowball.newStemmer('russian');
const english = snowball.newStemmer('english');
const WORD = /[\p{L}\p{N}]+/gu;
const CYRILLIC = /[а-я]/;
const LETTER = /\p{L}/u;

/** Stems of recent words: chat vocabulary repeats, and the Snowball port is slow (~10 µs a word). */
const cache = new Map<string, string>();
const CACHE_MAX = 50_000;

function stem(w: string): string {
  if (w.length < 3 || !LETTER.test(w)) return w;
  let s = cache.get(w);
  if (s === undefined) {
    s = CYRILLIC.test(w) ? russian.stem(w) : english.stem(w);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(w, s);
  }
  return s;
}

/**
 * Words of a text reduced to their stems, for full-text search on SQLite (which has no Russian
 * stemmer): «Домашние задания» → «домашн задан». Ё is folded into е; numbers stay as they are.
 */
export function stemWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().replaceAll('ё', 'е').matchAll(WORD)) out.push(stem(m[0]));
  return out;
}
