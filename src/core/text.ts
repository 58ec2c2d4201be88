import { stemmer } from "stemmer";

/**
 * Common English function words. They carry no topic, so they are neither indexed nor searched: the
 * index is smaller and a query's cost goes to the words that matter.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren as at be because been before being below between
  both but by can cannot could couldn did didn do does doesn doing don down during each few for from further had
  hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn it its itself
  just let me more most mustn my myself no nor not of off on once only or other ought our ours ourselves out over
  own same shan she should shouldn so some such than that the their theirs them themselves then there these they
  this those through to too under until up very was wasn we were weren what when where which while who whom why
  will with won would wouldn you your yours yourself yourselves s t d ll m re ve y also ever still yet get got
  gets might must shall one ones thing things like likely really much many now go going gone kind type sort time times`
    .split(/\s+/)
    .filter(Boolean),
);

/** Lower-cased runs of letters and digits (any script), with diacritics removed. */
export function tokenize(text: string): string[] {
  // Printable ASCII has nothing to decompose and no marks to strip: most texts skip both passes.
  const plain = /^[\t\n\r -~]*$/.test(text) ? text : text.normalize("NFKD").replace(/\p{M}+/gu, "");
  return plain.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Stems already computed: words repeat across texts, and stemming is a chain of regular expressions. */
const stems = new Map<string, string>();
const MAX_STEMS = 50_000;

/** Porter stem of an ASCII word; other scripts are kept as they are. */
export function stem(token: string): string {
  let stemmed = stems.get(token);
  if (stemmed === undefined) {
    stemmed = /^[a-z]+$/.test(token) ? stemmer(token) : token;
    if (stems.size >= MAX_STEMS) stems.clear();
    stems.set(token, stemmed);
  }
  return stemmed;
}

/** Whether a token is indexed: not a stop word, and not longer than 64 characters. */
export function isIndexed(token: string): boolean {
  return token.length <= 64 && !STOP_WORDS.has(token);
}

/** The index terms of a text: tokens without stop words, stemmed. Order and repeats are kept. */
export function indexTerms(text: string): string[] {
  const out: string[] = [];
  for (const token of tokenize(text)) if (isIndexed(token)) out.push(stem(token));
  return out;
}

/**
 * A text's index terms joined by single spaces (terms hold no spaces): one string to store as a
 * full-text row or to pass between threads, rather than many. `splitTerms` gives the list back.
 */
export function joinedTerms(text: string): string {
  return indexTerms(text).join(" ");
}

/** Terms joined by single spaces (`joinedTerms`), as a list again. */
export function splitTerms(joined: string): string[] {
  return joined === "" ? [] : joined.split(" ");
}
