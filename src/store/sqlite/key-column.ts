import type { DatabaseSync } from "node:sqlite";

/**
 * Adds the memories' `key` column (migration 15) when it is missing. The conversion of migration 13
 * reads memory rows with today's columns, so a database older than both gets the column there first;
 * migration 15 then finds it and only adds its index.
 */
export function ensureKeyColumn(db: DatabaseSync): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('memories')").all() as { name: string }[];
  if (!columns.some((c) => c.name === "key")) db.exec("ALTER TABLE memories ADD COLUMN key TEXT");
}
