import { isIndexed, STOP_WORDS, stem, tokenize } from "../core/text.ts";

export { STOP_WORDS, tokenize };

/** Most terms a query is cut to, so a 10 KB query stays a cheap match. */
export const MAX_QUERY_TERMS = 32;

/**
 * The terms of a search query, analysed like indexed text: tokens without stop words, stemmed,
 * deduplicated, in order. Only letters and digits survive, so no user text can form an FTS operator
 * or syntax error. A query of stop words alone has no terms: a search then ranks nothing and returns
 * the latest items that pass its filters instead (docs/retrieval.md, "Query analysis").
 */
export function queryTerms(query: string, max = MAX_QUERY_TERMS): string[] {
  const out = new Set<string>();
  for (const token of tokenize(query.slice(0, 20_000))) {
    if (!isIndexed(token)) continue;
    out.add(stem(token));
    if (out.size >= max) break;
  }
  return [...out];
}
