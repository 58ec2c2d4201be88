import type { AttemptRecord } from "../core/evolution-types.ts";
import type { CheckerRegistry } from "./checkers.ts";
import { runEnvironmentTask } from "./environment-task.ts";
import { contextHash, type LearnedContext } from "./learned-context.ts";
import { deriveSeed } from "./seeds.ts";
import { clip, type TaskRunner } from "./task-runner.ts";
import type { Task } from "./task-set.ts";

/**
 * One attempt at a task: the runner answers (an environment task is played step by step) and the
 * checker scores. An error of the runner (a model that is down) propagates: it is not a score.
 */
export async function attemptTask(
  task: Task,
  context: LearnedContext,
  runner: TaskRunner,
  checkers: CheckerRegistry,
  seed: number,
): Promise<AttemptRecord> {
  if (task.kind === "environment") return runEnvironmentTask(task, context, runner, seed);
  const output = await runner.run({ input: task.input, context, seed });
  const { score, feedback } = await checkers.check(task.checker, output, {
    input: task.input,
    expected: task.expected,
    params: task.params,
  });
  return { taskId: task.id, score, passed: score >= 1, output: clip(output), feedback };
}

/** A recorded attempt at one sample of a task (sample 0 is the one plain evaluation uses). */
export interface SampleRecord extends AttemptRecord {
  sample: number;
}

/**
 * Runs candidates on tasks, remembering each (context, task, sample) attempt for the rest of the run:
 * a context is never asked the same sample of a task twice, and a resumed run reuses what was
 * recorded. With `paired` seeds, the seed of a sample depends on the task and the sample number
 * only, so two contexts asked the same sample are asked with the same seed: a model that honours
 * seeds then draws their answers alike, and their difference is the context's, not the dice's.
 * Otherwise (the tolerance gate's scheme) the seed also depends on the context.
 */
export class Evaluator {
  readonly #runner: TaskRunner;
  readonly #checkers: CheckerRegistry;
  readonly #seed: number;
  readonly #concurrency: number;
  readonly #paired: boolean;
  readonly #cache = new Map<string, AttemptRecord>();
  /** Attempts made (not taken from the cache) since the evaluator was made or this was last set. */
  rollouts = 0;
  /** Called after each attempt that was not cached. */
  onAttempt: (() => void) | undefined;

  constructor(
    runner: TaskRunner,
    checkers: CheckerRegistry,
    seed: number,
    concurrency: number,
    paired = false,
  ) {
    this.#runner = runner;
    this.#checkers = checkers;
    this.#seed = seed;
    this.#concurrency = concurrency;
    this.#paired = paired;
  }

  /** Remembers attempts recorded earlier (on resume); a record without `sample` is sample 0. */
  prime(context: LearnedContext, attempts: readonly (AttemptRecord & { sample?: number })[]): void {
    const hash = contextHash(context);
    for (const attempt of attempts)
      this.#cache.set(key(hash, attempt.taskId, attempt.sample ?? 0), strip(attempt));
  }

  /** Whether this sample of the task was attempted already with this context. */
  has(context: LearnedContext, task: Task, sample: number): boolean {
    return this.#cache.has(key(contextHash(context), task.id, sample));
  }

  /** Attempts of `context` at `tasks` (sample 0), in task order, at most `concurrency` at a time. */
  async evaluate(tasks: readonly Task[], context: LearnedContext): Promise<AttemptRecord[]> {
    const hash = contextHash(context);
    const results: AttemptRecord[] = new Array(tasks.length);
    let next = 0;
    let failed = false;
    const work = async () => {
      while (!failed) {
        const index = next++;
        const task = tasks[index];
        if (task === undefined) return;
        results[index] = await this.#attempt(task, context, hash, 0);
      }
    };
    // After one failure the others finish the attempt in hand and start no more.
    const worker = () =>
      work().catch((error: unknown) => {
        failed = true;
        throw error;
      });
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, tasks.length) }, worker));
    return results;
  }

  /** One sample of a task under a context (cached like `evaluate`). */
  async sample(task: Task, context: LearnedContext, sample: number): Promise<SampleRecord> {
    return { ...(await this.#attempt(task, context, contextHash(context), sample)), sample };
  }

  async #attempt(task: Task, context: LearnedContext, hash: string, sample: number): Promise<AttemptRecord> {
    const k = key(hash, task.id, sample);
    const cached = this.#cache.get(k);
    if (cached !== undefined) return cached;
    const seed = this.#paired
      ? deriveSeed(this.#seed, "sample", task.id, sample)
      : sample === 0
        ? deriveSeed(this.#seed, hash, task.id)
        : deriveSeed(this.#seed, hash, task.id, sample);
    const attempt = await attemptTask(task, context, this.#runner, this.#checkers, seed);
    this.#cache.set(k, attempt);
    this.rollouts++;
    this.onAttempt?.();
    return attempt;
  }
}

const key = (hash: string, taskId: string, sample: number) =>
  sample === 0 ? `${hash}\u0000${taskId}` : `${hash}\u0000${taskId}\u0000${sample}`;

function strip(attempt: AttemptRecord & { sample?: number }): AttemptRecord {
  const { sample: _, ...rest } = attempt;
  return rest;
}

/** Mean score of attempts (0 for none). */
export function meanScore(attempts: readonly AttemptRecord[]): number {
  if (attempts.length === 0) return 0;
  return round(attempts.reduce((sum, a) => sum + a.score, 0) / attempts.length);
}

/** Scores by task id. */
export function scoresOf(attempts: readonly AttemptRecord[]): Record<string, number> {
  return Object.fromEntries(attempts.map((a) => [a.taskId, a.score]));
}

/** Scores are kept to 6 decimals, so that equal means equal in the records and the gate. */
export function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
