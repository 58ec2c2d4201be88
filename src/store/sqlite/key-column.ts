import type { DatabaseSync } from "node:sqlite";

/**
 * Adds a column to a table when it is missing: SQLite has no `ADD COLUMN IF NOT EXISTS`, and a
 * migration must be able to run again over what it already did.
 */
export function ensureColumn(db: DatabaseSync, table: string, column: string, type: string): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info(?)").all(table) as { name: string }[];
  if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}

/**
 * Adds a column to `memories` when it is missing. A migration that adds a column and a later
 * conversion that reads memory rows with today's columns both call it, so a database older than
 * both gets the column at whichever runs first.
 */
export function ensureMemoryColumn(db: DatabaseSync, column: string, type: string): void {
  ensureColumn(db, "memories", column, type);
}

/**
 * Adds the memories' `key` column (migration 15) when it is missing. The conversion of migration 13
 * reads memory rows with today's columns, so a database older than both gets the column there first;
 * migration 15 then finds it and only adds its index.
 */
export function ensureKeyColumn(db: DatabaseSync): void {
  ensureMemoryColumn(db, "key", "TEXT");
}
