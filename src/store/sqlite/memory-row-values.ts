import type { SQLInputValue } from "node:sqlite";
import type { Memory, MemoryVersion, NewEvent } from "../../core/types.ts";
import { memoryTagTerms, memoryTextTermsJoined } from "../rows/index-terms.ts";
import { contentValues } from "../rows/memory-rows.ts";
import type { EventOwners } from "./event-owners.ts";
import { eventValues } from "./event-writer.ts";
import { agentKey, namespaced, namespacedJoined } from "./fts.ts";
import { encodeSnapshot } from "./memory-snapshot.ts";

/**
 * The values a memory write puts in each table, flat and in column order, so that a batch goes in
 * with multi-row statements (see batch-insert.ts).
 */

export const MEMORY_HEAD = `INSERT INTO memories (rowid, id, agent_id, user_id, kind, text, tags, importance, valid_from,
  valid_to, key, provenance, metadata, version, archived_at, access_count, last_accessed_at, created_at, created_ms, updated_at,
  created_by)`;
export const MEMORY_WIDTH = 21;

export const VERSION_HEAD =
  "INSERT INTO memory_versions (memory_id, version, agent_id, operation, actor, snapshot, created_at)";
export const VERSION_WIDTH = 7;

export const FTS_HEAD = "INSERT INTO memories_fts (rowid, terms, tag_terms)";

/**
 * A memory's row values in `MEMORY_HEAD` order (`rowid` null: chosen by SQLite). `createdBy`: the
 * actor of its creating version when the row implies that version (see version-rows.ts), else null.
 */
export function pushRow(
  out: SQLInputValue[],
  rowid: number | null,
  memory: Memory,
  createdBy: string | null,
): void {
  out.push(rowid, memory.id, memory.agentId, ...contentValues(memory));
  out.push(memory.accessCount, memory.lastAccessedAt, memory.createdAt, Date.parse(memory.createdAt));
  out.push(memory.updatedAt, createdBy);
}

/**
 * A memory's full-text row: its analysed terms and tag terms under the agent's namespace
 * (`textTerms`: the text's terms analysed beforehand, see `MemoryWrite.textTerms`).
 */
export function pushIndexed(
  out: SQLInputValue[],
  rowid: number,
  memory: Memory,
  textTerms?: () => string,
): void {
  const key = agentKey(memory.agentId);
  const text = namespacedJoined(key, memoryTextTermsJoined(memory, textTerms));
  out.push(rowid, text, namespaced(key, memoryTagTerms(memory)));
}

/** A version's row; `live`: its snapshot may refer to the memory's row. */
export function pushVersion(out: SQLInputValue[], version: MemoryVersion, live: boolean): void {
  const { memory } = version;
  out.push(version.memoryId, version.version, memory.agentId, version.operation, version.actor);
  out.push(encodeSnapshot(memory, live), version.createdAt);
}

/** An event's row in `EVENT_HEAD` order (event-writer.ts), its before/after already in stored form. */
export function pushEvent(
  out: SQLInputValue[],
  owners: EventOwners,
  event: NewEvent,
  before: string | null,
  after: string | null,
): void {
  out.push(...eventValues(owners, event, before, after));
}
