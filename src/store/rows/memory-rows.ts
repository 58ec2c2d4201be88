import type { Memory, MemoryVersion, Message } from "../../core/types.ts";

/**
 * Memory and message rows as both backends store them (the same columns, JSON as text) and their
 * conversion to and from the engine's types.
 */

export interface MemoryRow {
  id: string;
  agent_id: string;
  user_id: string | null;
  kind: string;
  text: string;
  tags: string;
  importance: number;
  valid_from: string | null;
  valid_to: string | null;
  key: string | null;
  provenance: string;
  metadata: string;
  version: number;
  access_count: number;
  last_accessed_at: string | null;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
}

export const MEMORY_COLUMNS =
  "m.id, m.agent_id, m.user_id, m.kind, m.text, m.tags, m.importance, m.valid_from, m.valid_to, m.key, m.provenance, m.metadata, m.version, m.access_count, m.last_accessed_at, m.archived_at, m.created_at, m.updated_at";

/** The provenance of a memory that came from nothing in particular, as JSON. */
export const NO_PROVENANCE = '{"messageIds":[],"externalIds":[]}';

/**
 * A memory's `provenance` column: empty for the empty provenance (most memories), which is then
 * not stored once per row; JSON otherwise. Older rows hold the empty provenance's JSON.
 */
export function provenanceColumn(provenance: Memory["provenance"]): string {
  const json = JSON.stringify(provenance);
  return json === NO_PROVENANCE ? "" : json;
}

/** A memory's tags as stored. */
export function tagsColumn(memory: Memory): string {
  return memory.tags.length === 0 ? "[]" : JSON.stringify(memory.tags);
}

/** The columns `user_id` … `archived_at`, in statement order, shared by insert and update. */
export function contentValues(memory: Memory): (string | number | null)[] {
  return [
    memory.userId,
    memory.kind,
    memory.text,
    tagsColumn(memory),
    memory.importance,
    memory.validFrom,
    memory.validTo,
    memory.key,
    provenanceColumn(memory.provenance),
    JSON.stringify(memory.metadata),
    memory.version,
    memory.archivedAt,
  ];
}

const parseProvenance = (text: string): Memory["provenance"] =>
  text === "" ? { messageIds: [], externalIds: [] } : (parseJson(text) as Memory["provenance"]);

/**
 * Most memories have no tags, provenance or metadata, and a search converts up to a hundred rows:
 * the empty values are built directly rather than parsed.
 */
function parseJson(text: string): unknown {
  if (text === "[]") return [];
  if (text === "{}") return {};
  if (text === NO_PROVENANCE) return { messageIds: [], externalIds: [] };
  return JSON.parse(text);
}

export const toMemory = (row: MemoryRow): Memory => ({
  id: row.id,
  agentId: row.agent_id,
  userId: row.user_id,
  kind: row.kind,
  text: row.text,
  tags: parseJson(row.tags) as string[],
  importance: row.importance,
  validFrom: row.valid_from,
  validTo: row.valid_to,
  key: row.key,
  provenance: parseProvenance(row.provenance),
  metadata: parseJson(row.metadata) as Memory["metadata"],
  version: row.version,
  accessCount: row.access_count,
  lastAccessedAt: row.last_accessed_at,
  archivedAt: row.archived_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * A row of `MEMORY_COLUMNS` (then any extra columns) read as an array: searches convert up to a
 * hundred rows, and arrays come out of SQLite and are read back noticeably faster than objects.
 */
export type MemoryTuple = readonly [
  id: string,
  agentId: string,
  userId: string | null,
  kind: string,
  text: string,
  tags: string,
  importance: number,
  validFrom: string | null,
  validTo: string | null,
  key: string | null,
  provenance: string,
  metadata: string,
  version: number,
  accessCount: number,
  lastAccessedAt: string | null,
  archivedAt: string | null,
  createdAt: string,
  updatedAt: string,
  ...extra: unknown[],
];

export const tupleToMemory = (row: MemoryTuple): Memory => ({
  id: row[0],
  agentId: row[1],
  userId: row[2],
  kind: row[3],
  text: row[4],
  tags: parseJson(row[5]) as string[],
  importance: row[6],
  validFrom: row[7],
  validTo: row[8],
  key: row[9],
  provenance: parseProvenance(row[10]),
  metadata: parseJson(row[11]) as Memory["metadata"],
  version: row[12],
  accessCount: row[13],
  lastAccessedAt: row[14],
  archivedAt: row[15],
  createdAt: row[16],
  updatedAt: row[17],
});

/** A memory stored as JSON (a version's snapshot); one written before keyed facts has no key. */
export function snapshotMemory(json: string): Memory {
  const memory = JSON.parse(json) as Memory;
  if (memory.key === undefined) memory.key = null;
  return memory;
}

export interface VersionRow {
  memory_id: string;
  version: number;
  operation: string;
  actor: string;
  snapshot: string;
  created_at: string;
}

/** A version row with the memory its snapshot records (see memory-snapshot.ts for how it is stored). */
export const toVersion = (row: VersionRow, memory: Memory): MemoryVersion => ({
  memoryId: row.memory_id,
  version: row.version,
  operation: row.operation as MemoryVersion["operation"],
  actor: row.actor as MemoryVersion["actor"],
  memory,
  createdAt: row.created_at,
});

export interface MessageRow {
  id: string;
  agent_id: string;
  user_id: string | null;
  role: string;
  name: string | null;
  session_id: string | null;
  content: string;
  provenance: string;
  metadata: string;
  created_at: string;
}

export const MESSAGE_COLUMNS =
  "m.id, m.agent_id, m.user_id, m.role, m.name, m.session_id, m.content, m.provenance, m.metadata, m.created_at";

export const toMessage = (row: MessageRow): Message => ({
  id: row.id,
  agentId: row.agent_id,
  userId: row.user_id,
  role: row.role as Message["role"],
  name: row.name,
  sessionId: row.session_id,
  content: row.content,
  provenance: JSON.parse(row.provenance),
  metadata: JSON.parse(row.metadata),
  createdAt: row.created_at,
});

/** A message's row values in the column order of `INSERT INTO messages (id, agent_id, … created_ms)`. */
export function messageValues(message: Message): (string | number | null)[] {
  return [
    message.id,
    message.agentId,
    message.userId,
    message.role,
    message.name,
    message.sessionId,
    message.content,
    JSON.stringify(message.provenance),
    JSON.stringify(message.metadata),
    message.createdAt,
    Date.parse(message.createdAt),
  ];
}
