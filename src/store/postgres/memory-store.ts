import type { Memory, MemoryVersion } from "../../core/types.ts";
import type { MemoryWrite } from "../store.ts";
import type { Sql } from "./pg-database.ts";

/** Inserts memories with their first versions, events and full-text index entries, inside `tx`. */
export async function insertMemories(_tx: Sql, _writes: readonly MemoryWrite[]): Promise<void> {
  throw new Error("insertMemories is not implemented on PostgreSQL yet");
}

/**
 * Replaces a memory (its row, a new version, its event, its index entries) inside `tx`, if it is still
 * at `expectedVersion`. @throws ConflictError otherwise.
 */
export async function updateMemory(_tx: Sql, _write: MemoryWrite, _expectedVersion: number): Promise<void> {
  throw new Error("updateMemory is not implemented on PostgreSQL yet");
}

/**
 * Writes an imported agent's memories as they are (ids, times, counters, versions), indexing the
 * active ones, inside `tx`. No events (the import writes its own). @throws ConflictError on an id that exists.
 */
export async function importMemories(
  _tx: Sql,
  _items: readonly { memory: Memory; versions: MemoryVersion[] }[],
): Promise<void> {
  throw new Error("importMemories is not implemented on PostgreSQL yet");
}
