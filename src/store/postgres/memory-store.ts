import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { Memory, MemoryVersion } from "../../core/types.ts";
import { memoryIndexTerms } from "../rows/index-terms.ts";
import { contentValues, tagsColumn } from "../rows/memory-rows.ts";
import type { MemoryWrite } from "../store.ts";
import { writeEvents } from "./event-writer.ts";
import { columnArrays, columnsInsert, insertColumns, type TypedColumn } from "./insert-rows.ts";
import type { Sql } from "./pg-database.ts";
import { isUniqueViolation } from "./pg-errors.ts";
import { type IndexedDocument, indexDocuments, MEMORY_SPACE, unindexDocuments } from "./search-index.ts";

/**
 * The memory writes other domains compose into their own transactions (jobs, evolution, imports).
 * On PostgreSQL every version's snapshot and every event's before/after is the memory's full JSON.
 */

const MEMORY_COLUMNS: readonly TypedColumn[] = [
  ["id", "text"],
  ["agent_id", "text"],
  ["user_id", "text"],
  ["kind", "text"],
  ["text", "text"],
  ["tags", "text"],
  ["importance", "float8"],
  ["valid_from", "text"],
  ["valid_to", "text"],
  ["key", "text"],
  ["provenance", "text"],
  ["metadata", "text"],
  ["version", "int"],
  ["archived_at", "text"],
  ["access_count", "int"],
  ["last_accessed_at", "text"],
  ["created_at", "text"],
  ["created_ms", "bigint"],
  ["updated_at", "text"],
];
const VERSION_COLUMNS: readonly TypedColumn[] = [
  ["memory_id", "text"],
  ["version", "int"],
  ["agent_id", "text"],
  ["operation", "text"],
  ["actor", "text"],
  ["snapshot", "text"],
  ["created_at", "text"],
];

/** A memory's row, in the order of MEMORY_COLUMNS. */
function rowValues(memory: Memory): unknown[] {
  return [
    memory.id,
    memory.agentId,
    ...contentValues(memory),
    memory.accessCount,
    memory.lastAccessedAt,
    memory.createdAt,
    Date.parse(memory.createdAt),
    memory.updatedAt,
  ];
}

/** A version's row, in the order of VERSION_COLUMNS. */
function versionValues(version: MemoryVersion): unknown[] {
  const { memory } = version;
  return [
    version.memoryId,
    version.version,
    memory.agentId,
    version.operation,
    version.actor,
    JSON.stringify(memory),
    version.createdAt,
  ];
}

/** The full-text document of a memory's row (`textTerms`: see `MemoryWrite.textTerms`). */
function document(doc: number, memory: Memory, textTerms?: () => string) {
  return { agentId: memory.agentId, doc, columns: memoryIndexTerms(memory, textTerms) };
}

/**
 * Inserts memory rows (with `versions`, in the same statement) and indexes the active ones; throws
 * ConflictError on a taken id.
 */
async function insertMemoryRows(
  tx: Sql,
  memories: readonly Memory[],
  versions: readonly MemoryVersion[] = [],
  textTerms: ReadonlyMap<string, () => string> = new Map(),
): Promise<void> {
  if (memories.length === 0) return insertVersions(tx, versions);
  let rows: { rowid: number; id: string }[];
  try {
    const params: unknown[] = [];
    const withVersions =
      versions.length === 0
        ? ""
        : `WITH versions AS (${columnsInsert("memory_versions", VERSION_COLUMNS, versions.map(versionValues), params)} RETURNING 1) `;
    const insert = columnsInsert("memories", MEMORY_COLUMNS, memories.map(rowValues), params);
    rows = await tx.all<{ rowid: number; id: string }>(
      `${withVersions}${insert} RETURNING rowid, id`,
      params,
      { prepare: true, adds: { memories: memories.length, memory_versions: versions.length } },
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError("a memory with one of these ids already exists");
    throw error;
  }
  const rowids = new Map(rows.map((row) => [row.id, row.rowid]));
  const active = memories.filter((memory) => memory.archivedAt === null);
  await indexDocuments(
    tx,
    MEMORY_SPACE,
    active.map((memory) => document(rowids.get(memory.id) as number, memory, textTerms.get(memory.id))),
  );
}

async function insertVersions(tx: Sql, versions: readonly MemoryVersion[]): Promise<void> {
  if (versions.length === 0) return;
  await insertColumns(tx, "memory_versions", VERSION_COLUMNS, versions.map(versionValues));
}

/** Inserts memories with their first versions, events and full-text index entries, inside `tx`. */
export async function insertMemories(tx: Sql, writes: readonly MemoryWrite[]): Promise<void> {
  if (writes.length === 0) return;
  await insertMemoryRows(
    tx,
    writes.map((write) => write.memory),
    writes.map((write) => write.version),
    new Map(
      writes.flatMap((write) => (write.textTerms === undefined ? [] : [[write.memory.id, write.textTerms]])),
    ),
  );
  await writeEvents(
    tx,
    writes.map((write) => write.event),
  );
}

interface CurrentRow {
  rowid: number;
  version: number;
  archived_at: string | null;
}

/** Locks a memory's row for the rest of the transaction. @throws NotFoundError when it is not there. */
export async function lockMemory(tx: Sql, agentId: string, id: string): Promise<CurrentRow> {
  const current = await tx.get<CurrentRow>(
    "SELECT rowid, version, archived_at FROM memories WHERE id = $1 AND agent_id = $2 FOR UPDATE",
    [id, agentId],
  );
  if (current === undefined) throw new NotFoundError(`memory ${id} not found`);
  return current;
}

/** The row's index entries, when it has them (archived memories have none). */
export function indexedDocument(agentId: string, current: CurrentRow): IndexedDocument[] {
  return current.archived_at === null ? [{ agentId, doc: current.rowid }] : [];
}

/**
 * Replaces a memory (its row, a new version, its event, its index entries) inside `tx`, if it is still
 * at `expectedVersion`. @throws ConflictError otherwise.
 */
export async function updateMemory(tx: Sql, write: MemoryWrite, expectedVersion: number): Promise<void> {
  await updateMemories(tx, [{ write, expectedVersion }]);
}

/**
 * Replaces memories, as `updateMemory` each, with a few statements for all of them (the closes of a
 * batch of keyed facts): their rows locked in one read, in rowid order, then changed in one
 * statement. @throws NotFoundError or ConflictError, naming the first memory that is missing or moved.
 */
export async function updateMemories(
  tx: Sql,
  changes: readonly { write: MemoryWrite; expectedVersion: number }[],
): Promise<void> {
  if (changes.length === 0) return;
  const memories = changes.map((c) => c.write.memory);
  if (new Set(memories.map((m) => m.id)).size !== memories.length)
    throw new Error("updateMemories: a memory is changed twice in one call");
  const rows = await tx.all<CurrentRow & { id: string; text: string; tags: string }>(
    `SELECT m.id, m.rowid, m.version, m.text, m.tags, m.archived_at
     FROM unnest($1::text[], $2::text[]) AS c(id, agent_id)
     JOIN memories m ON m.id = c.id AND m.agent_id = c.agent_id
     ORDER BY m.rowid FOR UPDATE OF m`,
    [memories.map((m) => m.id), memories.map((m) => m.agentId)],
  );
  const current = new Map(rows.map((row) => [row.id, row]));
  const locked = changes.map(({ write: { memory }, expectedVersion }) => {
    const row = current.get(memory.id);
    if (row === undefined) throw new NotFoundError(`memory ${memory.id} not found`);
    if (row.version !== expectedVersion) {
      throw new ConflictError(
        `memory ${memory.id} is at version ${row.version}, not the expected ${expectedVersion}`,
      );
    }
    return row;
  });
  await tx.run(
    `UPDATE memories m SET user_id = c.user_id, kind = c.kind, text = c.text, tags = c.tags,
       importance = c.importance, valid_from = c.valid_from, valid_to = c.valid_to, key = c.key,
       provenance = c.provenance, metadata = c.metadata, version = c.version, archived_at = c.archived_at,
       updated_at = c.updated_at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::text[],
       $8::text[], $9::text[], $10::text[], $11::int[], $12::text[], $13::text[], $14::bigint[])
       AS c(user_id, kind, text, tags, importance, valid_from, valid_to, key, provenance, metadata, version,
         archived_at, updated_at, rowid)
     WHERE m.rowid = c.rowid`,
    columnArrays(
      memories.map((memory, i) => [...contentValues(memory), memory.updatedAt, locked[i]?.rowid]),
      14,
    ),
  );
  // Indexed again when the text, the tags or whether it is archived change (archived memories are
  // never ranked, so never indexed), and only then, as on SQLite: each indexing counts in BM25's
  // statistics (see schema/search.ts), so both backends must index the same times.
  const reindexed = memories.flatMap((memory, i) => {
    const row = locked[i] as (typeof rows)[number];
    const changed =
      (row.archived_at === null) !== (memory.archivedAt === null) ||
      row.text !== memory.text ||
      row.tags !== tagsColumn(memory);
    return changed ? [{ memory, row }] : [];
  });
  await unindexDocuments(
    tx,
    MEMORY_SPACE,
    reindexed.flatMap(({ memory, row }) => indexedDocument(memory.agentId, row)),
  );
  await indexDocuments(
    tx,
    MEMORY_SPACE,
    reindexed.flatMap(({ memory, row }) => (memory.archivedAt === null ? [document(row.rowid, memory)] : [])),
  );
  await insertVersions(
    tx,
    changes.map((c) => c.write.version),
  );
  await writeEvents(
    tx,
    changes.map((c) => c.write.event),
  );
}

/**
 * Writes an imported agent's memories as they are (ids, times, counters, versions), indexing the
 * active ones, inside `tx`. No events (the import writes its own). @throws ConflictError on an id that exists.
 */
export async function importMemories(
  tx: Sql,
  items: readonly { memory: Memory; versions: readonly MemoryVersion[] }[],
): Promise<void> {
  if (items.length === 0) return;
  const ids = items.map((item) => item.memory.id);
  const taken = await tx.get<{ id: string }>(
    `SELECT memory_id AS id FROM memory_versions WHERE memory_id = ANY($1::text[])
     UNION ALL SELECT id FROM memories WHERE id = ANY($1::text[]) LIMIT 1`,
    [ids],
  );
  if (taken !== undefined) throw new ConflictError(`memory ${taken.id} already exists in this database`);
  await insertMemoryRows(
    tx,
    items.map((item) => item.memory),
    items.flatMap((item) => item.versions),
  );
}
