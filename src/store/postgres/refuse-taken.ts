import { ConflictError } from "../../core/errors.ts";
import type { Sql } from "./pg-database.ts";

/**
 * Fails with ConflictError naming the first of `ids` already in `table` (as a `what`): an import
 * keeps its items' ids, and must not take one another item has.
 */
export async function refuseTaken(
  tx: Sql,
  table: string,
  what: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  const taken = await tx.get<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::text[]) LIMIT 1`, [
    ids,
  ]);
  if (taken !== undefined) throw new ConflictError(`${what} ${taken.id} already exists in this database`);
}
