/**
 * For tests of code that uses engram: a deterministic in-memory engram, scripted language models, and
 * the suite every storage backend must pass.
 *
 * @module engram/test
 */
import type { LanguageModel } from "ai";
import type { RuntimeOptions } from "../agent/runtime-config.ts";
import type { Clock } from "../core/clock.ts";
import { createIdGenerator } from "../core/ids.ts";
import { createEngram, type Engram } from "../engram.ts";
import type { SleeptimeConfig } from "../sleeptime/options.ts";

export { runStoreSuite } from "../store/store-suite.ts";

export interface TestEngramOptions {
  path?: string;
  /** Where the default clock starts (ms since the epoch); 2026-01-01 by default. */
  start?: number;
  /** A clock of the test's own, e.g. one it moves forward to pass a lease or a retry delay. */
  now?: Clock;
  /** The default language model, e.g. a `MockLanguageModelV3` from `ai/test`. */
  model?: LanguageModel | string;
  sleeptime?: SleeptimeConfig;
  /** Runtime settings; retries default to 1 ms waits here, so tests of retries stay fast. */
  runtime?: RuntimeOptions;
  /** Provider settings; empty by default, so tests never pick up a model from the environment. */
  env?: NodeJS.ProcessEnv;
}

/**
 * An engram on an in-memory database with a clock that starts at a fixed instant and advances 1 ms
 * each time it is read, so tests get the same timestamps every run.
 *
 * @example
 * const engram = createTestEngram();
 * const agent = await engram.agents.create({ name: "t" });
 */
export function createTestEngram(options: TestEngramOptions = {}): Engram {
  let time = options.start ?? Date.UTC(2026, 0, 1);
  const now = options.now ?? (() => time++);
  return createEngram({
    path: options.path ?? ":memory:",
    now,
    generateId: createIdGenerator(now),
    env: options.env ?? {},
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.sleeptime === undefined ? {} : { sleeptime: options.sleeptime }),
    runtime: { ...options.runtime, retry: { baseDelayMs: 1, maxDelayMs: 5, ...options.runtime?.retry } },
  });
}

export { type ScriptedModel, type ScriptStep, scriptedModel } from "./scripted-model.ts";
export {
  createEvolutionSimulator,
  type EvolutionSimulator,
} from "./simulator/simulator.ts";
export {
  type SimulatedRule,
  type SimulatedTask,
  SimulatedWorld,
  type SimulatorOptions,
  type WorldSettings,
} from "./simulator/world.ts";
