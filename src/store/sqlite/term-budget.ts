import { chooseTerms, tooCommonToRank } from "../term-choice.ts";
import type { Statements } from "./statements.ts";

/**
 * Chooses which query terms a full-text match uses (see term-choice.ts), from FTS5's vocabulary.
 * Document frequencies are cached and refreshed as rows are added. Terms arrive analysed (stemmed)
 * exactly as they were indexed. Other processes may write to the same file (`serve --workers`):
 * whenever one has committed since the last look (`PRAGMA data_version`), terms found nowhere are
 * looked up again, so a memory written through one process is found by a search in another at once.
 */
export class TermBudget {
  readonly #s: Statements;
  readonly #vocabulary: string;
  readonly #budget: number;
  /** Counts looked up, each with `#writes` when it was. */
  readonly #cache = new Map<string, { df: number; at: number }>();
  /** Terms found nowhere: kept apart, because the next write may add them. */
  readonly #absent = new Set<string>();
  /** Rows indexed through this connection since it opened. */
  #writes = 0;
  /** `PRAGMA data_version` when last looked at: it changes when another connection commits. */
  #dataVersion: number | null = null;

  /**
   * `vocabulary`: an fts5vocab table, with any condition beside the term's (`messages_vocab_col WHERE
   * col = 'terms'`, say). Its counts are worth caching: FTS5 counts a term's rows by reading them all.
   */
  constructor(statements: Statements, vocabulary: string, budget: number) {
    this.#s = statements;
    this.#vocabulary = vocabulary.includes(" WHERE ") ? `${vocabulary} AND` : `${vocabulary} WHERE`;
    this.#budget = budget;
  }

  /** Called after rows are indexed, so cached frequencies do not go stale for long (see `staleness`). */
  noteWrites(count: number): void {
    // A stale count only shifts the budget; a stale zero would hide the new rows from every search.
    this.#absent.clear();
    this.#writes += count;
    if (this.#cache.size > 100_000) this.#cache.clear();
  }

  /** The terms (already analysed) worth matching for the agent with this namespace key. */
  select(key: string, terms: readonly string[]): string[] {
    this.#noticeOtherWriters();
    return chooseTerms(terms, (term) => this.#documentFrequency(`${key}_${term}`), this.#budget);
  }

  /** The terms (each once) that occur in at least one of the agent's rows, chosen or not. */
  present(key: string, terms: readonly string[]): string[] {
    this.#noticeOtherWriters();
    return [...new Set(terms)].filter((term) => this.#documentFrequency(`${key}_${term}`) > 0);
  }

  /**
   * The number of the agent's rows (with this namespace key) that hold a term, analysed, as of the
   * last `select`, `present` or `frequencies`.
   */
  frequency(key: string, term: string): number {
    return this.#documentFrequency(`${key}_${term}`);
  }

  /** The number of the agent's rows that hold each term (each once), analysed. */
  frequencies(key: string, terms: readonly string[]): Map<string, number> {
    this.#noticeOtherWriters();
    return new Map([...new Set(terms)].map((term) => [term, this.frequency(key, term)]));
  }

  /** No term can be used, and at least one was left out for being too common rather than absent. */
  tooCommon(key: string, terms: readonly string[]): boolean {
    this.#noticeOtherWriters();
    return tooCommonToRank(terms, (term) => this.#documentFrequency(`${key}_${term}`), this.#budget);
  }

  /** Forgets the terms found nowhere when another connection has committed since the last look. */
  #noticeOtherWriters(): void {
    const version = this.#s.get<{ data_version: number }>("PRAGMA data_version")?.data_version ?? null;
    if (version !== this.#dataVersion) this.#absent.clear();
    this.#dataVersion = version;
  }

  #documentFrequency(term: string): number {
    if (this.#absent.has(term)) return 0;
    const cached = this.#cache.get(term);
    if (cached !== undefined && this.#writes - cached.at <= staleness(cached.df)) return cached.df;
    const df = this.#s.get<{ doc: number }>(`SELECT doc FROM ${this.#vocabulary} term = ?`, term)?.doc ?? 0;
    if (df === 0) this.#absent.add(term);
    else this.#cache.set(term, { df, at: this.#writes });
    return df;
  }
}

/**
 * How many rows may be indexed before a cached count is looked up again: 2,000, or a tenth of the
 * count for a term in more than 20,000 rows. Those are the counts that cost the most to look up
 * (FTS5 reads every row of the term: about 30 ms for 190,000) and that the writes move the least.
 */
export function staleness(df: number): number {
  return Math.max(2000, df / 10);
}
