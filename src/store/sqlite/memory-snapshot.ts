import { EngramError } from "../../core/errors.ts";
import type { Memory, MemoryVersion } from "../../core/types.ts";
import { MEMORY_COLUMNS, type MemoryRow, snapshotMemory, toMemory } from "../rows/memory-rows.ts";
import type { Statements } from "./statements.ts";
import { CREATION_SNAPSHOT, versionRows, writeOutCreation } from "./version-rows.ts";

/**
 * How a memory version's snapshot is stored. A memory's versions are immutable, but most of them are
 * also exactly what the live `memories` row holds (the version a memory was created with, until it
 * changes), so such a snapshot is kept as a reference to the row: `[accessCount,lastAccessedAt]`, the
 * two fields access tracking changes without making a version. Every other snapshot is the memory's
 * full JSON. Before a memory's row changes or goes, its live snapshots are written out in full
 * (`materializeSnapshots`), so a reference always reads back exactly what was written.
 */

/** A memory's keys in the order a row is read back (`toMemory`). */
const ROW_KEYS: readonly string[] = [
  "id",
  "agentId",
  "userId",
  "kind",
  "text",
  "tags",
  "importance",
  "validFrom",
  "validTo",
  "key",
  "provenance",
  "metadata",
  "version",
  "accessCount",
  "lastAccessedAt",
  "archivedAt",
  "createdAt",
  "updatedAt",
];

const STRING_KEYS = [
  "id",
  "agentId",
  "userId",
  "kind",
  "text",
  "validFrom",
  "validTo",
  "key",
  "lastAccessedAt",
  "archivedAt",
  "createdAt",
  "updatedAt",
];

/** `String.prototype.isWellFormed` (ES2024, in Node 20+; the compiler's lib is older). */
const wellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * Whether the memory, written to its row, reads back as the same JSON: its keys in row order, and
 * strings that survive SQLite's UTF-8 (a lone surrogate does not; JSON keeps it).
 */
export function readsBackFromRow(memory: Memory): boolean {
  let i = 0;
  for (const key in memory) if (ROW_KEYS[i++] !== key) return false;
  if (i !== ROW_KEYS.length) return false;
  const m = memory as unknown as Record<string, unknown>;
  for (const key of STRING_KEYS) {
    const value = m[key];
    if (value !== null && (typeof value !== "string" || !wellFormed(value))) return false;
  }
  return (
    Number.isFinite(memory.importance) &&
    Number.isSafeInteger(memory.version) &&
    Number.isSafeInteger(memory.accessCount)
  );
}

/** The memory with its fields in row order, when it has exactly a row's fields; else as it is. */
export function inRowOrder(memory: Memory): Memory {
  const m = memory as unknown as Record<string, unknown>;
  const keys = Object.keys(m);
  if (keys.length !== ROW_KEYS.length || !ROW_KEYS.every((key) => Object.hasOwn(m, key))) return memory;
  return Object.fromEntries(ROW_KEYS.map((key) => [key, m[key]])) as unknown as Memory;
}

/** The stored snapshot of a memory version: a reference to the row when it reads back exactly. */
export function encodeSnapshot(memory: Memory, live: boolean): string {
  return live ? liveSnapshot(memory) : JSON.stringify(memory);
}

function liveSnapshot(memory: Memory): string {
  return `[${memory.accessCount},${JSON.stringify(memory.lastAccessedAt)}]`;
}

/** Whether a stored snapshot refers to the live memory row. */
export function isLiveSnapshot(snapshot: string): boolean {
  return snapshot.charCodeAt(0) === 91; // "["
}

/** A stored snapshot as the memory it records; `row` is the memory's live row, needed by a reference. */
export function decodeSnapshot(snapshot: string, row: MemoryRow | undefined): Memory {
  if (!isLiveSnapshot(snapshot)) return snapshotMemory(snapshot);
  if (row === undefined) throw new EngramError("internal", "a memory version refers to a row that is gone");
  const [accessCount, lastAccessedAt] = JSON.parse(snapshot) as [number, string | null];
  const memory = toMemory(row);
  memory.accessCount = accessCount;
  memory.lastAccessedAt = lastAccessedAt;
  return memory;
}

/**
 * Whether a new memory's creating version can be left implied by its row (see version-rows.ts):
 * `memory` is what the row holds.
 */
export function isImplicitCreation(version: MemoryVersion, memory: Memory): boolean {
  return (
    version.memory === memory &&
    version.version === 1 &&
    memory.version === 1 &&
    version.operation === "create" &&
    version.memoryId === memory.id &&
    version.createdAt === memory.createdAt &&
    readsBackFromRow(memory) &&
    encodeSnapshot(memory, true) === CREATION_SNAPSHOT
  );
}

/** The live row of a memory, for decoding its snapshots that refer to it. */
export function liveRow(s: Statements, memoryId: string): MemoryRow | undefined {
  return s.get<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.id = ?`, memoryId);
}

/** The memory recorded by one version, or undefined when there is no such version. */
export function readVersionMemory(s: Statements, memoryId: string, version: number): Memory | undefined {
  const row = s.get<MemoryRow & { snapshot: string; live: number | null }>(
    `SELECT v.snapshot, m.rowid AS live, ${MEMORY_COLUMNS} FROM ${versionRows("= ?1")} v
     LEFT JOIN memories m ON m.id = v.memory_id WHERE v.version = ?2`,
    memoryId,
    version,
  );
  if (row === undefined) return undefined;
  return decodeSnapshot(row.snapshot, row.live === null ? undefined : row);
}

/**
 * Writes out in full the snapshots of a memory that refer to its row (its implied creating version
 * included): called before the row changes or is deleted, in the same transaction.
 */
export function materializeSnapshots(s: Statements, memoryId: string): void {
  writeOutCreation(s, memoryId);
  const rows = s.all<MemoryRow & { snapshot: string; v: number }>(
    `SELECT v.version AS v, v.snapshot, ${MEMORY_COLUMNS} FROM memory_versions v
     JOIN memories m ON m.id = v.memory_id WHERE v.memory_id = ? AND v.snapshot LIKE '[%'`,
    memoryId,
  );
  for (const row of rows) {
    s.run(
      "UPDATE memory_versions SET snapshot = ? WHERE memory_id = ? AND version = ?",
      JSON.stringify(decodeSnapshot(row.snapshot, row)),
      memoryId,
      row.v,
    );
  }
}
