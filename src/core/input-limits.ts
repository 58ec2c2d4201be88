import { InvalidInputError } from "./errors.ts";

/**
 * How deeply a free-form JSON value (`metadata` and the like) may nest: `{}` is one level, `{"a":[1]}`
 * two. Deeper values are refused where they enter, so nothing downstream (JSON.stringify, cloning,
 * hashing) can run out of stack on them.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * How deeply a whole input (a request body, a tool call's arguments, a file) may nest: a free-form
 * value at its limit inside the input's own structure (an export document holds a memory version's
 * metadata seven levels down).
 */
export const MAX_INPUT_DEPTH = 2 * MAX_JSON_DEPTH;

/** How deeply the AND, OR and NOT of a metadata filter may nest. */
export const MAX_FILTER_DEPTH = 8;

/** The most characters of an end user's id, on memories and messages alike. */
export const MAX_USER_ID = 256;

/** The most characters of a conversation session's id. */
export const MAX_SESSION_ID = 200;

/** One thing wrong with an input: where (a path of keys and indexes) and what. */
export interface InputProblem {
  kind: "too_deep" | "unstorable_character";
  path: (string | number)[];
  message: string;
}

/**
 * Why `text` cannot be stored as it is: it holds a lone surrogate (half of a UTF-16 pair), which
 * UTF-8 cannot encode, so storage would silently replace it and hashes taken before would no longer
 * match; or a NUL character (U+0000), which PostgreSQL's text cannot hold (so no backend takes it,
 * and a database can move between backends). Undefined when the text can be stored as it is.
 */
export function unstorableCharacter(text: string): string | undefined {
  // With the u flag a pair is one code point, so only a lone half matches.
  const match = UNSTORABLE.exec(text);
  if (match === null) return undefined;
  if (match[0] === "\u0000") return `contains a NUL character (U+0000) at index ${match.index}`;
  const hex = text.charCodeAt(match.index).toString(16).toUpperCase();
  return `contains a lone surrogate (U+${hex}) at index ${match.index}`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters looked for.
const UNSTORABLE = /[\p{Surrogate}\u0000]/u;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, "gu");

/**
 * Text engram writes itself (a model's answer, an error, a cut excerpt) made to pass the checks above:
 * at most `max` UTF-16 units, never ending in half a pair, any lone surrogate or NUL replaced by U+FFFD.
 */
export function wellFormedPrefix(text: string, max = text.length): string {
  let end = Math.min(max, text.length);
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end).replace(UNSTORABLE_ALL, "\uFFFD");
}

/**
 * The most characters of one found text a tool result carries (a message may hold 100,000): a
 * search's results would otherwise fill a model's context, or make a reply of many megabytes.
 */
export const MAX_RESULT_TEXT = 4_000;

/** A text as a tool result shows it: cut at MAX_RESULT_TEXT, saying so and how long it is. */
export function resultText(text: string): { text: string; truncated?: true; chars?: number } {
  if (text.length <= MAX_RESULT_TEXT) return { text };
  return { text: wellFormedPrefix(text, MAX_RESULT_TEXT), truncated: true, chars: text.length };
}

/**
 * The first problem of an input: a string or key with a lone surrogate or a NUL, or nesting deeper than
 * `maxDepth`. Walks with its own stack, so no depth of input can overflow it. Only plain objects and
 * arrays are entered (a library caller may pass a model or a function among the options).
 */
export function findInputProblem(value: unknown, maxDepth: number): InputProblem | undefined {
  const stack: Visit[] = [{ value, key: undefined, parent: undefined, depth: 0 }];
  const seen = new Set<object>();
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const current = visit.value;
    if (typeof current === "string") {
      const problem = unstorableCharacter(current);
      if (problem !== undefined)
        return { kind: "unstorable_character", path: pathOf(visit), message: problem };
      continue;
    }
    if (!isContainer(current) || seen.has(current)) continue;
    seen.add(current);
    if (visit.depth >= maxDepth)
      return { kind: "too_deep", path: pathOf(visit), message: `nested deeper than ${maxDepth} levels` };
    if (!Array.isArray(current)) {
      for (const key of Object.keys(current)) {
        const problem = unstorableCharacter(key);
        if (problem !== undefined)
          return { kind: "unstorable_character", path: pathOf(visit), message: `a key ${problem}` };
      }
    }
    // Pushed in reverse, so the first problem in reading order is the one reported.
    const entries: [string | number, unknown][] = Array.isArray(current)
      ? current.map((child, i) => [i, child])
      : Object.entries(current);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [string | number, unknown];
      stack.push({ value: child, key, parent: visit, depth: visit.depth + 1 });
    }
  }
  return undefined;
}

/** A value to look at, linked to its container (paths are built only for the problem reported). */
interface Visit {
  value: unknown;
  key: string | number | undefined;
  parent: Visit | undefined;
  depth: number;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * Refuses an input that nests deeper than MAX_INPUT_DEPTH or holds a lone surrogate anywhere, with
 * an InvalidInputError naming `what` and the field, e.g.
 * `invalid commit: message: contains a lone surrogate (U+D800) at index 5`.
 */
export function checkInput(value: unknown, what: string): void {
  const problem = findInputProblem(value, MAX_INPUT_DEPTH);
  if (problem === undefined) return;
  const where = describePath(problem.path);
  throw new InvalidInputError(`invalid ${what}: ${where === "" ? "" : `${where}: `}${problem.message}`, {
    details: { issues: [{ path: problem.path.join("."), message: problem.message }] },
  });
}

/** A path as `a.b.0`; a long one (deep nesting) shortened to its first steps. */
export function describePath(path: readonly (string | number)[]): string {
  const shown = path.slice(0, 6).join(".");
  return path.length > 6 ? `${shown}…` : shown;
}

function isContainer(value: unknown): value is object {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
