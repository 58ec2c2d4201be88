import type { SQLInputValue } from "node:sqlite";
import type { Statements } from "./statements.ts";

/** Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters for the widest table. */
const ROWS_PER_STATEMENT = 64;

/**
 * Inserts rows given flat (`width` values each) with multi-row `INSERT … VALUES (…), (…)`
 * statements: one statement step per 64 rows instead of one per row. Statements are prepared once
 * per size and reused. `tail` follows the values (an upsert's `ON CONFLICT …` clause: the rows
 * must then be distinct in their conflict target, as an upsert may not touch one row twice).
 *
 * Not for FTS5 tables (see `insertEachRow`): a statement that writes several rows opens a statement
 * savepoint, and FTS5 writes the terms it holds in memory to a new segment at every savepoint.
 */
export function insertRows(
  s: Statements,
  head: string,
  width: number,
  values: readonly SQLInputValue[],
  tail = "",
): void {
  const rows = values.length / width;
  for (let start = 0; start < rows; start += ROWS_PER_STATEMENT) {
    const count = Math.min(ROWS_PER_STATEMENT, rows - start);
    const chunk =
      start === 0 && count === rows ? values : values.slice(start * width, (start + count) * width);
    s.prepare(`${head} VALUES ${placeholders(width, count)}${tail}`).run(...chunk);
  }
}

/**
 * Inserts rows given flat with one single-row statement each. For FTS5 tables: single-row inserts
 * open no savepoint, so FTS5 keeps a batch's terms in memory and writes them as one segment when
 * the transaction commits (1,000 memories: 8 µs a row in 64-row statements, 5 µs one by one).
 */
export function insertEachRow(
  s: Statements,
  head: string,
  width: number,
  values: readonly SQLInputValue[],
): void {
  const statement = s.prepare(`${head} VALUES ${placeholders(width, 1)}`);
  if (values.length === width) {
    statement.run(...values);
    return;
  }
  const row: SQLInputValue[] = new Array(width);
  for (let start = 0; start < values.length; start += width) {
    for (let i = 0; i < width; i++) row[i] = values[start + i] as SQLInputValue;
    statement.run(...row);
  }
}

const cache = new Map<string, string>();

function placeholders(width: number, count: number): string {
  const key = `${width}x${count}`;
  let sql = cache.get(key);
  if (sql === undefined) {
    const row = `(${Array.from({ length: width }, () => "?").join(", ")})`;
    sql = Array.from({ length: count }, () => row).join(", ");
    cache.set(key, sql);
  }
  return sql;
}
