import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import { parseInput } from "../core/validation.ts";
import { ENVIRONMENT_NAMES, type EnvironmentName, isEnvironmentName } from "../environments/environment.ts";
import type { CheckerRegistry } from "./checkers.ts";
import { randomFor } from "./seeds.ts";

export const SPLITS = ["train", "validation", "test"] as const;
/** `train` (acquisition and reflection), `validation` (the Pareto set), `test` (held out: the gate). */
export type Split = (typeof SPLITS)[number];

/** A question with an answer a checker can score. */
export interface TextTask {
  id: string;
  kind: "text";
  input: string;
  checker: string;
  expected: unknown;
  /** The task's other fields, handed to the checker (tolerance, pattern, path …). */
  params: Record<string, unknown>;
  split: Split | null;
}

/** An episode in a built-in environment; its score is 1 when the episode succeeds. */
export interface EnvironmentTask {
  id: string;
  kind: "environment";
  environment: EnvironmentName;
  seed: number;
  maxSteps: number | null;
  split: Split | null;
}

export type Task = TextTask | EnvironmentTask;

export const MAX_TASKS = 10_000;

const RESERVED = new Set(["id", "input", "expected", "checker", "split"]);

const taskId = z.string().min(1, "must not be empty").max(200, "must be at most 200 characters");
const split = z.enum(SPLITS, { error: `must be one of ${SPLITS.join(", ")}` });

const textTask = z.looseObject({
  id: taskId.optional(),
  input: z.string().min(1, "must not be empty").max(100_000, "must be at most 100000 characters"),
  checker: z.string().min(1, "must not be empty").optional(),
  split: split.optional(),
});

const environmentTask = z.strictObject({
  id: taskId.optional(),
  environment: z
    .string()
    .refine(isEnvironmentName, { message: `must be one of ${ENVIRONMENT_NAMES.join(", ")}` }),
  seed: z.number().int().min(0, "must be at least 0").max(Number.MAX_SAFE_INTEGER).default(0),
  maxSteps: z.number().int().min(1, "must be at least 1").max(1000, "must be at most 1000").optional(),
  split: split.optional(),
});

/**
 * Reads a task set: each item a text task (`{input, expected}` or `{input, checker, …}`) or an
 * environment task (`{environment, seed, maxSteps}`). `where(i)` names an item in errors, e.g.
 * `line 3 of tasks.jsonl`.
 * @throws InvalidInputError naming the item and the field.
 */
export function parseTasks(
  items: readonly unknown[],
  checkers: CheckerRegistry,
  where: (index: number) => string = (i) => `task ${i}`,
): Task[] {
  if (items.length === 0) throw new InvalidInputError("invalid task set: it holds no tasks");
  if (items.length > MAX_TASKS)
    throw new InvalidInputError(`invalid task set: it holds ${items.length} tasks, more than ${MAX_TASKS}`);
  const ids = new Map<string, number>();
  return items.map((item, index) => {
    const what = where(index);
    const task = parseTask(item, checkers, what, index);
    const earlier = ids.get(task.id);
    if (earlier !== undefined)
      throw new InvalidInputError(`invalid ${what}: id: "${task.id}" is also the id of ${where(earlier)}`);
    ids.set(task.id, index);
    return task;
  });
}

function parseTask(item: unknown, checkers: CheckerRegistry, what: string, index: number): Task {
  if (item === null || typeof item !== "object" || Array.isArray(item))
    throw new InvalidInputError(`invalid ${what}: must be a JSON object`);
  if ("environment" in item) {
    const env = parseInput(environmentTask, item, what);
    return {
      id: env.id ?? `${env.environment}#${env.seed}`,
      kind: "environment",
      environment: env.environment as EnvironmentName,
      seed: env.seed,
      maxSteps: env.maxSteps ?? null,
      split: env.split ?? null,
    };
  }
  const parsed = parseInput(textTask, item, what);
  const fields = item as Record<string, unknown>;
  const checker = parsed.checker ?? (Object.hasOwn(fields, "expected") ? "exact" : undefined);
  if (checker === undefined)
    throw new InvalidInputError(`invalid ${what}: expected: required (or name a checker)`);
  const params = Object.fromEntries(Object.entries(fields).filter(([key]) => !RESERVED.has(key)));
  checkers.validate(
    checker,
    {
      ...params,
      input: parsed.input,
      ...(Object.hasOwn(fields, "expected") ? { expected: fields.expected } : {}),
    },
    what,
  );
  return {
    id: parsed.id ?? `task-${index + 1}`,
    kind: "text",
    input: parsed.input,
    checker,
    expected: fields.expected ?? null,
    params,
    split: parsed.split ?? null,
  };
}

/**
 * Reads JSON Lines: one object per line, blank lines skipped.
 * @throws InvalidInputError naming the line that is not a JSON object.
 */
export function parseJsonLines(text: string, source: string): { line: number; value: unknown }[] {
  const lines: { line: number; value: unknown }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      lines.push({ line: i + 1, value: JSON.parse(raw) });
    } catch (error) {
      throw new InvalidInputError(
        `line ${i + 1} of ${source} is not valid JSON: ${(error as Error).message}`,
      );
    }
  });
  return lines;
}

/** A JSONL task set: `parseJsonLines` then `parseTasks`, errors naming the line. */
export function parseTaskJsonl(text: string, checkers: CheckerRegistry, source = "the task set"): Task[] {
  const lines = parseJsonLines(text, source);
  return parseTasks(
    lines.map((l) => l.value),
    checkers,
    (i) => `line ${lines[i]?.line ?? i + 1} of ${source}`,
  );
}

export interface SplitOptions {
  /** Share of the unassigned tasks held out for the gate (default 0.3, at least one task). */
  holdout: number;
  /** Share of the unassigned tasks in the validation (Pareto) set (default 0.3, at least one task). */
  validation: number;
}

export type Splits = Record<Split, Task[]>;

/**
 * Tasks that name a split keep it; the rest are shuffled with the seed and dealt out by the shares.
 * @throws InvalidInputError when a split would be empty.
 */
export function splitTasks(tasks: readonly Task[], seed: number, options: SplitOptions): Splits {
  const splits: Splits = { train: [], validation: [], test: [] };
  const free: Task[] = [];
  for (const task of tasks) {
    if (task.split === null) free.push(task);
    else splits[task.split].push(task);
  }
  const random = randomFor(seed, "split");
  for (let i = free.length - 1; i > 0; i--) {
    const j = random.integer(i + 1);
    [free[i], free[j]] = [free[j] as Task, free[i] as Task];
  }
  const share = (fraction: number, has: number) =>
    free.length === 0 ? 0 : Math.max(has > 0 ? 0 : 1, Math.round(free.length * fraction));
  const test = share(options.holdout, splits.test.length);
  const validation = share(options.validation, splits.validation.length);
  splits.test.push(...free.slice(0, test));
  splits.validation.push(...free.slice(test, test + validation));
  splits.train.push(...free.slice(test + validation));
  for (const name of SPLITS) {
    if (splits[name].length === 0) {
      throw new InvalidInputError(
        `invalid task set: the ${name} split is empty (${tasks.length} tasks): give at least 3 tasks, or name each task's split`,
      );
    }
  }
  return splits;
}
