import { sha256 } from "../../core/hash.ts";
import type { Statements } from "./statements.ts";

/**
 * Full-text rows are indexed under per-agent term namespaces: the term `run` of an agent is stored as
 * `k3f9a01c2d4_run`. One agent's query therefore only ever touches that agent's postings (a large
 * neighbour costs nothing), and BM25's term statistics are the agent's own. SQL filters on the joined
 * rows still check the real agent id: the namespace is for speed and ranking, not for safety.
 */
export function agentKey(agentId: string): string {
  let key = agentKeys.get(agentId);
  if (key === undefined) {
    key = `k${sha256(agentId).slice(0, 10)}`;
    if (agentKeys.size >= MAX_AGENT_KEYS) agentKeys.clear();
    agentKeys.set(agentId, key);
  }
  return key;
}

/** Keys already computed: every memory of a batch asks for its agent's, and a SHA-256 each adds up. */
const agentKeys = new Map<string, string>();
const MAX_AGENT_KEYS = 10_000;

/** Index text for FTS5: the agent's namespaced terms, separated by spaces. */
export function namespaced(key: string, terms: readonly string[]): string {
  let out = "";
  for (const term of terms) out += `${out === "" ? "" : " "}${key}_${term}`;
  return out;
}

/** `namespaced` of terms given joined by single spaces. */
export function namespacedJoined(key: string, joined: string): string {
  return joined === "" ? "" : `${key}_${joined.replaceAll(" ", ` ${key}_`)}`;
}

/** An FTS5 match of any of the terms; terms are letters and digits only, so quoting is safe. */
export function matchAny(key: string, terms: readonly string[]): string {
  return terms.map((t) => `"${key}_${t.replaceAll('"', "")}"`).join(" OR ");
}

/** Removes an agent's rows from the full-text tables (foreign keys do not reach virtual tables). */
export function purgeAgentText(statements: Statements, agentId: string): void {
  statements.run(
    "DELETE FROM memories_fts WHERE rowid IN (SELECT rowid FROM memories WHERE agent_id = ?)",
    agentId,
  );
  statements.run(
    "DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages WHERE agent_id = ?)",
    agentId,
  );
}

/**
 * A LIMIT written into the SQL: FTS5 keeps only the best N rows while ranking when the limit is a
 * constant, and sorts every match when it is a bound parameter (three times slower at 100k rows).
 */
export function topN(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`invalid limit ${limit}`);
  return limit;
}

/** How many more top rows than the page a filtered search ranks before checking its filter. */
export const FILTER_DEPTH = 2;

/** A full-text search of one table whose rows must pass a filter (see `bestPassing`). */
export interface FilteredTextSearch {
  /** The FTS5 table, and the table of its rows (joined as `m` by rowid). */
  table: string;
  rows: string;
  /** The score of a match (lower is better, as FTS5's bm25), and the row columns read. */
  score: string;
  columns: string;
  /** The conditions on `m`, and whether they hold for every row of the agent's namespace. */
  where: string;
  onlyAgent: boolean;
  limit: number;
}

/**
 * The best `limit` full-text hits that pass a filter, through `all` (which binds the score's
 * parameters, the match and the filter's, in that order). FTS5 ranks its best rows cheaply, while
 * filtering every match first costs a row lookup per match (thousands for common words), so the
 * filter is checked on the top `FILTER_DEPTH × limit` rows. Only when fewer than `limit` of them pass,
 * and the ranking did not already see every match (it saw fewer than its depth), are all the matches
 * filtered and ranked. Either way the page is the exact top of the matches that pass: a hit that
 * passes and is not among the top rows ranks below every one of them. Each row of the first step
 * carries, after its score, how many matches were ranked; `seen` reads it.
 */
export function bestPassing<R>(
  search: FilteredTextSearch,
  all: (sql: string) => R[],
  seen: (row: R) => number,
): R[] {
  const { table, rows: from, score, columns, where } = search;
  const limit = topN(search.limit);
  // With only the agent to check, every row of the agent's namespace passes.
  const depth = search.onlyAgent ? limit : limit * FILTER_DEPTH;
  const rows = all(`WITH f AS MATERIALIZED (
      SELECT rowid, ${score} AS score FROM ${table}
      WHERE ${table} MATCH ? ORDER BY score LIMIT ${depth})
    SELECT ${columns}, f.score, (SELECT count(*) FROM f) AS seen
    FROM f JOIN ${from} m ON m.rowid = f.rowid WHERE ${where}
    ORDER BY f.score LIMIT ${limit}`);
  const first = rows[0];
  if (search.onlyAgent || rows.length >= limit || (first !== undefined && seen(first) < depth)) return rows;
  return all(`SELECT ${columns}, ${score} AS score
    FROM ${table} JOIN ${from} m ON m.rowid = ${table}.rowid
    WHERE ${table} MATCH ? AND ${where} ORDER BY score LIMIT ${limit}`);
}
