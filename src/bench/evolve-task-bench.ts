import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { LanguageModelV3, LanguageModelV3Usage } from "@ai-sdk/provider";
import type { LanguageModel } from "ai";
import { InvalidInputError } from "../core/errors.ts";
import type { AttemptRecord } from "../core/evolution-types.ts";
import { createEngram } from "../engram.ts";
import { createRandom } from "../environments/random.ts";
import { Evaluator } from "../evolution/evaluation.ts";
import { type EvolveSettings, type RunConfig, recordedGate } from "../evolution/run-config.ts";
import { deriveSeed } from "../evolution/seeds.ts";
import { modelTaskRunner } from "../evolution/task-runner.ts";
import { parseTaskJsonl, splitTasks } from "../evolution/task-set.ts";
import { chooseLanguageModel } from "../models/language-model.ts";
import { round } from "./stats.ts";

/** Where the built-in task set names are looked up, when `--data-dir` is not given. */
export const EVOLVE_DATA_ENV = "ENGRAM_EVOLVE_DATA";

/**
 * The file a task set name stands for: a path as it is; `gsm8k`, `game24` (the first `gsm8k*.jsonl`,
 * `game24*.jsonl` in the data folder) and `bbh:TASK` (`bbh-TASK.jsonl` there).
 * @throws InvalidInputError naming what is missing.
 */
export function resolveTaskSet(name: string, dataDir: string | undefined): string {
  const builtIn = name === "gsm8k" || name === "game24" || name.startsWith("bbh:");
  if (!builtIn) return name;
  if (dataDir === undefined || dataDir === "")
    throw new InvalidInputError(
      `--tasks ${name} names a built-in task set: say where the task sets are with --data-dir DIR or ${EVOLVE_DATA_ENV}`,
    );
  if (!existsSync(dataDir)) throw new InvalidInputError(`the task set folder ${dataDir} does not exist`);
  const files = readdirSync(dataDir).sort();
  const wanted = name.startsWith("bbh:")
    ? (f: string) => f === `bbh-${name.slice(4)}.jsonl`
    : (f: string) => f.startsWith(name) && f.endsWith(".jsonl");
  const file = files.find(wanted);
  if (file === undefined) {
    const known = files.filter((f) => f.startsWith("bbh-")).map((f) => `bbh:${f.slice(4, -6)}`);
    const hint = name.startsWith("bbh:") && known.length > 0 ? ` (there: ${known.join(", ")})` : "";
    throw new InvalidInputError(`no task set for ${name} in ${dataDir}${hint}`);
  }
  return join(dataDir, file);
}

export interface EvolveTaskBenchOptions {
  /** The task set as JSON Lines, and where it came from. */
  tasks: string;
  source: string;
  /** The model (`provider:model`, or an object); else ENGRAM_MODEL. */
  model?: LanguageModel | string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Use only the first N tasks. */
  limit?: number | undefined;
  /** Evolution settings (rounds, seed, gate …). */
  settings: Omit<EvolveSettings, "components">;
  onProgress?: ((done: number, total: number, phase: string) => void) | undefined;
}

/** An accuracy with its 95 % interval (bootstrap over the held-out tasks). */
export interface Estimate {
  accuracy: number;
  interval: [number, number];
}

export interface EvolveTaskBenchResult {
  source: string;
  model: string;
  seed: number;
  rounds: number;
  roundsDone: number;
  gate: RunConfig["gate"];
  tasks: { train: number; validation: number; heldOut: number };
  /** Held-out accuracy of the agent's context before and after the run. */
  before: Estimate;
  after: Estimate;
  /** After minus before, paired on the same held-out tasks. */
  gain: { estimate: number; interval: [number, number] };
  accepted: number;
  rejected: number;
  /** Task attempts: the run's, and those scoring the final context on the held-out tasks. */
  rollouts: { evolution: number; finalEvaluation: number; total: number };
  /** Tokens over every model call (tasks and reflection), as the provider reported them. */
  tokens: { input: number; output: number; total: number; calls: number };
  seconds: number;
}

const BOOTSTRAP = 2000;

/**
 * `engram bench evolve --tasks …`: one evolution run of a fresh agent (instructions "Answer the
 * question. Give the final answer on the last line.") on a task set, in a throwaway in-memory
 * database, then the held-out accuracy of its context before and after, with intervals, and what it
 * cost. The task file and the settings are checked before any model call.
 */
export async function runEvolveTaskBench(options: EvolveTaskBenchOptions): Promise<EvolveTaskBenchResult> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const engram = createEngram({ path: ":memory:", env });
  try {
    const checkers = engram.evolution.checkers;
    let tasks = parseTaskJsonl(options.tasks, checkers, options.source);
    if (options.limit !== undefined) tasks = tasks.slice(0, options.limit);
    const seed = options.settings.seed ?? 1;
    const splits = splitTasks(tasks, seed, {
      holdout: options.settings.holdout ?? 0.3,
      validation: options.settings.validation ?? 0.3,
    });
    const usage = { input: 0, output: 0, calls: 0 };
    const model = counting(chooseLanguageModel([options.model], env), usage);
    const agent = await engram.agents.create({
      name: "bench",
      instructions: "Answer the question. Give the final answer on the last line.",
    });
    const { run } = await engram.evolution.evolve(agent.id, {
      ...options.settings,
      tasks: tasks.map(toTaskObject),
      source: options.source,
      model,
      components: ["instructions"],
      onProgress: options.onProgress,
    });
    const candidates = await engram.evolution.candidates(agent.id, run.id);
    const seedCandidate = candidates.find((c) => c.round === 0);
    const final = candidates.find((c) => c.id === run.state.current) ?? seedCandidate;
    if (seedCandidate === undefined || final === undefined)
      throw new Error("the run recorded no seed candidate");
    const config = run.config as unknown as RunConfig;
    const evaluator = new Evaluator(
      modelTaskRunner(model),
      checkers,
      run.seed,
      config.concurrency,
      recordedGate(config).kind === "sequential",
    );
    for (const c of candidates)
      evaluator.prime(c.context, (c.evaluation.heldOut as AttemptRecord[] | undefined) ?? []);
    const before = (seedCandidate.evaluation.heldOut as AttemptRecord[]).map((a) => a.score);
    const after = (await evaluator.evaluate(splits.test, final.context)).map((a) => a.score);
    const rollouts = (run.state.rollouts as number | undefined) ?? 0;
    return {
      source: options.source,
      // The name the user gave (the run records the provider's own name of the wrapped model).
      model:
        typeof options.model === "string"
          ? options.model
          : options.model === undefined && env.ENGRAM_MODEL
            ? env.ENGRAM_MODEL
            : config.model,
      seed: run.seed,
      rounds: config.rounds,
      roundsDone: run.round,
      gate: config.gate,
      tasks: {
        train: splits.train.length,
        validation: splits.validation.length,
        heldOut: splits.test.length,
      },
      ...paired(before, after, deriveSeed(run.seed, "bootstrap")),
      accepted: candidates.filter((c) => c.round > 0 && c.decision === "accepted").length,
      rejected: candidates.filter((c) => c.decision === "rejected").length,
      rollouts: {
        evolution: rollouts,
        finalEvaluation: evaluator.rollouts,
        total: rollouts + evaluator.rollouts,
      },
      tokens: {
        input: usage.input,
        output: usage.output,
        total: usage.input + usage.output,
        calls: usage.calls,
      },
      seconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    engram.close();
  }
}

function toTaskObject(task: ReturnType<typeof parseTaskJsonl>[number]): Record<string, unknown> {
  if (task.kind === "environment")
    return { id: task.id, environment: task.environment, seed: task.seed, split: task.split ?? undefined };
  return {
    ...task.params,
    id: task.id,
    input: task.input,
    checker: task.checker,
    ...(task.expected === null ? {} : { expected: task.expected }),
    ...(task.split === null ? {} : { split: task.split }),
  };
}

/** Accuracies before and after, and their paired difference, with 95 % percentile-bootstrap intervals. */
export function paired(
  before: readonly number[],
  after: readonly number[],
  seed: number,
): { before: Estimate; after: Estimate; gain: { estimate: number; interval: [number, number] } } {
  const n = before.length;
  const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);
  const random = createRandom(seed);
  const draws = { before: [] as number[], after: [] as number[], gain: [] as number[] };
  for (let b = 0; b < BOOTSTRAP && n > 0; b++) {
    let x = 0;
    let y = 0;
    for (let i = 0; i < n; i++) {
      const j = random.integer(n);
      x += before[j] as number;
      y += after[j] as number;
    }
    draws.before.push(x / n);
    draws.after.push(y / n);
    draws.gain.push((y - x) / n);
  }
  const interval = (xs: number[]): [number, number] => {
    const sorted = [...xs].sort((a, b) => a - b);
    const at = (p: number) =>
      round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0, 4);
    return [at(0.025), at(0.975)];
  };
  return {
    before: { accuracy: round(mean(before), 4), interval: interval(draws.before) },
    after: { accuracy: round(mean(after), 4), interval: interval(draws.after) },
    gain: { estimate: round(mean(after) - mean(before), 4), interval: interval(draws.gain) },
  };
}

/** The model with every call's tokens added to `usage` (the provider's own counts). */
function counting(
  model: LanguageModel,
  usage: { input: number; output: number; calls: number },
): LanguageModelV3 {
  if (typeof model === "string") throw new Error("the model should be resolved by now");
  const inner = model as LanguageModelV3;
  const add = (u: LanguageModelV3Usage | Record<string, unknown>) => {
    usage.calls++;
    usage.input += tokens((u as { inputTokens?: unknown }).inputTokens);
    usage.output += tokens((u as { outputTokens?: unknown }).outputTokens);
  };
  return {
    specificationVersion: inner.specificationVersion,
    provider: inner.provider,
    modelId: inner.modelId,
    get supportedUrls() {
      return inner.supportedUrls;
    },
    doGenerate: async (callOptions) => {
      const result = await inner.doGenerate(callOptions);
      add(result.usage);
      return result;
    },
    doStream: async (callOptions) => {
      usage.calls++;
      return inner.doStream(callOptions);
    },
  };
}

/** A token count as V3 (`{total}`) or V2 (a number) usage gives it. */
function tokens(value: unknown): number {
  if (typeof value === "number") return value;
  const total = (value as { total?: unknown } | undefined)?.total;
  return typeof total === "number" ? total : 0;
}
