import type { Sql } from "./pg-database.ts";

/** PostgreSQL takes at most 65,535 parameters in one statement. */
const MAX_PARAMETERS = 65_535;

/**
 * Inserts rows given flat (`width` values each, in the column order of `head`) with multi-row
 * `INSERT … VALUES (…), (…)` statements, as many rows to a statement as the parameter limit allows.
 * `tail` follows the values (e.g. `RETURNING …`); the rows it returns come back in order.
 */
export async function insertValues<T = never>(
  tx: Sql,
  head: string,
  width: number,
  values: readonly unknown[],
  tail = "",
): Promise<T[]> {
  const rows = values.length / width;
  const perStatement = Math.floor(MAX_PARAMETERS / width);
  const out: T[] = [];
  for (let start = 0; start < rows; start += perStatement) {
    const count = Math.min(perStatement, rows - start);
    const tuples: string[] = [];
    for (let r = 0; r < count; r++) {
      tuples.push(`(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(", ")})`);
    }
    const chunk = values.slice(start * width, (start + count) * width);
    const sql = `${head} VALUES ${tuples.join(", ")} ${tail}`;
    if (tail === "") await tx.run(sql, chunk);
    else out.push(...(await tx.all<T>(sql, chunk)));
  }
  return out;
}
