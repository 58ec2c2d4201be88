import { z } from "zod";
import { instantProblem, parseInstant } from "../clock.ts";
import { InvalidInputError } from "../errors.ts";
import { findInputProblem, MAX_FILTER_DEPTH } from "../input-limits.ts";
import {
  type BuiltinField,
  FILTER_OPERATORS,
  type FilterCondition,
  type FilterField,
  type FilterNode,
  type FilterOperator,
  type FilterScalar,
  filterMentions,
} from "./filter-ast.ts";

/**
 * A filter as callers write it, in the shape Mem0 users know: `{"metadata.topic": "billing"}`,
 * `{"importance": {"gte": 0.8}}`, `{"OR": [{…}, {…}]}`, `{"NOT": {…}}`. Several keys in one object
 * must all hold.
 */
export type FilterInput = Record<string, unknown>;

/** Most conditions one filter may hold, so that its SQL stays small. */
export const MAX_FILTER_CONDITIONS = 100;
/** Most values of one `in` / `nin` list. */
export const MAX_FILTER_LIST = 100;
/** Most keys of a metadata path (`metadata.a.b.c` has three). */
export const MAX_METADATA_PATH = 8;

/** The built-in fields of a memory a filter may name. */
export const MEMORY_FILTER_FIELDS: Readonly<Record<string, BuiltinField>> = {
  kind: { type: "text", nullable: false },
  tags: { type: "tags", nullable: false },
  userId: { type: "text", nullable: true },
  importance: { type: "number", nullable: false },
  createdAt: { type: "time", nullable: false },
  validFrom: { type: "time", nullable: true },
  validTo: { type: "time", nullable: true },
  key: { type: "text", nullable: true },
};

/** The built-in fields of a message a filter may name. */
export const MESSAGE_FILTER_FIELDS: Readonly<Record<string, BuiltinField>> = {
  role: { type: "text", nullable: false },
  userId: { type: "text", nullable: true },
  sessionId: { type: "text", nullable: true },
  createdAt: { type: "time", nullable: false },
};

/** The built-in fields of an episode a filter may name. */
export const EPISODE_FILTER_FIELDS: Readonly<Record<string, BuiltinField>> = {
  task: { type: "text", nullable: false },
  status: { type: "text", nullable: false },
  totalReward: { type: "number", nullable: false },
  createdAt: { type: "time", nullable: false },
  finishedAt: { type: "time", nullable: true },
};

/** A filter the parser refused: where (a path of keys and indexes) and why. */
class FilterProblem extends Error {
  readonly path: (string | number)[];
  constructor(path: (string | number)[], message: string) {
    super(message);
    this.path = path;
  }
}

/**
 * A zod schema that parses a filter over the given built-in fields (and `metadata.*`) into its typed
 * form, with an issue naming the place and the problem for anything it refuses: an unknown field or
 * operator, a value of the wrong type for the field or operator, nesting deeper than
 * MAX_FILTER_DEPTH, or more than MAX_FILTER_CONDITIONS conditions.
 */
export function filterSchema(fields: Readonly<Record<string, BuiltinField>>) {
  return z.record(z.string(), z.unknown()).transform((value, ctx): FilterNode => {
    try {
      return parseFilter(value, fields);
    } catch (error) {
      if (!(error instanceof FilterProblem)) throw error;
      ctx.issues.push({ code: "custom", message: error.message, path: error.path, input: value });
      return z.NEVER;
    }
  });
}

/** Parses a filter (see `filterSchema`). @throws FilterProblem */
function parseFilter(value: FilterInput, fields: Readonly<Record<string, BuiltinField>>): FilterNode {
  // Before recursing: the parser's own depth limit is far lower, but an input of any depth must not
  // reach it by way of a value it does not look into.
  const tooDeep = findInputProblem(value, MAX_FILTER_DEPTH * 2 + 4);
  if (tooDeep?.kind === "too_deep")
    throw new FilterProblem([], `nested deeper than ${MAX_FILTER_DEPTH} levels of AND, OR and NOT`);
  const state = { fields, conditions: 0 };
  return parseNode(value, [], 0, state);
}

interface ParseState {
  fields: Readonly<Record<string, BuiltinField>>;
  conditions: number;
}

function parseNode(value: unknown, path: (string | number)[], depth: number, state: ParseState): FilterNode {
  if (depth > MAX_FILTER_DEPTH)
    throw new FilterProblem(path, `nested deeper than ${MAX_FILTER_DEPTH} levels of AND, OR and NOT`);
  if (!isPlainObject(value)) throw new FilterProblem(path, "must be an object of conditions");
  const keys = Object.keys(value);
  if (keys.length === 0) throw new FilterProblem(path, "must hold at least one condition");
  const parts = keys.map((key) => parseEntry(key, value[key], [...path, key], depth, state));
  return parts.length === 1 ? (parts[0] as FilterNode) : { type: "and", children: parts };
}

function parseEntry(
  key: string,
  value: unknown,
  path: (string | number)[],
  depth: number,
  state: ParseState,
): FilterNode {
  if (key === "AND" || key === "OR") {
    if (!Array.isArray(value) || value.length === 0)
      throw new FilterProblem(path, "must be a non-empty list of filters");
    const children = value.map((child, i) => parseNode(child, [...path, i], depth + 1, state));
    return { type: key === "AND" ? "and" : "or", children };
  }
  if (key === "NOT") return { type: "not", child: parseNode(value, path, depth + 1, state) };
  const field = parseField(key, path, state.fields);
  const spec = field.kind === "builtin" ? state.fields[field.name] : undefined;
  if (!isPlainObject(value)) return condition(field, spec, "eq", value, path, state);
  const ops = Object.keys(value);
  if (ops.length === 0) throw new FilterProblem(path, "must hold at least one operator");
  const parts = ops.map((op) => {
    if (!(FILTER_OPERATORS as readonly string[]).includes(op))
      throw new FilterProblem([...path, op], `unknown operator: use one of ${FILTER_OPERATORS.join(", ")}`);
    return condition(field, spec, op as FilterOperator, value[op], [...path, op], state);
  });
  return parts.length === 1 ? (parts[0] as FilterNode) : { type: "and", children: parts };
}

function parseField(
  key: string,
  path: (string | number)[],
  fields: Readonly<Record<string, BuiltinField>>,
): FilterField {
  if (key.startsWith("metadata.")) {
    const keys = key.slice("metadata.".length).split(".");
    if (keys.length > MAX_METADATA_PATH)
      throw new FilterProblem(path, `a metadata path may have at most ${MAX_METADATA_PATH} keys`);
    for (const part of keys) {
      if (!METADATA_KEY.test(part))
        throw new FilterProblem(
          path,
          "each key of a metadata path must be 1 to 128 characters, with no quote, backslash or control character",
        );
    }
    return { kind: "metadata", path: keys };
  }
  if (Object.hasOwn(fields, key)) return { kind: "builtin", name: key };
  throw new FilterProblem(
    path,
    `unknown field: use metadata.KEY, one of ${Object.keys(fields).join(", ")}, or AND, OR, NOT`,
  );
}

// A key is quoted in the JSON path the store builds, which has no escape for a quote.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const METADATA_KEY = /^[^"\\\u0000-\u001f]{1,128}$/;

function condition(
  field: FilterField,
  spec: BuiltinField | undefined,
  op: FilterOperator,
  raw: unknown,
  path: (string | number)[],
  state: ParseState,
): FilterCondition {
  state.conditions++;
  if (state.conditions > MAX_FILTER_CONDITIONS)
    throw new FilterProblem(path, `a filter may hold at most ${MAX_FILTER_CONDITIONS} conditions`);
  if (op === "exists") {
    if (typeof raw !== "boolean") throw new FilterProblem(path, "must be true or false");
    if (spec !== undefined && !spec.nullable && spec.type !== "tags")
      throw new FilterProblem(path, "this field is always set: exists does not apply");
    return { type: "condition", field, op, value: raw };
  }
  if (op === "in" || op === "nin") {
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_FILTER_LIST)
      throw new FilterProblem(path, `must be a list of 1 to ${MAX_FILTER_LIST} values`);
    const values = raw.map((item, i) => scalar(spec, "eq", item, [...path, i]));
    return { type: "condition", field, op, value: values };
  }
  return { type: "condition", field, op, value: scalar(spec, op, raw, path) };
}

/** Checks one value against the field's type and the operator; returns it as compared (times in UTC). */
function scalar(
  spec: BuiltinField | undefined,
  op: FilterOperator,
  value: unknown,
  path: (string | number)[],
): FilterScalar {
  if (Array.isArray(value)) throw new FilterProblem(path, "must be a single value: use in for a list");
  if (isPlainObject(value)) throw new FilterProblem(path, "must be a value, not an object");
  if (typeof value === "number" && !Number.isFinite(value))
    throw new FilterProblem(path, "must be a finite number");
  if (!isScalar(value)) throw new FilterProblem(path, "must be a string, number, boolean or null");
  const ordered = op === "gt" || op === "gte" || op === "lt" || op === "lte";
  if (spec === undefined) {
    if (ordered && typeof value !== "number" && typeof value !== "string")
      throw new FilterProblem(path, `must be a number or a string to compare with ${op}`);
    return value;
  }
  if (value === null) {
    if (!spec.nullable || (op !== "eq" && op !== "ne")) throw new FilterProblem(path, nullMessage(spec, op));
    return null;
  }
  switch (spec.type) {
    case "number":
      if (op === "contains") throw new FilterProblem(path, "contains does not apply to a number");
      if (typeof value !== "number")
        throw new FilterProblem(path, `must be a number, got ${typeName(value)}`);
      return value;
    case "time": {
      if (op === "contains") throw new FilterProblem(path, "contains does not apply to a time");
      const time = typeof value === "string" ? parseInstant(value) : undefined;
      if (time === undefined) throw new FilterProblem(path, instantProblem(value));
      return time;
    }
    case "tags":
      if (ordered) throw new FilterProblem(path, `${op} does not apply to tags`);
      if (typeof value !== "string")
        throw new FilterProblem(path, `must be a string, got ${typeName(value)}`);
      return value;
    default:
      if (typeof value !== "string")
        throw new FilterProblem(path, `must be a string, got ${typeName(value)}`);
      return value;
  }
}

function nullMessage(spec: BuiltinField, op: FilterOperator): string {
  if (!spec.nullable) return "must not be null: this field is always set";
  return `null compares only with eq and ne, not ${op}`;
}

function isScalar(value: unknown): value is FilterScalar {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function typeName(value: unknown): string {
  return value === null ? "null" : typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A memory filter's schema: built-in memory fields and `metadata.*`. */
export const memoryFilterSchema = filterSchema(MEMORY_FILTER_FIELDS);
/** An episode filter's schema: built-in episode fields and `metadata.*`. */
export const episodeFilterSchema = filterSchema(EPISODE_FILTER_FIELDS);
/** A message filter's schema: built-in message fields and `metadata.*`. */
export const messageFilterSchema = filterSchema(MESSAGE_FILTER_FIELDS);

/**
 * A filter's conditions on validFrom or validTo replace `validAt` (the instant a fact must hold at):
 * a request with both is refused rather than one silently ignored.
 * @throws InvalidInputError naming `what`
 */
export function checkFilterValidity(
  filter: FilterNode | undefined,
  validAt: string | undefined,
  what: string,
): void {
  if (filter === undefined || validAt === undefined) return;
  if (filterMentions(filter, ["validFrom", "validTo"]))
    throw new InvalidInputError(
      `invalid ${what}: filter: a condition on validFrom or validTo replaces validAt: give one or the other`,
    );
}

/**
 * A search filter applies to messages too when they are searched: it may then name only the fields
 * messages have.
 * @throws InvalidInputError naming `what` and the first field messages lack
 */
export function checkMessageFilter(filter: FilterNode | undefined, what: string): void {
  if (filter === undefined) return;
  const memoryOnly = Object.keys(MEMORY_FILTER_FIELDS).filter(
    (name) => !Object.hasOwn(MESSAGE_FILTER_FIELDS, name),
  );
  const named = memoryOnly.find((name) => filterMentions(filter, [name]));
  if (named !== undefined)
    throw new InvalidInputError(
      `invalid ${what}: filter: messages have no ${named}: search memories alone to filter on it`,
    );
}

/** A filter as it travels in a JSON body: an object, checked in full by the service it reaches. */
export const filterInput = z.record(z.string(), z.unknown(), { error: "must be an object of conditions" });

/**
 * A filter as JSON text (a query parameter, a command-line flag), read into its object form; the
 * service it reaches checks the rest.
 */
export const filterText = z
  .string()
  .max(20_000, "must be at most 20,000 characters")
  .transform((text, ctx): FilterInput => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.issues.push({ code: "custom", message: "must be a JSON object of conditions", input: text });
      return z.NEVER;
    }
    if (!isPlainObject(value)) {
      ctx.issues.push({ code: "custom", message: "must be a JSON object of conditions", input: text });
      return z.NEVER;
    }
    return value;
  });
