/**
 * The typed form of a metadata filter, as the parser leaves it and the stores compile it. A filter
 * is a tree of conditions on fields joined by `and`, `or` and `not`.
 */

/** A value a condition compares with: JSON scalars only (`"2"` and `2` are different values). */
export type FilterScalar = string | number | boolean | null;

/** The operators of a field condition. */
export const FILTER_OPERATORS = [
  "eq",
  "ne",
  "in",
  "nin",
  "gt",
  "gte",
  "lt",
  "lte",
  "contains",
  "exists",
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/**
 * What a built-in field holds, which decides the operators and values it takes: `text` (kind, role),
 * `number` (importance), `time` (an ISO 8601 instant), `tags` (a list of strings). `nullable`
 * fields may be compared with null and tested with `exists`.
 */
export interface BuiltinField {
  type: "text" | "number" | "time" | "tags";
  nullable: boolean;
}

/** A field a condition is about: one of the entity's built-in fields, or a key path under `metadata`. */
export type FilterField = { kind: "builtin"; name: string } | { kind: "metadata"; path: readonly string[] };

/** One condition: `field op value`. `exists` takes a boolean; `in`/`nin` a list; the rest a scalar. */
export interface FilterCondition {
  type: "condition";
  field: FilterField;
  op: FilterOperator;
  value: FilterScalar | readonly FilterScalar[];
}

/** A parsed filter: conditions joined by AND, OR and NOT. */
export type FilterNode =
  | FilterCondition
  | { type: "and"; children: readonly FilterNode[] }
  | { type: "or"; children: readonly FilterNode[] }
  | { type: "not"; child: FilterNode };

/** Whether a filter has a condition on one of these built-in fields, anywhere in it. */
export function filterMentions(node: FilterNode, names: readonly string[]): boolean {
  switch (node.type) {
    case "condition":
      return node.field.kind === "builtin" && names.includes(node.field.name);
    case "not":
      return filterMentions(node.child, names);
    default:
      return node.children.some((child) => filterMentions(child, names));
  }
}
