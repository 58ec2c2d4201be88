import { type Bind, numberedBind } from "../sql/sql-dialect.ts";
import type { LexicalHit } from "../store.ts";
import {
  chooseTerms,
  FEW_OWN_ROWS,
  mergeOwnHits,
  OWN_RANKING_ROWS,
  POSTING_BUDGET,
  tooCommonToRank,
} from "../term-choice.ts";
import type { Sql } from "./pg-database.ts";
import type { SearchSpace } from "./search-index.ts";

/**
 * BM25 as SQLite's FTS5 computes it (`bm25()` in fts5_aux.c), over the postings and statistics of
 * search-index.ts, so that both backends rank alike and score alike:
 *
 *   score(d) = Σ over query terms t: idf(t) · f·(k1 + 1) / (f + k1·(1 − b + b·|d| / avgdl))
 *
 * with k1 = 1.2 and b = 0.75; f the term's weighted frequency in d (each occurrence adds its column's
 * weight); |d| the document's length in terms over all its columns, avgdl the agent's average;
 * idf(t) = ln((N − n + 0.5) / (n + 0.5)) for N documents, n of them holding t in a searched column,
 * (N and avgdl count every document ever indexed, as FTS5's do: see schema/search.ts),
 * and 1e-6 where that is not positive (a term in half the documents or more). A term given twice
 * counts twice, as a phrase given twice does in FTS5. Only columns of positive weight are searched.
 * Scores are positive (FTS5's negated), higher better.
 */

/** The document frequencies of terms in an agent's space: in any column, or in the documents' own text. */
export async function termFrequencies(
  sql: Sql,
  space: SearchSpace,
  agentId: string,
  terms: readonly string[],
  column: "docs" | "text_docs" = "docs",
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (terms.length === 0) return out;
  const rows = await sql.all<{ term: string; n: number }>(
    `SELECT term, ${column} AS n FROM ${space.terms} WHERE agent_id = $1 AND term = ANY($2::text[])`,
    [agentId, [...new Set(terms)]],
    { prepare: true },
  );
  for (const row of rows) out.set(row.term, row.n);
  return out;
}

/** Whether the terms that occur at all are all too common to rank by. */
export async function tooCommon(
  sql: Sql,
  space: SearchSpace,
  agentId: string,
  terms: readonly string[],
): Promise<boolean> {
  const df = await termFrequencies(sql, space, agentId, terms);
  return tooCommonToRank(terms, (term) => df.get(term) ?? 0);
}

/**
 * Whether a search for one end user (`userId`) ranks that user's own rows again with every term, as
 * on SQLite (sqlite/own-ranking.ts): some term that occurs was left out for being common across the
 * agent, and the user has between 1 and `OWN_RANKING_ROWS` rows in `table`. One statement reads the
 * terms' counts and the user's rows (counted up to the cap).
 */
async function ranksOwnRows(
  sql: Sql,
  space: SearchSpace,
  table: string,
  agentId: string,
  userId: string,
  terms: readonly string[],
): Promise<boolean> {
  const rows = await sql.all<{ term: string | null; n: number | null; own: number }>(
    `SELECT t.term, t.docs AS n, o.n AS own
     FROM (SELECT COUNT(*)::int AS n FROM (SELECT 1 FROM ${table} WHERE agent_id = $1 AND user_id = $2 LIMIT $3) r) o
     LEFT JOIN ${space.terms} t ON t.agent_id = $1 AND t.term = ANY($4::text[])`,
    [agentId, userId, OWN_RANKING_ROWS + 1, [...new Set(terms)]],
    { prepare: true },
  );
  const own = rows[0]?.own ?? 0;
  if (own === 0 || own > OWN_RANKING_ROWS) return false;
  const df = new Map(rows.flatMap((row) => (row.term === null ? [] : [[row.term, row.n ?? 0] as const])));
  const count = (term: string) => df.get(term) ?? 0;
  const chosen = chooseTerms(terms, count);
  return !terms.every((term) => count(term) === 0 || chosen.includes(term));
}

/**
 * Where a query term's document count (BM25's n) comes from: the terms table when the searched
 * columns are ones it counts (all of them, or the document's own text alone), read with one index
 * probe per term; otherwise a count over the term's postings.
 */
function holdersColumn(space: SearchSpace, searched: readonly string[]): "docs" | "text_docs" | null {
  if (searched.length === space.columns.length) return "docs";
  if (searched.length === 1 && searched[0] === space.columns[0]) return "text_docs";
  return null;
}

/**
 * Common table expressions ending in `ranked(doc, score)`: every document of the agent holding a
 * term in a column of positive weight, with its score. `weights` are per column of the space.
 * `among` (SQL selecting document ids, as `rowid`) ranks only those documents, with every term: no posting
 * budget, as the cost is then theirs rather than the terms'.
 */
export function rankedDocuments(
  space: SearchSpace,
  agentId: string,
  terms: readonly string[],
  weights: readonly number[],
  bind: Bind,
  among?: string,
): string {
  const searched = space.columns.flatMap((column, c) => {
    const weight = weights[c] ?? 0;
    return weight > 0 ? [{ column, weight }] : [];
  });
  if (searched.length === 0) throw new Error("a full-text query needs a column of positive weight");
  const agent = bind(agentId);
  const freq = searched.map(({ column, weight }) => `${bind(weight)}::float8 * p.${column}`).join(" + ");
  const counted = holdersColumn(
    space,
    searched.map(({ column }) => column),
  );
  // The terms table and the postings change in the same transactions, so within this one statement
  // the count read from it is the count of the postings read beside it. The IDF is the term's, so it is computed once per term where the terms table counts the term's
  // documents (the usual case); only a count over the postings themselves is made per posting.
  const idf = (holders: string) => {
    const ln = `ln((n.docs - ${holders} + 0.5::float8) / (${holders} + 0.5::float8))`;
    return `(CASE WHEN ${ln} <= 0 THEN 1e-6::float8 ELSE ${ln} END)`;
  };
  // Without a count kept for these columns, the holders are counted: over the postings read when
  // they are all the agent's; among given documents (only theirs read), over the agent's postings
  // of the term, as FTS5 counts a column filter's matches over the whole table.
  const holdsOf = (alias: string) => searched.map(({ column }) => `${alias}.${column} > 0`).join(" OR ");
  const termIdf =
    counted !== null
      ? idf(`c.${counted}::float8`)
      : among === undefined
        ? "NULL::float8"
        : idf(
            `(SELECT COUNT(*) FROM ${space.postings} h WHERE h.agent_id = ${agent} AND h.term = c.term AND (${holdsOf("h")}))::float8`,
          );
  const postingIdf =
    counted === null && among === undefined ? idf("(COUNT(*) OVER (PARTITION BY w.ord))::float8") : "w.idf";
  // The terms ranked by are chosen here, as chooseTerms (term-choice.ts) chooses them: rarest first
  // (ties in the query's order) while their postings fit the budget, absent ones left out. Choosing
  // in the statement saves the round trip of reading the counts first. Then each posting of a chosen
  // term with its share of the document's score but the IDF (FTS5's: a non-positive IDF counts
  // 1e-6); then each document's sum over the terms.
  // `given` is limited to its own length, which changes nothing but the planner's estimate for an
  // array parameter: without it the plan made for any terms is costed at ten of them and PostgreSQL
  // keeps planning the statement afresh on each run (0.3–0.4 ms a search), where the plan it would
  // reuse is the same shape and as fast.
  // The postings ranked: each chosen term's; or, among given documents, each document's (through
  // the index by document: a term in most of the agent's documents is not read whole for a few of
  // them), unless the IDF is counted over the postings read.
  const postingsOf =
    among === undefined || counted === null
      ? `q CROSS JOIN LATERAL (
          SELECT * FROM ${space.postings} p WHERE p.agent_id = ${agent} AND p.term = q.term AND (${holdsOf("p")})${among === undefined ? "" : ` AND p.doc IN (${among})`} OFFSET 0
        ) p`
      : `(${among}) d CROSS JOIN LATERAL (
          SELECT * FROM ${space.postings} p WHERE p.doc = d.rowid AND p.agent_id = ${agent} AND (${holdsOf("p")}) OFFSET 0
        ) p JOIN q ON q.term = p.term`;
  // Among given documents each one's postings are read apart, in whatever order its index gives:
  // summed in the query's order, facts that match alike (the same terms, the same lengths) score
  // exactly alike, as the agent-wide ranking scores them, so that ties are ties.
  const sumOrder = among === undefined ? "" : " ORDER BY hit.ord";
  return `given AS (
      SELECT t.term, t.ord FROM unnest(${bind(terms)}::text[]) WITH ORDINALITY AS t(term, ord) LIMIT ${bind(terms.length)}
    ), n AS (
      SELECT SUM(docs)::float8 AS docs, SUM(tokens)::float8 / SUM(docs)::float8 AS avgdl
      FROM search_stats WHERE agent_id = ${agent} AND space = '${space.name}'
    ), q AS (
      SELECT c.term, c.ord, ${termIdf} AS idf FROM (
        SELECT g.term, g.ord, d.docs, d.text_docs, SUM(d.docs) OVER (ORDER BY d.docs, g.ord) AS postings
        FROM given g CROSS JOIN LATERAL (
          SELECT d.docs, d.text_docs FROM ${space.terms} d WHERE d.agent_id = ${agent} AND d.term = g.term OFFSET 0
        ) d
      ) c CROSS JOIN n${among === undefined ? ` WHERE c.postings <= ${bind(POSTING_BUDGET)}` : ""}
    ), hit AS (
      SELECT w.doc, w.ord, ${postingIdf}
        * ((w.freq * (1.2::float8 + 1.0::float8))
           / (w.freq + 1.2::float8 * (1.0::float8 - 0.75::float8 + 0.75::float8 * w.length / n.avgdl))) AS part
      FROM (
        SELECT q.ord, q.idf, p.doc, p.length::float8 AS length, (${freq})::float8 AS freq
        FROM ${postingsOf}
      ) w CROSS JOIN n
    ), ranked AS (
      SELECT hit.doc, SUM(hit.part${sumOrder}) AS score FROM hit GROUP BY hit.doc
    )`;
}

/** A result size written into a query: a positive integer. */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`invalid limit ${limit}`);
  return limit;
}

/** What `rankedSearch` ranks: a space's documents, read from their table (aliased `m`). */
export interface RankedSearch {
  space: SearchSpace;
  agentId: string;
  terms: readonly string[];
  /** Per column of the space; columns of weight 0 are not searched. */
  weights: readonly number[];
  /** The documents' table and the columns to read from it. */
  table: string;
  columns: string;
  /** The conditions rows must meet (binding their values). */
  where: (bind: Bind) => string;
  /**
   * Whether every document the agent has indexed meets `where` (no condition beyond the agent's
   * own documents): then only the best `limit` are read, not all the ranked ones in order.
   */
  unfiltered: boolean;
  limit: number;
  /** SQL selecting the only documents to rank (their ids as `rowid`), with every term (see `rankedDocuments`). */
  among?: ((bind: Bind) => string) | undefined;
}

/**
 * The best `limit` rows holding the query's terms (chosen under the posting budget), with their
 * scores, best first; ties in the order the rows were written. Filters apply before the limit.
 */
export async function rankedSearch<Row>(
  sql: Sql,
  search: RankedSearch,
): Promise<(Row & { score: number })[]> {
  checkLimit(search.limit);
  if (search.terms.length === 0 || !search.weights.some((weight) => weight > 0)) return [];
  const params: unknown[] = [];
  const bind = numberedBind(params);
  const ranked = rankedDocuments(
    search.space,
    search.agentId,
    search.terms,
    search.weights,
    bind,
    search.among?.(bind),
  );
  const limit = bind(search.limit);
  // Rows are read best first, one at a time, until `limit` of them meet the conditions: most searches
  // then read only a page of rows however many documents hold the terms. Unfiltered, every ranked
  // document qualifies, so only the best `limit` need ordering (a bounded sort).
  const best = search.unfiltered ? ` LIMIT ${limit}` : "";
  return sql.all<Row & { score: number }>(
    `WITH ${ranked}
     SELECT ${search.columns}, r.score
     FROM (SELECT doc, score FROM ranked ORDER BY score DESC, doc${best}) r
     CROSS JOIN LATERAL (SELECT * FROM ${search.table} m WHERE m.rowid = r.doc OFFSET 0) m
     WHERE ${search.where(bind)}
     ORDER BY r.score DESC, r.doc LIMIT ${limit}`,
    params,
    // The text varies only with the filter's shape and the columns searched: worth keeping planned.
    { prepare: true },
  );
}

/** One end user a search is for, and whether their rows are the only ones it admits. */
export interface SearchUser {
  userId: string;
  /**
   * The filter admits the user's rows alone (a message search; memories without shared ones), or
   * also the rows of no user (memories shared across the agent's users).
   */
  only: boolean;
}

/**
 * `rankedSearch` as hits; and, for a search of one end user that left common terms out (see
 * `ranksOwnRows`), that user's own rows ranked again with every term (`among` them), in place of
 * their scores (`mergeOwnHits`). A search that admits the user's rows alone, when the user has at
 * most `FEW_OWN_ROWS` of them, ranks only those: the agent-wide ranking would find nothing else,
 * and walking its best documents for the user's few is what costs (6 ms at 60,000 messages of
 * 6,000 users). So does a search that admits the shared rows too, when the user's and the shared
 * ones are that few together. The result is the same: ranked among those rows with every term that
 * occurs, each scored with the agent's statistics as the agent-wide ranking scores it.
 */
export async function rankedHits<Row, T extends { id: string }>(
  sql: Sql,
  search: RankedSearch,
  user: SearchUser | undefined,
  item: (row: Row) => T,
): Promise<LexicalHit<T>[]> {
  const hit = (row: Row & { score: number }) => ({ item: item(row), score: row.score });
  const { space, table, agentId, terms } = search;
  // The agent-wide ranking, or the ranking among one user's rows (and, with `shared`, the rows of
  // no user) with every term.
  const ranked = async (ofUser?: string, shared = false) =>
    (
      await rankedSearch<Row>(
        sql,
        ofUser === undefined
          ? search
          : {
              ...search,
              unfiltered: false,
              among: (bind) => {
                const agent = bind(agentId);
                const own = `SELECT rowid FROM ${table} WHERE agent_id = ${agent} AND user_id = ${bind(ofUser)}`;
                return shared
                  ? `${own} UNION ALL SELECT rowid FROM ${table} WHERE agent_id = ${agent} AND user_id IS NULL`
                  : own;
              },
            },
      )
    ).map(hit);
  if (user === undefined) return ranked();
  let own: number | undefined;
  const counted = countsHolders(space, search.weights);
  if (counted) {
    if (user.only) {
      own = await ownRows(sql, table, agentId, user.userId);
      if (own === 0) return [];
      if (own <= FEW_OWN_ROWS) return ranked(user.userId);
    } else {
      // The user's rows and the shared ones, when they are few together: only those can be found.
      const visible = await visibleRows(sql, table, agentId, user.userId);
      if (visible === 0) return [];
      if (visible <= FEW_OWN_ROWS) return ranked(user.userId, true);
    }
  }
  // A user counted past the cap is not ranked again: no need to count them again.
  if (own !== undefined && own > OWN_RANKING_ROWS) return ranked();
  if (!(await ranksOwnRows(sql, space, table, agentId, user.userId, terms))) return ranked();
  // The user's rows ranked with every term are all the agent-wide ranking could find, each scored
  // at least as high (see `mergeOwnHits`): when the search admits nothing else, it adds nothing.
  if (user.only && counted) return ranked(user.userId);
  return mergeOwnHits(await ranked(), await ranked(user.userId), search.limit);
}

/** How many rows of `table` the user has, counted up to `OWN_RANKING_ROWS` + 1. */
async function ownRows(sql: Sql, table: string, agentId: string, userId: string): Promise<number> {
  const row = await sql.get<{ n: number }>(
    `SELECT COUNT(*)::int AS n FROM (SELECT 1 FROM ${table} WHERE agent_id = $1 AND user_id = $2 LIMIT $3) r`,
    [agentId, userId, OWN_RANKING_ROWS + 1],
    { prepare: true },
  );
  return row?.n ?? 0;
}

/**
 * How many rows of `table` a search for the user that admits shared rows can find: the user's and
 * those of no user, each counted up to `FEW_OWN_ROWS` + 1 (through `memories_by_user` and
 * `memories_shared`), in one statement.
 */
async function visibleRows(sql: Sql, table: string, agentId: string, userId: string): Promise<number> {
  const row = await sql.get<{ n: number }>(
    `SELECT ((SELECT COUNT(*) FROM (SELECT 1 FROM ${table} WHERE agent_id = $1 AND user_id = $2 LIMIT $3) o)
       + (SELECT COUNT(*) FROM (SELECT 1 FROM ${table} WHERE agent_id = $1 AND user_id IS NULL LIMIT $3) s))::int AS n`,
    [agentId, userId, FEW_OWN_ROWS + 1],
    { prepare: true },
  );
  return row?.n ?? 0;
}

/**
 * Whether a ranking with these weights reads its terms' document counts from the terms table (see
 * `holdersColumn`), so that ranked among a few documents they score as among all of them.
 */
function countsHolders(space: SearchSpace, weights: readonly number[]): boolean {
  const searched = space.columns.filter((_, c) => (weights[c] ?? 0) > 0);
  return searched.length > 0 && holdersColumn(space, searched) !== null;
}
