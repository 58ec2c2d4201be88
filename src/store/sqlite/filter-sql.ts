import type { FilterNode } from "../../core/filter/filter-ast.ts";
import { compileFilter, type FilterTable } from "../sql/filter-sql.ts";
import { positionalBind, type SqlDialect } from "../sql/sql-dialect.ts";

export {
  EPISODE_FILTER_TABLE,
  type FilterTable,
  MEMORY_FILTER_TABLE,
  MESSAGE_FILTER_TABLE,
} from "../sql/filter-sql.ts";

type Param = string | number;

/** A JSON path with every key quoted, so that no key is read as path syntax. */
function jsonPath(keys: readonly string[]): string {
  return `$${keys.map((key) => `."${key}"`).join("")}`;
}

/** SQLite's `json_type` names a value's type; numbers are `integer` or `real`. */
function typeIs(value: string | number): string {
  return typeof value === "string" ? "= 'text'" : "IN ('integer', 'real')";
}

function literal(v: null | boolean): string {
  return v === null ? "null" : v ? "true" : "false";
}

/** SQLite's SQL: conditions are 0 or 1, JSON is read with `json_type`, `json_extract` and `json_each`. */
export const SQLITE_DIALECT: SqlDialect = {
  known: (condition) => `IFNULL(${condition}, 0)`,
  substring: (column, placeholder) => `instr(${column}, ${placeholder}) > 0`,
  hasElement: (column, placeholder) =>
    `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${placeholder})`,
  arrayLength: (column) => `json_array_length(${column})`,
  inList: (column, values, bind) =>
    `${column} IN (SELECT value FROM json_each(${bind(JSON.stringify(values))}))`,
  json: {
    isLiteral: (column, path, v, bind) => `json_type(${column}, ${bind(jsonPath(path))}) = '${literal(v)}'`,
    compare(column, path, op, v, bind) {
      const type = `json_type(${column}, ${bind(jsonPath(path))})`;
      return `${type} ${typeIs(v)} AND json_extract(${column}, ${bind(jsonPath(path))}) ${op} ${bind(v)}`;
    },
    exists: (column, path, present, bind) =>
      `json_type(${column}, ${bind(jsonPath(path))}) IS ${present ? "NOT " : ""}NULL`,
    hasSubstring(column, path, v, bind) {
      const type = `json_type(${column}, ${bind(jsonPath(path))})`;
      return `${type} = 'text' AND instr(json_extract(${column}, ${bind(jsonPath(path))}), ${bind(v)}) > 0`;
    },
    hasElement(column, path, v, bind) {
      const type = `json_type(${column}, ${bind(jsonPath(path))})`;
      const each = `json_each(${column}, ${bind(jsonPath(path))})`;
      const match =
        v === null || typeof v === "boolean"
          ? `e.type = '${literal(v)}'`
          : `e.type ${typeIs(v)} AND e.value = ${bind(v)}`;
      return `${type} = 'array' AND EXISTS (SELECT 1 FROM ${each} e WHERE ${match})`;
    },
  },
};

/** A filter as one SQLite condition (`?` placeholders) with its parameters. */
export function filterSql(node: FilterNode, table: FilterTable): { sql: string; params: Param[] } {
  const params: Param[] = [];
  const sql = compileFilter(node, table, SQLITE_DIALECT, positionalBind(params));
  return { sql, params };
}
