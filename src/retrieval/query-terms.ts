/** Common English function words, which carry no topic and only add noise to a lexical match. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren as at be because been before being below between
  both but by can cannot could couldn did didn do does doesn doing don down during each few for from further had
  hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn it its itself
  just let me more most mustn my myself no nor not of off on once only or other ought our ours ourselves out over
  own same shan she should shouldn so some such than that the their theirs them themselves then there these they
  this those through to too under until up very was wasn we were weren what when where which while who whom why
  will with won would wouldn you your yours yourself yourselves s t d ll m re ve y also ever still yet get got
  gets did does may might must shall one ones thing things like really much many`
    .split(/\s+/)
    .filter(Boolean),
);

/** Most terms a query is cut to, so a 10 KB query stays a cheap match. */
export const MAX_QUERY_TERMS = 32;

/** Lower-cased runs of letters and digits (any script). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The terms of a search query: tokens without stop words, deduplicated, in order. Only letters and
 * digits survive, so no user text can form an FTS operator or syntax error. When every token is a
 * stop word, the tokens themselves are used.
 */
export function queryTerms(query: string, max = MAX_QUERY_TERMS): string[] {
  const tokens = tokenize(query.slice(0, 20_000));
  const content = tokens.filter((t) => !STOP_WORDS.has(t));
  return [...new Set(content.length > 0 ? content : tokens)].slice(0, max);
}
