import type {
  BuiltinField,
  FilterCondition,
  FilterNode,
  FilterScalar,
} from "../../core/filter/filter-ast.ts";
import {
  EPISODE_FILTER_FIELDS,
  MEMORY_FILTER_FIELDS,
  MESSAGE_FILTER_FIELDS,
} from "../../core/filter/filter-parse.ts";
import type { Bind, SqlDialect } from "./sql-dialect.ts";

/** Where a table (aliased `m`) keeps what a filter's fields name; the same on every backend. */
export interface FilterTable {
  /** The JSON column of `metadata.*`. */
  metadata: string;
  /** Each built-in field's column; a `time` field with `ms` is compared as milliseconds since the epoch. */
  columns: Readonly<Record<string, { column: string; ms?: boolean }>>;
  fields: Readonly<Record<string, BuiltinField>>;
}

export const MEMORY_FILTER_TABLE: FilterTable = {
  metadata: "m.metadata",
  columns: {
    kind: { column: "m.kind" },
    tags: { column: "m.tags" },
    userId: { column: "m.user_id" },
    importance: { column: "m.importance" },
    createdAt: { column: "m.created_ms", ms: true },
    validFrom: { column: "m.valid_from" },
    validTo: { column: "m.valid_to" },
    key: { column: "m.key" },
  },
  fields: MEMORY_FILTER_FIELDS,
};

export const MESSAGE_FILTER_TABLE: FilterTable = {
  metadata: "m.metadata",
  columns: {
    role: { column: "m.role" },
    userId: { column: "m.user_id" },
    sessionId: { column: "m.session_id" },
    createdAt: { column: "m.created_ms", ms: true },
  },
  fields: MESSAGE_FILTER_FIELDS,
};

/** Episodes are queried without an alias; their times are ISO text, which compares as time. */
export const EPISODE_FILTER_TABLE: FilterTable = {
  metadata: "episodes.metadata",
  columns: {
    task: { column: "episodes.task" },
    status: { column: "episodes.status" },
    totalReward: { column: "episodes.total_reward" },
    createdAt: { column: "episodes.created_at" },
    finishedAt: { column: "episodes.finished_at" },
  },
  fields: EPISODE_FILTER_FIELDS,
};

/**
 * A filter as one SQL condition in `dialect`, its values bound through `bind`. Every part is true or
 * false, never NULL (a missing key is simply not equal), so NOT and `ne` mean exactly "not". Metadata
 * comparisons check the JSON type first: the string `"2"` does not equal the number `2`, and `true`
 * is not `1`.
 */
export function compileFilter(node: FilterNode, table: FilterTable, dialect: SqlDialect, bind: Bind): string {
  switch (node.type) {
    case "and":
      return `(${node.children.map((child) => compileFilter(child, table, dialect, bind)).join(" AND ")})`;
    case "or":
      return `(${node.children.map((child) => compileFilter(child, table, dialect, bind)).join(" OR ")})`;
    case "not":
      return `(NOT ${compileFilter(node.child, table, dialect, bind)})`;
    default:
      return dialect.known(leaf(node, table, dialect, bind));
  }
}

function leaf(c: FilterCondition, table: FilterTable, dialect: SqlDialect, bind: Bind): string {
  if (c.field.kind === "metadata") return metadataCondition(c, table.metadata, c.field.path, dialect, bind);
  const name = c.field.name;
  const column = table.columns[name];
  const spec = table.fields[name];
  if (column === undefined || spec === undefined) throw new Error(`no column for filter field ${name}`);
  const value = (v: FilterScalar): string | number =>
    column.ms === true
      ? Date.parse(v as string)
      : typeof v === "boolean"
        ? Number(v)
        : (v as string | number);
  if (spec.type === "tags") return tagsCondition(c, column.column, dialect, bind);
  const col = column.column;
  const equal = (v: FilterScalar): string =>
    v === null ? `(${col} IS NULL)` : `(${col} = ${bind(value(v))})`;
  const equality = equalityCondition(c, dialect, equal);
  if (equality !== undefined) return equality;
  switch (c.op) {
    case "exists":
      return c.value === true ? `(${col} IS NOT NULL)` : `(${col} IS NULL)`;
    case "contains":
      return `(${dialect.substring(col, bind(c.value as string))})`;
    default:
      return `(${col} ${ORDER[c.op as Order]} ${bind(value(c.value as FilterScalar))})`;
  }
}

const ORDER = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;
type Order = keyof typeof ORDER;

/**
 * `eq`, `ne`, `in` and `nin` from a field's own equality test (undefined for other operators). A
 * negation is true where the test is unknown (the field missing), so records without it match.
 */
function equalityCondition(
  c: FilterCondition,
  dialect: SqlDialect,
  equal: (v: FilterScalar) => string,
): string | undefined {
  switch (c.op) {
    case "eq":
      return equal(c.value as FilterScalar);
    case "ne":
      return `(NOT ${dialect.known(equal(c.value as FilterScalar))})`;
    case "in":
      return `(${(c.value as FilterScalar[]).map(equal).join(" OR ")})`;
    case "nin":
      return `(NOT ${dialect.known(`(${(c.value as FilterScalar[]).map(equal).join(" OR ")})`)})`;
    default:
      return undefined;
  }
}

function tagsCondition(c: FilterCondition, column: string, dialect: SqlDialect, bind: Bind): string {
  const has = (tag: FilterScalar): string => dialect.hasElement(column, bind(tag as string));
  switch (c.op) {
    case "eq":
    case "contains":
      return has(c.value as FilterScalar);
    case "ne":
      return `(NOT ${has(c.value as FilterScalar)})`;
    case "in":
      return `(${(c.value as FilterScalar[]).map(has).join(" OR ")})`;
    case "nin":
      return `(NOT (${(c.value as FilterScalar[]).map(has).join(" OR ")}))`;
    case "exists":
      return `(${dialect.arrayLength(column)} ${c.value === true ? ">" : "="} 0)`;
    default:
      throw new Error(`${c.op} does not apply to tags`);
  }
}

function metadataCondition(
  c: FilterCondition,
  column: string,
  path: readonly string[],
  dialect: SqlDialect,
  bind: Bind,
): string {
  const json = dialect.json;
  const equal = (v: FilterScalar): string =>
    v === null || typeof v === "boolean"
      ? `(${json.isLiteral(column, path, v, bind)})`
      : `(${json.compare(column, path, "=", v, bind)})`;
  const equality = equalityCondition(c, dialect, equal);
  if (equality !== undefined) return equality;
  switch (c.op) {
    case "exists":
      return `(${json.exists(column, path, c.value === true, bind)})`;
    case "contains": {
      const v = c.value as FilterScalar;
      if (typeof v !== "string") return `(${json.hasElement(column, path, v, bind)})`;
      // A string value holds it as a substring; a list holds it as an element of the same JSON type.
      // (Bound in the order the text reads: positional `?` parameters depend on it.)
      const substring = json.hasSubstring(column, path, v, bind);
      return `((${substring}) OR (${json.hasElement(column, path, v, bind)}))`;
    }
    default:
      return `(${json.compare(column, path, ORDER[c.op as Order], c.value as string | number, bind)})`;
  }
}
