import { EngramError } from "../../core/errors.ts";
import type { Memory } from "../../core/types.ts";
import { OWNER_SQL } from "./event-layout.ts";
import { readVersionMemory } from "./memory-snapshot.ts";
import type { Statements } from "./statements.ts";

/**
 * A memory event's `before` and `after` are the memory as one of its versions records it, so the
 * event stores a reference to that version instead of a second full copy: `@N` (the memory's version
 * N) or `@N{…}` (version N with these top-level fields replaced, e.g. the access count a memory had
 * reached when it was updated). JSON never starts with `@`, so a stored value is unambiguous. The
 * references are resolved on read; before an agent's versions are deleted with it, its events are
 * written out in full (`detachAgentEvents`), since the audit log outlives the agent.
 */

/** Column text for a memory event's before/after that is exactly version `version`'s memory. */
export function versionRef(version: number): string {
  return `@${version}`;
}

/**
 * Column text for `value` against `base` (the memory of version `version`): a reference with the
 * fields that differ, when that reads back as exactly `value`; else `value`'s JSON.
 */
export function refAgainst(value: Memory, base: Memory | undefined, version: number): string {
  const json = JSON.stringify(value);
  if (base === undefined) return json;
  const patch: Record<string, unknown> = {};
  let changed = false;
  const b = base as unknown as Record<string, unknown>;
  for (const [key, field] of Object.entries(value)) {
    if (JSON.stringify(field) !== JSON.stringify(b[key])) {
      patch[key] = field;
      changed = true;
    }
  }
  const resolved = changed ? { ...base, ...patch } : base;
  // Key order and every value must come back the same, or the full copy is kept.
  if (JSON.stringify(resolved) !== json) return json;
  return changed ? `@${version}${JSON.stringify(patch)}` : `@${version}`;
}

/** Whether a stored before/after is a version reference. */
export function isRef(stored: string | null): boolean {
  return stored !== null && stored.charCodeAt(0) === 64; // "@"
}

/** A stored before/after as its value: a reference is resolved against the memory's versions. */
export function readEventValue(s: Statements, memoryId: string, stored: string | null): unknown {
  if (stored === null) return null;
  if (!isRef(stored)) return JSON.parse(stored);
  const brace = stored.indexOf("{");
  const version = Number(brace < 0 ? stored.slice(1) : stored.slice(1, brace));
  const memory = readVersionMemory(s, memoryId, version);
  if (memory === undefined)
    throw new EngramError(
      "internal",
      `an event refers to version ${version} of memory ${memoryId}, which is gone`,
    );
  return brace < 0 ? memory : Object.assign(memory, JSON.parse(stored.slice(brace)));
}

/**
 * Writes out in full the agent's memory events that refer to versions: called before the agent (and
 * with it its memories and their versions) is deleted, in the same transaction.
 */
export function detachAgentEvents(s: Statements, agentId: string): void {
  const rows = s.all<{ seq: number; target_id: string; before: string | null; after: string | null }>(
    `SELECT seq, target_id, before, after FROM events
     WHERE agent = ${OWNER_SQL} AND target_type = 'memory' AND (before LIKE '@%' OR after LIKE '@%')`,
    agentId,
  );
  for (const row of rows) {
    const full = (stored: string | null) =>
      isRef(stored) ? JSON.stringify(readEventValue(s, row.target_id, stored)) : stored;
    s.run(
      "UPDATE events SET before = ?, after = ? WHERE seq = ?",
      full(row.before),
      full(row.after),
      row.seq,
    );
  }
}
