import type { Bind, SqlDialect } from "../sql/sql-dialect.ts";

/**
 * PostgreSQL's SQL for the conditions engram shares with SQLite. JSON columns are text, read as
 * `json` (which keeps what JSON.stringify wrote, and parses faster than `jsonb`). Keys are walked
 * with `->` and text keys, so a key never indexes an array, as SQLite's quoted paths never do. A cast
 * or set-returning function runs only under a CASE that checked the JSON type first: AND in
 * PostgreSQL does not promise to test its left side first.
 */

/** The JSON value at `path` (SQL NULL when a key is missing), each key bound as text. */
function at(column: string, path: readonly string[], bind: Bind): string {
  return `(${column}::json${path.map((key) => ` -> ${bind(key)}::text`).join("")})`;
}

/** `value` (a JSON scalar, as json) compared with a bound string or number by `op`. */
function compareScalar(value: string, op: string, v: string | number, bind: Bind): string {
  return typeof v === "string"
    ? `json_typeof(${value}) = 'string' AND (${value} #>> '{}') COLLATE "C" ${op} ${bind(v)}::text`
    : `CASE WHEN json_typeof(${value}) = 'number' THEN (${value} #>> '{}')::float8 ${op} ${bind(v)}::float8 ELSE false END`;
}

function isLiteral(value: string, v: null | boolean): string {
  return v === null
    ? `json_typeof(${value}) = 'null'`
    : `json_typeof(${value}) = 'boolean' AND (${value} #>> '{}') = '${v ? "true" : "false"}'`;
}

export const PG_DIALECT: SqlDialect = {
  known: (condition) => `COALESCE(${condition}, false)`,
  substring: (column, placeholder) => `strpos(${column}, ${placeholder}::text) > 0`,
  hasElement: (column, placeholder) =>
    `EXISTS (SELECT 1 FROM json_array_elements_text(${column}::json) t(v) WHERE t.v = ${placeholder}::text)`,
  arrayLength: (column) => `json_array_length(${column}::json)`,
  inList: (column, values, bind) => `${column} = ANY(${bind(values)}::text[])`,
  json: {
    isLiteral: (column, path, v, bind) => isLiteral(at(column, path, bind), v),
    compare: (column, path, op, v, bind) => compareScalar(at(column, path, bind), op, v, bind),
    exists: (column, path, present, bind) => `${at(column, path, bind)} IS ${present ? "NOT " : ""}NULL`,
    hasSubstring(column, path, v, bind) {
      const value = at(column, path, bind);
      return `json_typeof(${value}) = 'string' AND strpos(${value} #>> '{}', ${bind(v)}::text) > 0`;
    },
    hasElement(column, path, v, bind) {
      const value = at(column, path, bind);
      const match =
        v === null || typeof v === "boolean" ? isLiteral("e.v", v) : compareScalar("e.v", "=", v, bind);
      return `CASE WHEN json_typeof(${value}) = 'array' THEN EXISTS (SELECT 1 FROM json_array_elements(${value}) e(v) WHERE ${match}) ELSE false END`;
    },
  },
};
