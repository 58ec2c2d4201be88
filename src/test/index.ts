import type { LanguageModel } from "ai";
import type { RuntimeOptions } from "../agent/runtime-config.ts";
import { createIdGenerator } from "../core/ids.ts";
import { createEngram, type Engram } from "../engram.ts";

export { runStoreSuite } from "../store/store-suite.ts";

/**
 * An engram on an in-memory database with a clock that starts at a fixed instant and advances 1 ms
 * each time it is read, so tests get the same timestamps every run.
 *
 * @example
 * const engram = createTestEngram();
 * const agent = await engram.agents.create({ name: "t" });
 */
export function createTestEngram(
  options: {
    path?: string;
    start?: number;
    /** The default language model, e.g. a `MockLanguageModelV3` from `ai/test`. */
    model?: LanguageModel | string;
    /** Runtime settings; retries default to 1 ms waits here, so tests of retries stay fast. */
    runtime?: RuntimeOptions;
    env?: NodeJS.ProcessEnv;
  } = {},
): Engram {
  let time = options.start ?? Date.UTC(2026, 0, 1);
  const now = () => time++;
  return createEngram({
    path: options.path ?? ":memory:",
    now,
    generateId: createIdGenerator(now),
    model: options.model,
    env: options.env,
    runtime: { ...options.runtime, retry: { baseDelayMs: 1, maxDelayMs: 5, ...options.runtime?.retry } },
  });
}

export { type ScriptedModel, type ScriptStep, scriptedModel } from "./scripted-model.ts";
