import type { Statements } from "./statements.ts";

/**
 * How many rows of a table have been written since some earlier moment, as far as a cache needs to
 * know: this connection's own writes (noted), plus, once another connection has committed (`PRAGMA
 * data_version` moved, as with `serve --workers`), how far the table's largest rowid has moved. A
 * count cached at one reading of `now()` is due again once `now()` has moved enough. Rows appended
 * both here and elsewhere may be counted twice: a cache then refreshes a little early, never late.
 */
export class WriteClock {
  readonly #s: Statements;
  readonly #table: string;
  #own = 0;
  #dataVersion: number | null = null;
  #largestRowid = 0;

  constructor(statements: Statements, table: string) {
    this.#s = statements;
    this.#table = table;
  }

  /** Rows this connection has just written (appended, or indexed again). */
  note(rows: number): void {
    this.#own += rows;
  }

  /**
   * Looks whether another connection has committed since the last look (reading the table's largest
   * rowid again if so), and says whether it has.
   */
  observe(): boolean {
    const version = this.#s.get<{ data_version: number }>("PRAGMA data_version")?.data_version ?? null;
    if (version === this.#dataVersion) return false;
    this.#dataVersion = version;
    this.#largestRowid =
      this.#s.get<{ last: number | null }>(`SELECT MAX(rowid) AS last FROM ${this.#table}`)?.last ?? 0;
    return true;
  }

  /** The rows written, as of the last `observe`. */
  now(): number {
    return this.#own + this.#largestRowid;
  }
}
