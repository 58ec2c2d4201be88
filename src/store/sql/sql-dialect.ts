/**
 * What differs between the SQL engram's backends speak, for the conditions they share (filters,
 * list conditions): each backend gives one `SqlDialect`, and the shared code writes the rest.
 */

/** Binds a value and returns its placeholder (`?` on SQLite, `$n` on PostgreSQL). */
export type Bind = (value: unknown) => string;

/** JSON tests on a text column holding a JSON object, at a path of object keys. */
export interface JsonDialect {
  /** The value at `path` is JSON `null`, `true` or `false`. */
  isLiteral(column: string, path: readonly string[], value: null | boolean, bind: Bind): string;
  /** The value at `path` has the JSON type of `value` (string or number) and compares with it by `op`. */
  compare(column: string, path: readonly string[], op: string, value: string | number, bind: Bind): string;
  /** Something (JSON `null` included) is, or is not, at `path`. */
  exists(column: string, path: readonly string[], present: boolean, bind: Bind): string;
  /** The value at `path` is a string holding `value`. */
  hasSubstring(column: string, path: readonly string[], value: string, bind: Bind): string;
  /** The value at `path` is an array with an element of `value`'s JSON type equal to it. */
  hasElement(
    column: string,
    path: readonly string[],
    value: string | number | boolean | null,
    bind: Bind,
  ): string;
}

export interface SqlDialect {
  /** A condition that is false, not unknown, where `condition` is NULL. */
  known(condition: string): string;
  /** The text `column` holds the text bound at `placeholder`. */
  substring(column: string, placeholder: string): string;
  /** The JSON array of strings in `column` has the element bound at `placeholder`. */
  hasElement(column: string, placeholder: string): string;
  /** The length of the JSON array in `column`. */
  arrayLength(column: string): string;
  /** `column` is one of `values`. */
  inList(column: string, values: readonly string[], bind: Bind): string;
  json: JsonDialect;
}

/** A binder that collects values into `params` and numbers them `$1`, `$2`… (PostgreSQL). */
export function numberedBind(params: unknown[]): Bind {
  return (value) => {
    params.push(value);
    return `$${params.length}`;
  };
}

/** A binder that collects values into `params` for positional `?` placeholders (SQLite). */
export function positionalBind(params: unknown[]): Bind {
  return (value) => {
    params.push(value);
    return "?";
  };
}
