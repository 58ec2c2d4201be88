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

/**
 * Runs candidates on tasks, remembering each (context, task) attempt for the rest of the run: a
 * context is never asked the same task twice, and a resumed run reuses what was recorded.
 */
export class Evaluator {
  readonly #runner: TaskRunner;
  readonly #checkers: CheckerRegistry;
  readonly #seed: number;
  readonly #concurrency: number;
  readonly #cache = new Map<string, AttemptRecord>();
  /** Called after each attempt that was not cached. */
  onAttempt: (() => void) | undefined;

  constructor(runner: TaskRunner, checkers: CheckerRegistry, seed: number, concurrency: number) {
    this.#runner = runner;
    this.#checkers = checkers;
    this.#seed = seed;
    this.#concurrency = concurrency;
  }

  /** Remembers attempts recorded earlier (on resume). */
  prime(context: LearnedContext, attempts: readonly AttemptRecord[]): void {
    const hash = contextHash(context);
    for (const attempt of attempts) this.#cache.set(`${hash}\u0000${attempt.taskId}`, attempt);
  }

  /** Attempts of `context` at `tasks`, in task order, at most `concurrency` at a time. */
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
        const key = `${hash}\u0000${task.id}`;
        let attempt = this.#cache.get(key);
        if (attempt === undefined) {
          const seed = deriveSeed(this.#seed, hash, task.id);
          attempt = await attemptTask(task, context, this.#runner, this.#checkers, seed);
          this.#cache.set(key, attempt);
          this.onAttempt?.();
        }
        results[index] = attempt;
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
