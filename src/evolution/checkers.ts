import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import { parseInput } from "../core/validation.ts";
import { checkGame24, puzzleNumbers } from "./game24.ts";

/** What a checker makes of an answer: a score in [0, 1] (1 is a pass) and feedback for reflection. */
export interface CheckResult {
  score: number;
  feedback: string;
}

/** What a checker is given besides the answer: the task's `expected` and its other fields. */
export interface CheckInput {
  input: string;
  expected: unknown;
  params: Record<string, unknown>;
}

/** Scores an answer. Custom checkers are registered by name and named by tasks (`"checker": "name"`). */
export type Checker = (output: string, task: CheckInput) => CheckResult | Promise<CheckResult>;

interface BuiltIn {
  /** Validates a task's `expected` and params when the task set is read. */
  schema: z.ZodType;
  check: Checker;
}

const text = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const BUILT_INS: Record<string, BuiltIn> = {
  exact: {
    schema: z.looseObject({ expected: text, ignoreCase: z.boolean().optional() }),
    check(output, { expected, params }) {
      const fold = (s: string) => {
        const spaced = s.trim().replace(/\s+/g, " ");
        return params.ignoreCase === true ? spaced.toLowerCase() : spaced;
      };
      const want = String(expected);
      return fold(output) === fold(want)
        ? pass(`the answer is ${quote(want)}`)
        : fail(`expected exactly ${quote(want)}, got ${quote(output.trim())}`);
    },
  },
  numeric: {
    schema: z.looseObject({
      expected: z.union([
        z.number(),
        z.string().regex(/^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/, "must be a number"),
      ]),
      tolerance: z.number().min(0, "must be at least 0").optional(),
    }),
    check(output, { expected, params }) {
      const want = Number(expected);
      const tolerance = typeof params.tolerance === "number" ? params.tolerance : 1e-6;
      const got = numberIn(output);
      if (got === null) return fail(`expected the number ${want}, but the answer holds no number`);
      const within = Math.abs(got - want) <= tolerance;
      const range = tolerance > 1e-6 ? ` (±${tolerance})` : "";
      return within ? pass(`the answer is ${want}${range}`) : fail(`expected ${want}${range}, got ${got}`);
    },
  },
  contains: {
    schema: z.looseObject({
      expected: z.union([text, z.array(text).min(1, "must not be empty")]),
      ignoreCase: z.boolean().optional(),
    }),
    check(output, { expected, params }) {
      const wanted = (Array.isArray(expected) ? expected : [expected]).map(String);
      const caseless = params.ignoreCase !== false;
      const haystack = caseless ? output.toLowerCase() : output;
      const missing = wanted.filter((w) => !haystack.includes(caseless ? w.toLowerCase() : w));
      const score = (wanted.length - missing.length) / wanted.length;
      return missing.length === 0
        ? pass(`the answer contains ${wanted.map(quote).join(", ")}`)
        : { score, feedback: `the answer should contain ${missing.map(quote).join(", ")}` };
    },
  },
  regex: {
    schema: z
      .looseObject({
        pattern: z.string().optional(),
        expected: z.string().optional(),
        flags: z.string().optional(),
      })
      .refine((v) => v.pattern !== undefined || v.expected !== undefined, {
        message: "a regex checker needs a pattern (or expected)",
        path: ["pattern"],
      })
      .superRefine((v, ctx) => {
        try {
          new RegExp(v.pattern ?? v.expected ?? "", v.flags);
        } catch (error) {
          ctx.addIssue({ code: "custom", path: ["pattern"], message: (error as Error).message });
        }
      }),
    check(output, { expected, params }) {
      const source = typeof params.pattern === "string" ? params.pattern : String(expected);
      const flags = typeof params.flags === "string" ? params.flags : undefined;
      return new RegExp(source, flags).test(output.trim())
        ? pass(`the answer matches /${source}/`)
        : fail(`the answer should match /${source}/${flags ?? ""}, got ${quote(output.trim())}`);
    },
  },
  json: {
    schema: z
      .looseObject({ path: z.string().optional(), expected: z.unknown() })
      .refine((v) => "expected" in v, {
        message: "required (the value at path)",
        path: ["expected"],
      }),
    check(output, { expected, params }) {
      const path = typeof params.path === "string" ? params.path : "";
      const document = jsonIn(output);
      if (document === undefined) return fail("expected a JSON answer, but none could be parsed");
      const found = valueAt(document, path);
      const where = path === "" ? "the answer" : path;
      if (found === undefined) return fail(`the JSON answer has no ${where}`);
      return isDeepStrictEqual(found, expected)
        ? pass(`${where} is ${JSON.stringify(expected)}`)
        : fail(`expected ${where} to be ${JSON.stringify(expected)}, got ${JSON.stringify(found)}`);
    },
  },
  game24: {
    schema: z.looseObject({
      input: z.string().refine((input) => puzzleNumbers(input).length === 4, {
        message: 'a game24 task\'s input must hold its four numbers, e.g. "4 9 10 13"',
      }),
      expected: z
        .union([z.number().int(), z.string().regex(/^\s*-?\d+\s*$/, "must be a whole number")])
        .optional(),
    }),
    check: checkGame24,
  },
};

/** The names of the built-in checkers. */
export const BUILT_IN_CHECKERS = Object.keys(BUILT_INS);

const checkerName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,63}$/,
    "must be 1-64 lower-case letters, digits, '_' or '-', starting with a letter",
  );

/**
 * The checkers tasks can name: the built-ins (exact, numeric, contains, regex, json, game24) and custom ones
 * registered by the library's user.
 *
 * @example
 * engram.evolution.checkers.register("even", (output) =>
 *   Number(output) % 2 === 0 ? { score: 1, feedback: "even" } : { score: 0, feedback: "odd" });
 */
export class CheckerRegistry {
  readonly #custom = new Map<string, Checker>();

  register(name: string, checker: Checker): void {
    parseInput(checkerName, name, "checker name");
    if (name in BUILT_INS)
      throw new InvalidInputError(`checker "${name}" is built in and cannot be replaced`);
    if (typeof checker !== "function") throw new InvalidInputError(`checker "${name}" must be a function`);
    this.#custom.set(name, checker);
  }

  /** A registry with these checkers added (this one is left as it is). */
  extend(extra: Readonly<Record<string, Checker>>): CheckerRegistry {
    const registry = new CheckerRegistry();
    for (const [name, checker] of this.#custom) registry.#custom.set(name, checker);
    for (const [name, checker] of Object.entries(extra)) registry.register(name, checker);
    return registry;
  }

  has(name: string): boolean {
    return name in BUILT_INS || this.#custom.has(name);
  }

  names(): string[] {
    return [...BUILT_IN_CHECKERS, ...[...this.#custom.keys()].sort()];
  }

  /**
   * Checks a task's checker settings when the task set is read.
   * @throws InvalidInputError naming the field.
   */
  validate(name: string, fields: Record<string, unknown>, what: string): void {
    const builtIn = BUILT_INS[name];
    if (builtIn !== undefined) {
      parseInput(builtIn.schema, fields, what);
      return;
    }
    if (!this.#custom.has(name))
      throw new InvalidInputError(
        `invalid ${what}: checker: unknown checker "${name}" (known: ${this.names().join(", ")})`,
      );
  }

  /** Scores an answer; a checker that throws or returns a bad score fails the attempt with its reason. */
  async check(name: string, output: string, task: CheckInput): Promise<CheckResult> {
    const checker = BUILT_INS[name]?.check ?? this.#custom.get(name);
    if (checker === undefined) return fail(`checker "${name}" is not registered`);
    let result: CheckResult;
    try {
      result = await checker(output, task);
    } catch (error) {
      return fail(`checker "${name}" failed: ${(error as Error).message}`);
    }
    if (typeof result?.score !== "number" || !Number.isFinite(result.score))
      return fail(`checker "${name}" returned no numeric score`);
    return {
      score: Math.min(1, Math.max(0, result.score)),
      feedback: typeof result.feedback === "string" ? result.feedback : "",
    };
  }
}

function pass(feedback: string): CheckResult {
  return { score: 1, feedback: `correct: ${feedback}` };
}

function fail(feedback: string): CheckResult {
  return { score: 0, feedback };
}

function quote(s: string): string {
  return JSON.stringify(s.length > 200 ? `${s.slice(0, 199)}…` : s);
}

/** The answer as a number: all of it when it is one, else the last number it mentions. */
export function numberIn(output: string): number | null {
  const whole = output.trim().replace(/,/g, "");
  if (whole !== "" && Number.isFinite(Number(whole))) return Number(whole);
  const matches = output.replace(/(\d),(\d{3})/g, "$1$2").match(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g);
  const last = matches?.at(-1);
  return last === undefined ? null : Number(last);
}

/** The JSON an answer holds: all of it, a fenced block, or the outermost braces or brackets. */
export function jsonIn(output: string): unknown {
  const attempts = [output.trim()];
  const fenced = /```(?:json)?\s*\n?([\s\S]*?)```/i.exec(output);
  if (fenced?.[1] !== undefined) attempts.push(fenced[1].trim());
  for (const [open, close] of [
    ["{", "}"],
    ["[", "]"],
  ] as const) {
    const start = output.indexOf(open);
    const end = output.lastIndexOf(close);
    if (start >= 0 && end > start) attempts.push(output.slice(start, end + 1));
  }
  for (const attempt of attempts) {
    try {
      return JSON.parse(attempt);
    } catch {
      // try the next reading
    }
  }
  return undefined;
}

/** The value at `a.b[0].c` (or `a.b.0.c`); the whole document for an empty path. */
export function valueAt(document: unknown, path: string): unknown {
  const keys = path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((k) => k !== "");
  let current: unknown = document;
  for (const key of keys) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
