import { OWN_RANKING_ROWS } from "../term-choice.ts";
import type { Statements } from "./statements.ts";
import type { TermBudget } from "./term-budget.ts";

/** What a search for one end user ranks, and which of its terms the posting budget kept. */
export interface OwnRankingRequest {
  table: "memories" | "messages";
  agentId: string;
  userId: string | undefined;
  /** The agent's namespace key in the full-text index. */
  key: string;
  /** The query's terms, and those of them the budget chose (see term-choice.ts). */
  terms: readonly string[];
  chosen: readonly string[];
  /** The user's rows (`ownRowCount`), when the search has counted them already. */
  rows?: number | undefined;
}

/**
 * The terms to rank one end user's own rows by again, or null: a search for a user (`userId`) that
 * left out terms occurring in the agent's rows, for being common across all its users ("live" in
 * every user's "… lives in …", "address" in every customer's), ranks that user's rows with every
 * term that occurs (see `occurring`), when the user has at most `OWN_RANKING_ROWS` of them (read through the
 * `(agent_id, user_id)` index).
 */
export function ownRankingTerms(
  s: Statements,
  budget: TermBudget,
  request: OwnRankingRequest,
): string[] | null {
  if (request.userId === undefined) return null;
  const present = occurring(budget, request.key, request.terms);
  if (present.every((term) => request.chosen.includes(term))) return null;
  const own = request.rows ?? ownRowCount(s, request.table, request.agentId, request.userId);
  return own === 0 || own > OWN_RANKING_ROWS ? null : present;
}

/** The query's terms that occur in the agent's rows, in the query's order, repeats kept. */
export function occurring(budget: TermBudget, key: string, terms: readonly string[]): string[] {
  const present = new Set(budget.present(key, terms));
  return terms.filter((term) => present.has(term));
}

/**
 * How many rows of `table` one end user has, counted up to `cap` + 1 (through the `(agent_id,
 * user_id)` index).
 */
export function ownRowCount(
  s: Statements,
  table: "memories" | "messages",
  agentId: string,
  userId: string,
  cap: number = OWN_RANKING_ROWS,
): number {
  return (
    s.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${table} WHERE agent_id = ? AND user_id = ? LIMIT ?)`,
      agentId,
      userId,
      cap + 1,
    )?.n ?? 0
  );
}

/**
 * How many of the agent's shared memories (of no end user) there are, counted up to `cap` + 1
 * (through the `memories_shared` index).
 */
export function sharedMemoryCount(s: Statements, agentId: string, cap: number): number {
  return (
    s.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM (SELECT 1 FROM memories WHERE agent_id = ? AND user_id IS NULL LIMIT ?)",
      agentId,
      cap + 1,
    )?.n ?? 0
  );
}

/**
 * The last value read for one key, given again while the database has not changed since: no row
 * changed through this connection (`total_changes()`) and no other connection committed (`PRAGMA
 * data_version`). A conversation search ranks one user's messages twice (its first pass and its
 * feedback), and reading and analysing them is the cost of each.
 */
export class UnchangedRead<T> {
  readonly #s: Statements;
  #key: string | null = null;
  #stamp = "";
  #value: T | undefined;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  get(key: string, read: () => T): T {
    const changes = this.#s.get<{ n: number }>("SELECT total_changes() AS n")?.n;
    const version = this.#s.get<{ data_version: number }>("PRAGMA data_version")?.data_version;
    const stamp = `${changes} ${version}`;
    if (key !== this.#key || stamp !== this.#stamp) {
      this.#value = read();
      this.#key = key;
      this.#stamp = stamp;
    }
    return this.#value as T;
  }
}

/** A row to rank, with its analysed terms column by column, as they are indexed. */
export interface OwnRow<T> {
  item: T;
  columns: readonly (readonly string[])[];
}

/** What FTS5's `bm25()` reads from a whole table: its rows and their tokens over every column. */
export interface FtsTotals {
  rows: number;
  tokens: number;
}

/**
 * A full-text table's totals from FTS5's averages record (the `%_data` row of id 1: the number of
 * rows, then each column's token count, as varints), which is what its `bm25()` reads them from.
 */
export function ftsTotals(s: Statements, table: string): FtsTotals {
  const block = s.get<{ block: Uint8Array }>(`SELECT block FROM ${table}_data WHERE id = 1`)?.block;
  if (block === undefined) return { rows: 0, tokens: 0 };
  let at = 0;
  // SQLite's varint: 7 bits a byte, high bit set while more follow; a ninth byte gives all 8.
  const varint = () => {
    let value = 0;
    for (let i = 0; i < 9 && at < block.length; i++) {
      const byte = block[at++] as number;
      if (i === 8) return value * 256 + byte;
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) break;
    }
    return value;
  };
  const rows = varint();
  let tokens = 0;
  while (at < block.length) tokens += varint();
  return { rows, tokens };
}

/**
 * Ranks rows by BM25 as FTS5's `bm25()` computes it (fts5_aux.c: k1 1.2, b 0.75; IDF from the
 * table's rows and the term's, at least 1e-6; a term's frequency the sum of its occurrences weighted
 * by column; a row's length its terms over all columns), but from the rows' own terms: FTS5 scores
 * a row looked up by rowid only by counting every row of each term again, which for a term in most
 * of an agent's rows costs more than reading and analysing the few rows of one user. `terms` in the
 * query's order, a repeated one counting again as in FTS5. Best first, ties in the rows' order, at
 * most `limit`; rows holding no term are left out. Scores are positive.
 */
export function rankOwnRows<T>(
  rows: readonly OwnRow<T>[],
  terms: readonly string[],
  weights: readonly number[],
  frequency: (term: string) => number,
  totals: FtsTotals,
  limit: number,
): { item: T; score: number }[] {
  if (totals.rows === 0) return [];
  const avgdl = totals.tokens / totals.rows;
  const idf = new Map<string, number>();
  for (const term of new Set(terms)) {
    const n = frequency(term);
    const value = Math.log((totals.rows - n + 0.5) / (n + 0.5));
    idf.set(term, value <= 0 ? 1e-6 : value);
  }
  const scored: { item: T; score: number; order: number }[] = [];
  rows.forEach((row, order) => {
    let length = 0;
    const counts = new Map<string, number>();
    row.columns.forEach((column, c) => {
      length += column.length;
      const weight = weights[c] ?? 0;
      if (weight <= 0) return;
      for (const term of column) if (idf.has(term)) counts.set(term, (counts.get(term) ?? 0) + weight);
    });
    if (counts.size === 0) return;
    let score = 0;
    const norm = 1.2 * (1 - 0.75 + (0.75 * length) / avgdl);
    // Summed in the query's order, as FTS5 sums its phrases: a term given twice counts twice.
    for (const term of terms) {
      const f = counts.get(term);
      if (f !== undefined) score += ((idf.get(term) as number) * (f * 2.2)) / (f + norm);
    }
    scored.push({ item: row.item, score, order });
  });
  return scored
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, limit)
    .map(({ item, score }) => ({ item, score }));
}
