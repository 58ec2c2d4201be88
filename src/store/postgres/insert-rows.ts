import type { Sql } from "./pg-database.ts";

/** PostgreSQL's limit on one statement's parameters. */
const MAX_PARAMETERS = 65_535;

/** Multi-row `INSERT … VALUES` statements for `rows`, as few as the parameter limit allows. */
function statements(
  into: string,
  rows: readonly (readonly unknown[])[],
  suffix: string,
): { text: string; params: unknown[] }[] {
  const width = rows[0]?.length ?? 0;
  if (width === 0) return [];
  const perStatement = Math.floor(MAX_PARAMETERS / width);
  const out: { text: string; params: unknown[] }[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const first = params.length;
      params.push(...row);
      return `(${row.map((_, c) => `$${first + c + 1}`).join(", ")})`;
    });
    out.push({ text: `INSERT INTO ${into} VALUES ${tuples.join(", ")} ${suffix}`, params });
  }
  return out;
}

/**
 * Inserts rows with multi-row `VALUES` statements, as few as the parameter limit allows.
 * `into` is `table (col, …)`; `suffix` follows the values (e.g. `ON CONFLICT DO NOTHING`).
 * Returns how many rows were inserted.
 */
export async function insertRows(
  sql: Sql,
  into: string,
  rows: readonly (readonly unknown[])[],
  suffix = "",
): Promise<number> {
  let inserted = 0;
  for (const { text, params } of statements(into, rows, suffix)) inserted += await sql.run(text, params);
  return inserted;
}

/** As `insertRows`, returning what `returning` (e.g. `RETURNING rowid, id`) names of each row. */
export async function insertReturning<T>(
  sql: Sql,
  into: string,
  rows: readonly (readonly unknown[])[],
  returning: string,
): Promise<T[]> {
  const out: T[] = [];
  for (const { text, params } of statements(into, rows, returning))
    out.push(...(await sql.all<T>(text, params)));
  return out;
}

/** A column `insertColumns` writes: its name and the SQL type of one of its values. */
export type TypedColumn = readonly [name: string, type: string];

/**
 * Inserts rows with one statement however many there are: each column's values travel as one
 * array parameter, unnested in order (so identities are given in the rows' order). Its text is the
 * same for any number of rows, so it is kept prepared, and PostgreSQL parses a few arrays instead
 * of a statement with a placeholder per value (several times faster for a thousand rows).
 * `suffix` follows the rows (e.g. `RETURNING rowid, id`); returns the rows it returns.
 */
export async function insertColumns<T>(
  sql: Sql,
  table: string,
  columns: readonly TypedColumn[],
  rows: readonly (readonly unknown[])[],
  suffix = "",
): Promise<T[]> {
  if (rows.length === 0) return [];
  const params: unknown[] = [];
  return sql.all<T>(`${columnsInsert(table, columns, rows, params)} ${suffix}`, params, { prepare: true });
}

/**
 * The statement `insertColumns` runs (without a suffix), binding its arrays into `params` after
 * those already there: to compose it with others into one statement. With `joined` (a one-row
 * relation, e.g. a CTE's name), each row is drawn through a join with it, so none is inserted
 * before that relation has been computed.
 */
export function columnsInsert(
  table: string,
  columns: readonly TypedColumn[],
  rows: readonly (readonly unknown[])[],
  params: unknown[],
  joined?: string,
): string {
  const first = params.length;
  const names = columns.map(([name]) => name).join(", ");
  const arrays = columns.map(([, type], c) => `$${first + c + 1}::${type}[]`).join(", ");
  params.push(...columnArrays(rows, columns.length));
  const source =
    joined === undefined ? `* FROM unnest(${arrays})` : `u.* FROM ${joined}, unnest(${arrays}) AS u`;
  return `INSERT INTO ${table} (${names}) SELECT ${source}`;
}

/** Rows of `width` values as `width` arrays, one per column: parameters for `unnest`. */
export function columnArrays(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  return Array.from({ length: width }, (_, c) => rows.map((row) => row[c]));
}
