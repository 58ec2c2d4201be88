import type { Statements } from "./statements.ts";

/**
 * Chooses which query terms a full-text match uses. BM25 in FTS5 scores every posting of every OR'ed
 * term, so one very common term costs as much as the rest of the query together while adding little
 * to the ranking (its IDF is near zero). Terms are taken rarest first until their postings reach the
 * budget; a term with more postings than the whole budget is never used, so a query made only of
 * such words has no lexical terms and search falls back to recency. Document frequencies are cached and refreshed as rows are added.
 * Terms arrive analysed (stemmed) exactly as they were indexed.
 */
export class TermBudget {
  readonly #s: Statements;
  readonly #vocabulary: string;
  readonly #budget: number;
  readonly #cache = new Map<string, number>();
  /** Terms found nowhere: kept apart, because the next write may add them. */
  readonly #absent = new Set<string>();
  #writesSinceRefresh = 0;

  constructor(statements: Statements, vocabularyTable: string, budget: number) {
    this.#s = statements;
    this.#vocabulary = vocabularyTable;
    this.#budget = budget;
  }

  /** Called after rows are indexed, so cached frequencies do not go stale for long. */
  noteWrites(count: number): void {
    // A stale count only shifts the budget; a stale zero would hide the new rows from every search.
    this.#absent.clear();
    this.#writesSinceRefresh += count;
    if (this.#writesSinceRefresh >= 2000 || this.#cache.size > 100_000) {
      this.#cache.clear();
      this.#writesSinceRefresh = 0;
    }
  }

  /** The terms (already analysed) worth matching for the agent with this namespace key. */
  select(key: string, terms: readonly string[]): string[] {
    const withDf = terms
      .map((term) => ({ term, df: this.#documentFrequency(`${key}_${term}`) }))
      .sort((a, b) => a.df - b.df);
    const kept: string[] = [];
    let postings = 0;
    for (const { term, df } of withDf) {
      // A term found nowhere matches nothing; one in more rows than the whole budget cannot rank.
      if (df === 0 || df > this.#budget) continue;
      if (postings + df > this.#budget) continue;
      kept.push(term);
      postings += df;
    }
    return kept;
  }

  /** No term can be used, and at least one was left out for being too common rather than absent. */
  tooCommon(key: string, terms: readonly string[]): boolean {
    if (this.select(key, terms).length > 0) return false;
    return terms.some((term) => this.#documentFrequency(`${key}_${term}`) > this.#budget);
  }

  #documentFrequency(term: string): number {
    if (this.#absent.has(term)) return 0;
    let df = this.#cache.get(term);
    if (df === undefined) {
      df = this.#s.get<{ doc: number }>(`SELECT doc FROM ${this.#vocabulary} WHERE term = ?`, term)?.doc ?? 0;
      if (df === 0) this.#absent.add(term);
      else this.#cache.set(term, df);
    }
    return df;
  }
}
