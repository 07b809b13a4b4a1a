declare module 'snowball-stemmers' {
  /** A Snowball stemmer for one language. */
  interface Stemmer {
    stem(word: string): string;
  }
  const snowball: { newStemmer(language: string): Stemmer; algorithms(): string[] };
  export default snowball;
}
