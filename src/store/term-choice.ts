import type { LexicalHit } from "./store.ts";
/**
 * Which query terms a full-text match uses, on every backend. BM25 scores every posting of every
 * OR'ed term, so one very common term costs as much as the rest of the query together while adding
 * little to the ranking (its IDF is near zero). Terms are taken rarest first until their postings
 * reach the budget; a term with more postings than the whole budget is never used, so a query made
 * only of such words has no lexical terms and search falls back to recency.
 */

/** Postings a full-text query may score before its most common terms are left out. */
export const POSTING_BUDGET = 5_000;

/**
 * The most rows one end user may have for a search that left common terms out to rank that user's
 * own rows with every term (see `mergeOwnHits`); a user with more is ranked as the agent's rows are.
 */
export const OWN_RANKING_ROWS = 2_000;

/**
 * The most rows one end user may have for a search that admits that user's rows alone (a
 * conversation search for the user; memories without the shared ones) to rank only those, with
 * every term, rather than rank the agent's rows and walk the best of them for the user's: the same
 * result, at the cost of reading the user's rows (and, for messages, their neighbours) rather than
 * the agent's postings.
 */
export const FEW_OWN_ROWS = 200;

/** The terms worth matching, given each term's document frequency (`df`). Repeats are kept. */
export function chooseTerms(
  terms: readonly string[],
  df: (term: string) => number,
  budget: number = POSTING_BUDGET,
): string[] {
  const withDf = terms.map((term) => ({ term, df: df(term) })).sort((a, b) => a.df - b.df);
  const kept: string[] = [];
  let postings = 0;
  for (const { term, df } of withDf) {
    // A term found nowhere matches nothing; one in more rows than the whole budget cannot rank.
    if (df === 0 || df > budget) continue;
    if (postings + df > budget) continue;
    kept.push(term);
    postings += df;
  }
  return kept;
}

/** No term can be used, and at least one was left out for being too common rather than absent. */
export function tooCommonToRank(
  terms: readonly string[],
  df: (term: string) => number,
  budget: number = POSTING_BUDGET,
): boolean {
  if (chooseTerms(terms, df, budget).length > 0) return false;
  return terms.some((term) => df(term) > budget);
}

/**
 * The hits of a search with the user's own memories ranked with every term (`own`) in place of
 * their budgeted scores: best first (on a tie, the user's own first, each list in its order), at most
 * `limit`.
 */
export function mergeOwnHits<T extends { id: string }>(
  hits: readonly LexicalHit<T>[],
  own: readonly LexicalHit<T>[],
  limit: number,
): LexicalHit<T>[] {
  const ids = new Set(own.map((hit) => hit.item.id));
  return [...own, ...hits.filter((hit) => !ids.has(hit.item.id))]
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}
