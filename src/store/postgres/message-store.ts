import { ConflictError } from "../../core/errors.ts";
import { messageIndexTerms } from "../rows/index-terms.ts";
import { messageValues } from "../rows/memory-rows.ts";
import type { IndexedMessage } from "../store.ts";
import { insertReturning } from "./insert-rows.ts";
import type { Sql } from "./pg-database.ts";
import { isUniqueViolation } from "./pg-errors.ts";
import { indexDocuments, MESSAGE_SPACE, unindexDocuments } from "./search-index.ts";

/** The message writes other domains compose into their own transactions (imports), and `append`'s. */

const MESSAGE_INTO = `messages (id, agent_id, user_id, role, name, session_id, content, provenance,
  metadata, created_at, created_ms)`;

/** Messages written per statement while reading an iterable: it is read once, in order. */
const CHUNK = 1000;

/** Inserts messages in order with their index entries. @throws ConflictError on an id that exists. */
async function insertChunk(tx: Sql, items: readonly IndexedMessage[]): Promise<void> {
  if (items.length === 0) return;
  const ids = items.map((item) => item.message.id);
  const taken = await tx.get<{ id: string }>("SELECT id FROM messages WHERE id = ANY($1::text[]) LIMIT 1", [
    ids,
  ]);
  if (taken !== undefined) throw new ConflictError(`message ${taken.id} already exists in this database`);
  let rows: { rowid: number; id: string }[];
  try {
    rows = await insertReturning<{ rowid: number; id: string }>(
      tx,
      MESSAGE_INTO,
      items.map((item) => messageValues(item.message)),
      "RETURNING rowid, id",
    );
  } catch (error) {
    // The same id twice in one batch, or a writer that got there first.
    if (isUniqueViolation(error)) throw new ConflictError("a message with one of these ids already exists");
    throw error;
  }
  const rowids = new Map(rows.map((row) => [row.id, row.rowid]));
  await indexDocuments(
    tx,
    MESSAGE_SPACE,
    items.map((item) => ({
      agentId: item.message.agentId,
      doc: rowids.get(item.message.id) as number,
      columns: messageIndexTerms(item),
    })),
  );
}

/** Inserts messages read once, in order, a chunk at a time (rowids follow the order). */
export async function insertMessages(tx: Sql, messages: Iterable<IndexedMessage>): Promise<number> {
  let chunk: IndexedMessage[] = [];
  let count = 0;
  for (const item of messages) {
    chunk.push(item);
    if (chunk.length === CHUNK) {
      await insertChunk(tx, chunk);
      count += chunk.length;
      chunk = [];
    }
  }
  await insertChunk(tx, chunk);
  return count + chunk.length;
}

/** Replaces the index entries of messages whose context changed; messages not found are skipped. */
export async function reindexMessages(tx: Sql, items: readonly IndexedMessage[]): Promise<void> {
  if (items.length === 0) return;
  const rows = await tx.all<{ rowid: number; id: string; agent_id: string }>(
    `SELECT m.rowid, m.id, m.agent_id FROM messages m
     JOIN unnest($1::text[], $2::text[]) AS r(id, agent_id) ON m.id = r.id AND m.agent_id = r.agent_id
     ORDER BY m.rowid FOR UPDATE OF m`,
    [items.map((item) => item.message.id), items.map((item) => item.message.agentId)],
  );
  const found = new Map(rows.map((row) => [row.id, row]));
  const documents = items.flatMap((item) => {
    const row = found.get(item.message.id);
    return row === undefined
      ? []
      : [{ agentId: row.agent_id, doc: row.rowid, columns: messageIndexTerms(item) }];
  });
  // A message given twice is indexed as the last of them says.
  const unique = [...new Map(documents.map((d) => [d.doc, d])).values()];
  await unindexDocuments(tx, MESSAGE_SPACE, unique);
  await indexDocuments(tx, MESSAGE_SPACE, unique);
}

/**
 * Writes an imported conversation in order, indexed as `append` indexes messages, inside `tx`.
 * @throws ConflictError on an id that exists.
 */
export async function importMessages(tx: Sql, messages: Iterable<IndexedMessage>): Promise<void> {
  await insertMessages(tx, messages);
}
