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

type Param = string | number;

/** Where a table (aliased `m`) keeps what a filter's fields name. */
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
 * A filter as one SQL condition with its parameters. Every part is 0 or 1, never NULL (a missing key
 * is simply not equal), so NOT and `ne` mean exactly "not". Metadata comparisons check the JSON type
 * first: the string `"2"` does not equal the number `2`, and `true` is not `1`.
 */
export function filterSql(node: FilterNode, table: FilterTable): { sql: string; params: Param[] } {
  const params: Param[] = [];
  const sql = compile(node, table, params);
  return { sql, params };
}

function compile(node: FilterNode, table: FilterTable, params: Param[]): string {
  switch (node.type) {
    case "and":
      return `(${node.children.map((child) => compile(child, table, params)).join(" AND ")})`;
    case "or":
      return `(${node.children.map((child) => compile(child, table, params)).join(" OR ")})`;
    case "not":
      return `(NOT ${compile(node.child, table, params)})`;
    default:
      return `IFNULL(${leaf(node, table, params)}, 0)`;
  }
}

function leaf(c: FilterCondition, table: FilterTable, params: Param[]): string {
  if (c.field.kind === "metadata")
    return metadataCondition(c, table.metadata, jsonPath(c.field.path), params);
  const name = c.field.name;
  const column = table.columns[name];
  const spec = table.fields[name];
  if (column === undefined || spec === undefined) throw new Error(`no column for filter field ${name}`);
  const value = (v: FilterScalar): Param =>
    column.ms === true ? Date.parse(v as string) : typeof v === "boolean" ? Number(v) : (v as Param);
  if (spec.type === "tags") return tagsCondition(c, column.column, params);
  const col = column.column;
  const equal = (v: FilterScalar): string => {
    if (v === null) return `(${col} IS NULL)`;
    params.push(value(v));
    return `(${col} = ?)`;
  };
  const equality = equalityCondition(c, equal);
  if (equality !== undefined) return equality;
  switch (c.op) {
    case "exists":
      return c.value === true ? `(${col} IS NOT NULL)` : `(${col} IS NULL)`;
    case "contains":
      params.push(c.value as string);
      return `(instr(${col}, ?) > 0)`;
    default:
      params.push(value(c.value as FilterScalar));
      return `(${col} ${ORDER[c.op as keyof typeof ORDER]} ?)`;
  }
}

const ORDER = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

/**
 * `eq`, `ne`, `in` and `nin` from a field's own equality test (undefined for other operators). A
 * negation is true where the test is unknown (the field missing), so records without it match.
 */
function equalityCondition(c: FilterCondition, equal: (v: FilterScalar) => string): string | undefined {
  switch (c.op) {
    case "eq":
      return equal(c.value as FilterScalar);
    case "ne":
      return `(NOT IFNULL(${equal(c.value as FilterScalar)}, 0))`;
    case "in":
      return `(${(c.value as FilterScalar[]).map(equal).join(" OR ")})`;
    case "nin":
      return `(NOT IFNULL((${(c.value as FilterScalar[]).map(equal).join(" OR ")}), 0))`;
    default:
      return undefined;
  }
}

function tagsCondition(c: FilterCondition, column: string, params: Param[]): string {
  const has = (tag: FilterScalar): string => {
    params.push(tag as string);
    return `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ?)`;
  };
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
      return c.value === true ? `(json_array_length(${column}) > 0)` : `(json_array_length(${column}) = 0)`;
    default:
      throw new Error(`${c.op} does not apply to tags`);
  }
}

/** A JSON path with every key quoted, so that no key is read as path syntax. */
function jsonPath(keys: readonly string[]): string {
  return `$${keys.map((key) => `."${key}"`).join("")}`;
}

function metadataCondition(c: FilterCondition, column: string, path: string, params: Param[]): string {
  const type = (): string => {
    params.push(path);
    return `json_type(${column}, ?)`;
  };
  const extract = (): string => {
    params.push(path);
    return `json_extract(${column}, ?)`;
  };
  const equal = (v: FilterScalar): string => {
    if (v === null || typeof v === "boolean") return `(${type()} = '${jsonType(v)}')`;
    const t = type();
    const x = extract();
    params.push(v);
    return `(${t} ${typeof v === "string" ? "= 'text'" : "IN ('integer', 'real')"} AND ${x} = ?)`;
  };
  const equality = equalityCondition(c, equal);
  if (equality !== undefined) return equality;
  switch (c.op) {
    case "exists":
      return `(${type()} IS ${c.value === true ? "NOT " : ""}NULL)`;
    case "contains":
      return metadataContains(c.value as FilterScalar, column, path, params, type, extract);
    default: {
      const v = c.value as string | number;
      const t = type();
      const x = extract();
      params.push(v);
      return `(${t} ${typeof v === "string" ? "= 'text'" : "IN ('integer', 'real')"} AND ${x} ${ORDER[c.op as keyof typeof ORDER]} ?)`;
    }
  }
}

/** A string value holds it as a substring; a list holds it as an element of the same JSON type. */
function metadataContains(
  v: FilterScalar,
  column: string,
  path: string,
  params: Param[],
  type: () => string,
  extract: () => string,
): string {
  const element = (): string => {
    const t = type();
    params.push(path);
    const match =
      v === null || typeof v === "boolean"
        ? `e.type = '${jsonType(v)}'`
        : `e.type ${typeof v === "string" ? "= 'text'" : "IN ('integer', 'real')"} AND e.value = ?`;
    if (v !== null && typeof v !== "boolean") params.push(v);
    return `(${t} = 'array' AND EXISTS (SELECT 1 FROM json_each(${column}, ?) e WHERE ${match}))`;
  };
  if (typeof v !== "string") return element();
  const t = type();
  const x = extract();
  params.push(v);
  const substring = `(${t} = 'text' AND instr(${x}, ?) > 0)`;
  return `(${substring} OR ${element()})`;
}

function jsonType(v: null | boolean): string {
  return v === null ? "null" : v ? "true" : "false";
}
