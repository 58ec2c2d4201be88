/**
 * Keeps the planner's statistics and the visibility map in step with fast growth. PostgreSQL plans
 * from statistics that autovacuum refreshes once a table has changed by a tenth, after up to a
 * minute's nap, and an index-only scan visits the table for every row on a page not yet marked
 * all-visible by a vacuum. An agent that takes in tens of thousands of memories in that time is
 * searched with plans made for the table it was and with postings read twice (measured at 100,000
 * memories loaded in 40 s: the recent-memories list took 130–280 ms with the statistics of an empty
 * table, against under 1 ms once analysed; BM25's statement p50 / p95 6.8 / 19.3 ms before the
 * postings were vacuumed, 3.4 / 7.7 ms after). So the pool counts the rows its own `INSERT`s write
 * per table and, once a table has grown by half since it was last done (and by at least `minRows`),
 * runs `VACUUM (ANALYZE)` on it in the background: one table at a time, on a connection of its own,
 * never on a request's path.
 */

/** Vacuums and analyses a table, and returns the rows its statistics now count. */
export type Analyse = (table: string) => Promise<number>;

export interface StatisticsUpkeepOptions {
  /** Rows a table must gain before it is analysed, whatever its size (5,000 by default). */
  minRows?: number;
  /** Growth, as a share of the rows at the last analysis, that calls for another (0.5 by default). */
  growth?: number;
}

const INSERT = /^\s*INSERT\s+INTO\s+([a-z_][a-z0-9_]*)/i;

export class StatisticsUpkeep {
  readonly #analyse: Analyse;
  readonly #minRows: number;
  readonly #growth: number;
  /** Per table: rows counted at its last analysis, and rows inserted since. */
  readonly #tables = new Map<string, { known: number; added: number }>();
  readonly #due = new Set<string>();
  /** Tables whose analysis failed (e.g. not their owner): left to autovacuum. */
  readonly #refused = new Set<string>();
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(analyse: Analyse, options: StatisticsUpkeepOptions = {}) {
    this.#analyse = analyse;
    this.#minRows = options.minRows ?? 5000;
    this.#growth = options.growth ?? 0.5;
  }

  /** Counts the rows a statement wrote, if it is an `INSERT` into a named table. */
  noteStatement(text: string, rows: number | null): void {
    const table = INSERT.exec(text)?.[1]?.toLowerCase();
    if (table !== undefined && rows !== null) this.noteRows(table, rows);
  }

  /** Counts rows written to a table (for statements that write several, as the caller knows them). */
  noteRows(table: string, rows: number): void {
    if (rows <= 0 || this.#closed || this.#refused.has(table)) return;
    const state = this.#tables.get(table) ?? { known: 0, added: 0 };
    state.added += rows;
    this.#tables.set(table, state);
    if (state.added >= Math.max(this.#minRows, state.known * this.#growth)) {
      this.#due.add(table);
      this.#running ??= this.#drain();
    }
  }

  /**
   * Counts nothing more, and waits for the tables already due to be analysed: a process that
   * loaded many rows and exits (an import, a copy) leaves statistics that fit them to whoever
   * serves them next.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#running;
  }

  /** Analyses the due tables one after another, off the caller's path. */
  async #drain(): Promise<void> {
    // Let the statement that made the table due finish its transaction first.
    await new Promise((resolve) => setTimeout(resolve, 50).unref());
    for (;;) {
      const table = this.#due.values().next().value;
      if (table === undefined) break;
      this.#due.delete(table);
      const state = this.#tables.get(table);
      if (state === undefined) continue;
      const added = state.added;
      try {
        const rows = await this.#analyse(table);
        state.known = rows;
        state.added -= added;
      } catch {
        this.#refused.add(table);
      }
    }
    this.#running = null;
  }
}
