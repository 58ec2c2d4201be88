import type { Sql } from "./pg-database.ts";

/**
 * Keeps the full-text tables of schema/search.ts in step with the documents they index, inside the
 * writer's transaction. A document is a memory or a message: its analysed terms per indexed column.
 * Its statistics change with it as FTS5's do (see schema/search.ts), so BM25 computed from them is
 * the one FTS5 computes over the same terms.
 */

/** The tables and columns of one searchable space. */
export interface SearchSpace {
  /** The `search_stats.space` value. */
  name: "memories" | "messages";
  postings: string;
  terms: string;
  /** The per-column term count columns of `postings`, in column order; the first is the document's own text. */
  columns: readonly string[];
}

export const MEMORY_SPACE: SearchSpace = {
  name: "memories",
  postings: "memory_postings",
  terms: "memory_terms",
  columns: ["text_tf", "tag_tf"],
};

export const MESSAGE_SPACE: SearchSpace = {
  name: "messages",
  postings: "message_postings",
  terms: "message_terms",
  columns: ["text_tf", "caption_tf", "prev_tf", "next_tf", "window_tf", "date_tf"],
};

/** Every statement here has one text per space, whatever the documents: worth keeping planned. */
const PREPARED = { prepare: true } as const;

/** Slots each agent's document statistics are spread over (see schema/search.ts). */
const STAT_SLOTS = 8;

/** A document to index: its row, its agent, and the analysed terms of each column, repeats kept. */
export interface SearchDocument {
  agentId: string;
  doc: number;
  columns: readonly (readonly string[])[];
}

/** A document to take out of the index. */
export interface IndexedDocument {
  agentId: string;
  doc: number;
}

/** Changes to the statistics of one write, summed before they are applied (one row update each). */
class StatDeltas {
  readonly terms = new Map<string, { agentId: string; term: string; docs: number; textDocs: number }>();
  readonly stats = new Map<string, { agentId: string; slot: number; docs: number; tokens: number }>();

  term(agentId: string, term: string, docs: number, textDocs: number): void {
    const key = `${agentId}\u0000${term}`;
    const entry = this.terms.get(key);
    if (entry === undefined) this.terms.set(key, { agentId, term, docs, textDocs });
    else {
      entry.docs += docs;
      entry.textDocs += textDocs;
    }
  }

  document(agentId: string, doc: number, docs: number, tokens: number): void {
    const slot = doc % STAT_SLOTS;
    const key = `${agentId}\u0000${slot}`;
    const entry = this.stats.get(key);
    if (entry === undefined) this.stats.set(key, { agentId, slot, docs, tokens });
    else {
      entry.docs += docs;
      entry.tokens += tokens;
    }
  }
}

/** Adds documents' postings and counts them in the statistics. */
export async function indexDocuments(
  tx: Sql,
  space: SearchSpace,
  documents: readonly SearchDocument[],
): Promise<void> {
  if (documents.length === 0) return;
  const deltas = new StatDeltas();
  const agents: string[] = [];
  const terms: string[] = [];
  const docs: number[] = [];
  const lengths: number[] = [];
  const counts: number[][] = space.columns.map(() => []);
  for (const { agentId, doc, columns } of documents) {
    const perTerm = new Map<string, number[]>();
    let length = 0;
    columns.forEach((columnTerms, c) => {
      length += columnTerms.length;
      for (const term of columnTerms) {
        let tf = perTerm.get(term);
        if (tf === undefined) {
          tf = space.columns.map(() => 0);
          perTerm.set(term, tf);
        }
        tf[c] = (tf[c] ?? 0) + 1;
      }
    });
    for (const [term, tf] of perTerm) {
      agents.push(agentId);
      terms.push(term);
      docs.push(doc);
      lengths.push(length);
      for (const [c, n] of tf.entries()) counts[c]?.push(n);
      deltas.term(agentId, term, 1, (tf[0] ?? 0) > 0 ? 1 : 0);
    }
    deltas.document(agentId, doc, 1, length);
  }
  if (terms.length === 0) {
    await applyDeltas(tx, space, deltas);
    return;
  }
  // Postings, term counts and document statistics in one statement: one round trip per write
  // instead of three. The counts only grow here, so no term row can fall to zero and go.
  const params: unknown[] = [agents, terms, docs, lengths, ...counts];
  const tfColumns = space.columns.map((_, c) => `$${c + 5}::int[]`).join(", ");
  await tx.defer(
    `WITH postings AS (
       INSERT INTO ${space.postings} (agent_id, term, doc, length, ${space.columns.join(", ")})
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], ${tfColumns})
       RETURNING 1
     ), terms AS (${termsUpsert(space, deltas, params)} RETURNING 1)
     ${statsUpsert(space, deltas, params)}`,
    params,
    {
      ...PREPARED,
      adds: {
        [space.postings]: terms.length,
        [space.terms]: deltas.terms.size,
        search_stats: deltas.stats.size,
      },
    },
  );
}

/** The upsert of summed term count changes, binding its values into `params`. */
function termsUpsert(space: SearchSpace, deltas: StatDeltas, params: unknown[]): string {
  const terms = [...deltas.terms.values()];
  const first = params.length;
  params.push(
    terms.map((t) => t.agentId),
    terms.map((t) => t.term),
    terms.map((t) => t.docs),
    terms.map((t) => t.textDocs),
  );
  return `INSERT INTO ${space.terms} AS t (agent_id, term, docs, text_docs)
       SELECT * FROM unnest($${first + 1}::text[], $${first + 2}::text[], $${first + 3}::int[], $${first + 4}::int[])
         AS d(agent_id, term, docs, text_docs)
       ORDER BY agent_id, term
       ON CONFLICT (agent_id, term) DO UPDATE
         SET docs = t.docs + excluded.docs, text_docs = t.text_docs + excluded.text_docs`;
}

/** The upsert of summed document statistics changes, binding its values into `params`. */
function statsUpsert(space: SearchSpace, deltas: StatDeltas, params: unknown[]): string {
  const stats = [...deltas.stats.values()];
  const first = params.length;
  params.push(
    stats.map((s) => s.agentId),
    stats.map((s) => s.slot),
    stats.map((s) => s.docs),
    stats.map((s) => s.tokens),
    space.name,
  );
  return `INSERT INTO search_stats AS s (agent_id, space, slot, docs, tokens)
     SELECT d.agent_id, $${first + 5}, d.slot, d.docs, d.tokens
     FROM unnest($${first + 1}::text[], $${first + 2}::smallint[], $${first + 3}::bigint[], $${first + 4}::bigint[])
       AS d(agent_id, slot, docs, tokens)
     ORDER BY d.agent_id, d.slot
     ON CONFLICT (agent_id, space, slot) DO UPDATE SET docs = s.docs + excluded.docs, tokens = s.tokens + excluded.tokens`;
}

/** Removes documents' postings, and their terms from the document frequencies. */
export async function unindexDocuments(
  tx: Sql,
  space: SearchSpace,
  documents: readonly IndexedDocument[],
): Promise<void> {
  if (documents.length === 0) return;
  const removed = await tx.all<{
    agent_id: string;
    term: string;
    doc: number;
    in_text: boolean;
    length: number;
  }>(
    `DELETE FROM ${space.postings} WHERE doc = ANY($1::bigint[])
     RETURNING agent_id, term, ${space.columns[0]} > 0 AS in_text`,
    [documents.map((d) => d.doc)],
    PREPARED,
  );
  const deltas = new StatDeltas();
  for (const row of removed) deltas.term(row.agent_id, row.term, -1, row.in_text ? -1 : 0);
  // The document count and total length stay: FTS5 (contentless_delete) keeps counting a deleted
  // row in both, and BM25 here is FTS5's, number for number.
  await applyDeltas(tx, space, deltas);
}

/**
 * Applies summed changes, rows in key order: two writers then lock shared rows in the same order
 * and cannot deadlock on them. A term's row goes when no document has it any more.
 */
async function applyDeltas(tx: Sql, space: SearchSpace, deltas: StatDeltas): Promise<void> {
  for (const [key, t] of deltas.terms) if (t.docs === 0 && t.textDocs === 0) deltas.terms.delete(key);
  for (const [key, t] of deltas.stats) if (t.docs === 0 && t.tokens === 0) deltas.stats.delete(key);
  if (deltas.terms.size > 0) {
    const params: unknown[] = [];
    await tx.defer(termsUpsert(space, deltas, params), params, PREPARED);
    const fewer = [...deltas.terms.values()].filter((t) => t.docs < 0);
    if (fewer.length > 0) {
      await tx.defer(
        `DELETE FROM ${space.terms} t USING unnest($1::text[], $2::text[]) AS d(agent_id, term)
         WHERE t.agent_id = d.agent_id AND t.term = d.term AND t.docs <= 0`,
        [fewer.map((t) => t.agentId), fewer.map((t) => t.term)],
        PREPARED,
      );
    }
  }
  if (deltas.stats.size === 0) return;
  const params: unknown[] = [];
  await tx.defer(statsUpsert(space, deltas, params), params, PREPARED);
}
