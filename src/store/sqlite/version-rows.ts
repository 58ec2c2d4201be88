import type { DatabaseSync } from "node:sqlite";
import { ensureMemoryColumn } from "./key-column.ts";
import type { Statements } from "./statements.ts";

/**
 * Most memories are never changed after they are written, and their whole history is the version
 * that created them, which is exactly their row. Such a version has no row of its own in
 * `memory_versions`: the memory row's `created_by` holds its actor (NULL when the creating version
 * has a row, as it has once the memory changes, and in imported histories), and readers take the
 * version rows through `versionRows`, which adds it back. Before the memory row changes or goes,
 * `writeOutCreation` gives the version its row, in the same transaction.
 */

/** The stored snapshot of a creating version read from the row: no accesses yet (memory-snapshot.ts). */
export const CREATION_SNAPSHOT = "[0,null]";

/**
 * The versions of the memories whose id satisfies `idCondition` (SQL after the id, such as `= ?1`
 * or `IN (SELECT value FROM json_each(?1))`), stored or implied, as a subquery with the columns of
 * `memory_versions` in its order: read it in place of the table. The condition is written into
 * both arms, since SQLite would not push an `IN` through the union and would scan instead.
 */
export function versionRows(idCondition: string): string {
  return `(SELECT memory_id, version, agent_id, operation, actor, snapshot, created_at
      FROM memory_versions WHERE memory_id ${idCondition}
    UNION ALL
    SELECT id, 1, agent_id, 'create', created_by, '${CREATION_SNAPSHOT}', created_at
      FROM memories WHERE id ${idCondition} AND created_by IS NOT NULL)`;
}

/**
 * Gives a memory's implied creating version a row of its own (still a reference to the memory
 * row; `materializeSnapshots` then writes it out in full): called before the row changes or goes.
 */
export function writeOutCreation(s: Statements, memoryId: string): void {
  const { changes } = s.run(
    `INSERT INTO memory_versions (memory_id, version, agent_id, operation, actor, snapshot, created_at)
     SELECT id, 1, agent_id, 'create', created_by, '${CREATION_SNAPSHOT}', created_at
     FROM memories WHERE id = ? AND created_by IS NOT NULL`,
    memoryId,
  );
  if (changes > 0) s.run("UPDATE memories SET created_by = NULL WHERE id = ?", memoryId);
}

/**
 * Adds the memories' `created_by` column (migration 21) when it is missing. The conversion of
 * migration 12 reads versions through `versionRows`, so a database older than both gets the column
 * there first; migration 21 then finds it and converts.
 */
export function ensureCreatedByColumn(db: DatabaseSync): void {
  ensureMemoryColumn(db, "created_by", "TEXT");
}

/**
 * Migration 21's conversion: every creating version that is exactly its memory's row (a reference
 * with no accesses, of the same agent and time) becomes implied by the row; other rows are not
 * rewritten. Both statements run in the migration's transaction, so an interrupted conversion
 * leaves the database as it was.
 */
export const IMPLY_CREATIONS_SQL = `
  UPDATE memories SET created_by = v.actor FROM memory_versions v
  WHERE v.memory_id = memories.id AND v.version = 1 AND v.agent_id = memories.agent_id
    AND v.operation = 'create' AND v.snapshot = '${CREATION_SNAPSHOT}' AND v.created_at = memories.created_at
    AND memories.version = 1 AND memories.created_by IS NULL;
  DELETE FROM memory_versions WHERE version = 1 AND snapshot = '${CREATION_SNAPSHOT}'
    AND memory_id IN (SELECT id FROM memories WHERE created_by IS NOT NULL);
`;
