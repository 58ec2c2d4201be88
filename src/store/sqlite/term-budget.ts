import { chooseTerms, tooCommonToRank } from "../term-choice.ts";
import type { Statements } from "./statements.ts";
import { WriteClock } from "./write-clock.ts";

/** Where a `TermBudget` counts terms: a full-text table, and optionally one column of it. */
export interface TermCounts {
  /** The table whose rows are indexed (`memories`): its writes make counts due again. */
  rows: string;
  /** The FTS5 table (`memories_fts`). */
  table: string;
  /** The column counted (`terms`: a message's own text), or every column when absent. */
  column?: string;
  /** The fts5vocab table giving a term's exact count over the same column(s), with any condition. */
  vocabulary: string;
}

/**
 * Chooses which query terms a full-text match uses (see term-choice.ts), counting how many of the
 * agent's rows hold each. FTS5 keeps no such count: it reads a term's rows to count them (about 30
 * ms for 190,000). So the count here stops at the budget, past which a term is not matched anyway
 * (about 1 ms at most); the exact count, which one user's ranking needs for its IDF
 * (own-ranking.ts), is read from the vocabulary only for a term past the budget. Counts are cached
 * and looked up again as rows are added (see `staleness`). Terms arrive analysed (stemmed) exactly
 * as they were indexed. Other processes may write to the same file (`serve --workers`): whenever
 * one has committed since the last look (`PRAGMA data_version`), terms found nowhere are looked up
 * again, so a memory written through one process is found by a search in another at once.
 */
export class TermBudget {
  readonly #s: Statements;
  readonly #counts: TermCounts;
  readonly #budget: number;
  /** Counts looked up (at most budget + 1), each with `#writes` when it was. */
  readonly #cache = new Map<string, { df: number; at: number }>();
  /** Exact counts of terms past the budget, the same way. */
  readonly #exact = new Map<string, { df: number; at: number }>();
  /** Terms found nowhere: kept apart, because the next write may add them. */
  readonly #absent = new Set<string>();
  /** Rows indexed, here or by another connection: a cached count is due again as it moves. */
  readonly #clock: WriteClock;
  /** `#clock` at the last `select`, `present`, `frequencies` or `tooCommon`. */
  #writes = 0;

  constructor(statements: Statements, counts: TermCounts, budget: number) {
    this.#s = statements;
    this.#counts = counts;
    this.#budget = budget;
    this.#clock = new WriteClock(statements, counts.rows);
  }

  /** Called after rows are indexed, so cached frequencies do not go stale for long (see `staleness`). */
  noteWrites(count: number): void {
    // A stale count only shifts the budget; a stale zero would hide the new rows from every search.
    this.#absent.clear();
    this.#clock.note(count);
    if (this.#cache.size > 100_000) this.#cache.clear();
    if (this.#exact.size > 10_000) this.#exact.clear();
  }

  /** The terms (already analysed) worth matching for the agent with this namespace key. */
  select(key: string, terms: readonly string[]): string[] {
    this.#noticeOtherWriters();
    return chooseTerms(terms, (term) => this.#count(`${key}_${term}`), this.#budget);
  }

  /** The terms (each once) that occur in at least one of the agent's rows, chosen or not. */
  present(key: string, terms: readonly string[]): string[] {
    this.#noticeOtherWriters();
    return [...new Set(terms)].filter((term) => this.#count(`${key}_${term}`) > 0);
  }

  /**
   * How many of the agent's rows (with this namespace key) hold each term (each once), analysed; a
   * term in more rows than the budget is given as budget + 1.
   */
  frequencies(key: string, terms: readonly string[]): Map<string, number> {
    this.#noticeOtherWriters();
    return new Map([...new Set(terms)].map((term) => [term, this.#count(`${key}_${term}`)]));
  }

  /** How many of the agent's rows hold a term, exactly, however many. */
  exactFrequency(key: string, term: string): number {
    const namespaced = `${key}_${term}`;
    const df = this.#count(namespaced);
    if (df <= this.#budget) return df;
    return this.#cached(this.#exact, namespaced, () => {
      const { vocabulary } = this.#counts;
      const where = vocabulary.includes(" WHERE ") ? `${vocabulary} AND` : `${vocabulary} WHERE`;
      return this.#s.get<{ doc: number }>(`SELECT doc FROM ${where} term = ?`, namespaced)?.doc ?? 0;
    });
  }

  /** No term can be used, and at least one was left out for being too common rather than absent. */
  tooCommon(key: string, terms: readonly string[]): boolean {
    this.#noticeOtherWriters();
    return tooCommonToRank(terms, (term) => this.#count(`${key}_${term}`), this.#budget);
  }

  /** Forgets the terms found nowhere when another connection has committed since the last look. */
  #noticeOtherWriters(): void {
    if (this.#clock.observe()) this.#absent.clear();
    this.#writes = this.#clock.now();
  }

  /** The rows holding a namespaced term, counted up to budget + 1. */
  #count(term: string): number {
    if (this.#absent.has(term)) return 0;
    const df = this.#cached(this.#cache, term, () => {
      const { table, column } = this.#counts;
      return (
        this.#s.get<{ n: number }>(
          `SELECT COUNT(*) AS n FROM (SELECT rowid FROM ${table} WHERE ${table} MATCH ? LIMIT ?)`,
          `${column === undefined ? "" : `${column} : `}"${term.replaceAll('"', "")}"`,
          this.#budget + 1,
        )?.n ?? 0
      );
    });
    if (df === 0) {
      this.#cache.delete(term);
      this.#absent.add(term);
    }
    return df;
  }

  #cached(cache: Map<string, { df: number; at: number }>, term: string, look: () => number): number {
    const cached = cache.get(term);
    if (cached !== undefined && this.#writes - cached.at <= staleness(cached.df)) return cached.df;
    const df = look();
    cache.set(term, { df, at: this.#writes });
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
