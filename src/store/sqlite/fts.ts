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

/**
 * The best `limit` full-text hits that pass a filter. FTS5 ranks its best rows cheaply, while
 * filtering every match first costs a row lookup per match (thousands for common words), so the
 * filter is checked on the top `FILTER_DEPTH × limit` rows. Only when fewer than `limit` of them pass,
 * and the ranking did not already see every match (it saw fewer than its depth), are all the matches
 * filtered and ranked. Either way the page is the exact top of the matches that pass: a hit that
 * passes and is not among the top rows ranks below every one of them.
 * `ranked(depth)` ranks the best `depth` matches then filters them, each row telling how many
 * matches were ranked (`seen`); `filteredFirst()` filters then ranks.
 */
export function bestPassing<R>(
  limit: number,
  onlyAgent: boolean,
  ranked: (depth: number) => R[],
  seen: (row: R) => number,
  filteredFirst: () => R[],
): R[] {
  // With only the agent to check, every row of the agent's namespace passes.
  if (onlyAgent) return ranked(topN(limit));
  const depth = topN(limit) * FILTER_DEPTH;
  const rows = ranked(depth);
  const first = rows[0];
  if (rows.length >= limit || (first !== undefined && seen(first) < depth)) return rows;
  return filteredFirst();
}

/**
 * The SQL of `bestPassing`'s ranked step: the best `depth` matches of `match` in `table` (scored by
 * `score`), joined to their rows in `rows m` and filtered by `where`, with `seen` (how many matches
 * were ranked) after the score.
 */
export function rankedThenFiltered(parts: {
  table: string;
  score: string;
  rows: string;
  columns: string;
  where: string;
  depth: number;
  limit: number;
}): string {
  return `WITH f AS MATERIALIZED (
      SELECT rowid, ${parts.score} AS score FROM ${parts.table}
      WHERE ${parts.table} MATCH ? ORDER BY score LIMIT ${parts.depth})
    SELECT ${parts.columns}, f.score, (SELECT count(*) FROM f) AS seen
    FROM f JOIN ${parts.rows} m ON m.rowid = f.rowid WHERE ${parts.where}
    ORDER BY f.score LIMIT ${topN(parts.limit)}`;
}
