import type { Sql } from "./pg-database.ts";

/** PostgreSQL's limit on one statement's parameters. */
const MAX_PARAMETERS = 65_535;

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
  const width = rows[0]?.length ?? 0;
  if (width === 0) return 0;
  const perStatement = Math.floor(MAX_PARAMETERS / width);
  let inserted = 0;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const first = params.length;
      params.push(...row);
      return `(${row.map((_, c) => `$${first + c + 1}`).join(", ")})`;
    });
    inserted += await sql.run(`INSERT INTO ${into} VALUES ${tuples.join(", ")} ${suffix}`, params);
  }
  return inserted;
}
