import type { DatabaseSync } from "node:sqlite";
import type { Memory } from "../../core/types.ts";
import { MEMORY_COLUMNS, type MemoryRow, snapshotMemory } from "../rows/memory-rows.ts";
import { ensureKeyColumn } from "./key-column.ts";
import { isRef, refAgainst } from "./memory-event-refs.ts";
import {
  decodeSnapshot,
  encodeSnapshot,
  inRowOrder,
  readsBackFromRow,
  readVersionMemory,
} from "./memory-snapshot.ts";
import { Statements } from "./statements.ts";
import { ensureCreatedByColumn } from "./version-rows.ts";

/** Rows read per step, so a large database is converted without holding it all in memory. */
const PAGE = 5000;

/**
 * Converts a database written with full copies to the lean form (migration 12): each memory's current
 * version refers to its row when it reads back exactly, and each memory event's before/after refers
 * to the version it records (see memory-snapshot.ts, memory-event-refs.ts). A value is converted
 * only when its reference reads back as the same JSON; anything else keeps its full copy. Runs in
 * the migration's transaction, so an interrupted conversion leaves the database as it was.
 */
export function convertToLeanHistory(db: DatabaseSync): void {
  ensureKeyColumn(db);
  ensureCreatedByColumn(db);
  const s = new Statements(db);
  convertVersions(s);
  convertEvents(s);
}

function convertVersions(s: Statements): void {
  for (let after = 0; ; ) {
    const rows = s.all<MemoryRow & { snapshot: string; rowid: number }>(
      `SELECT m.rowid AS rowid, v.snapshot, ${MEMORY_COLUMNS} FROM memories m
       JOIN memory_versions v ON v.memory_id = m.id AND v.version = m.version
       WHERE m.rowid > ? ORDER BY m.rowid LIMIT ${PAGE}`,
      after,
    );
    for (const row of rows) {
      if (row.snapshot.startsWith("[")) continue;
      const parsed = JSON.parse(row.snapshot) as Memory | null;
      if (parsed === null || typeof parsed !== "object") continue;
      // Written before keyed facts: it reads back with the key the row now has (null).
      const memory = inRowOrder(snapshotMemory(row.snapshot));
      if (!readsBackFromRow(memory)) continue;
      const encoded = encodeSnapshot(memory, true);
      if (JSON.stringify(decodeSnapshot(encoded, row)) !== JSON.stringify(memory)) continue;
      s.run(
        "UPDATE memory_versions SET snapshot = ? WHERE memory_id = ? AND version = ?",
        encoded,
        row.id,
        row.version,
      );
    }
    if (rows.length < PAGE) return;
    after = (rows.at(-1) as { rowid: number }).rowid;
  }
}

function convertEvents(s: Statements): void {
  for (let after = 0; ; ) {
    const rows = s.all<{
      seq: number;
      agent_id: string | null;
      target_id: string;
      before: string | null;
      after: string | null;
    }>(
      `SELECT seq, agent_id, target_id, before, after FROM events WHERE target_type = 'memory' AND seq > ?
       ORDER BY seq LIMIT ${PAGE}`,
      after,
    );
    for (const row of rows) {
      // Only against the versions of the event's own agent: those are deleted with it, and its
      // events written out first. (A deleted agent's events keep their copies; its memory ids may
      // since belong to an agent imported again.)
      if (row.agent_id === null || !ownVersions(s, row.target_id, row.agent_id)) continue;
      const before = lean(s, row.target_id, row.before);
      const afterValue = lean(s, row.target_id, row.after);
      if (before !== row.before || afterValue !== row.after)
        s.run("UPDATE events SET before = ?, after = ? WHERE seq = ?", before, afterValue, row.seq);
    }
    if (rows.length < PAGE) return;
    after = (rows.at(-1) as { seq: number }).seq;
  }
}

function ownVersions(s: Statements, memoryId: string, agentId: string): boolean {
  return (
    s.get("SELECT 1 FROM memory_versions WHERE memory_id = ? AND agent_id = ? LIMIT 1", memoryId, agentId) !==
    undefined
  );
}

/**
 * A memory event's stored before/after in the lean form: a reference to the version it records (a
 * memory's own version, or the next one, which a deletion records), or unchanged when none reads
 * back exactly.
 */
function lean(s: Statements, memoryId: string, stored: string | null): string | null {
  if (stored === null || stored === "null") return null;
  if (isRef(stored) || !stored.startsWith("{")) return stored;
  const value = JSON.parse(stored) as Memory;
  if (!Number.isSafeInteger(value.version)) return stored;
  let best = stored;
  for (const version of [value.version, value.version + 1]) {
    const ref = refAgainst(value, readVersionMemory(s, memoryId, version), version);
    if (isRef(ref) && ref.length < best.length) best = ref;
  }
  return best;
}
