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
import { createEngram, type Engram, type EngramOptions } from "../engram.ts";
import type { SleeptimeConfig } from "../sleeptime/options.ts";
import { formatDatabaseLocation, parseDatabaseLocation } from "../store/database-location.ts";
import { freshSchemaName } from "../store/postgres/fresh-schema-name.ts";

export { runStoreSuite } from "../store/store-suite.ts";

export interface TestEngramOptions {
  /** A SQLite file (`:memory:` by default). */
  path?: string | undefined;
  /**
   * A database as for `createEngram`: a SQLite path or a PostgreSQL URL. A PostgreSQL URL that names
   * no `schema` gets a fresh one, so each test engram starts empty.
   */
  database?: string | undefined;
  /** Where the default clock starts (ms since the epoch); 2026-01-01 by default. */
  start?: number | undefined;
  /** A clock of the test's own, e.g. one it moves forward to pass a lease or a retry delay. */
  now?: Clock | undefined;
  /** The default language model, e.g. a `MockLanguageModelV3` from `ai/test`. */
  model?: LanguageModel | string | undefined;
  sleeptime?: SleeptimeConfig | undefined;
  /** Runtime settings; retries default to 1 ms waits here, so tests of retries stay fast. */
  runtime?: RuntimeOptions | undefined;
  /** Provider settings; empty by default, so tests never pick up a model from the environment. */
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * An engram on an in-memory database with a clock that starts at a fixed instant and advances 1 ms
 * each time it is read, so tests get the same timestamps every run. With `ENGRAM_TEST_DATABASE_URL`
 * set (a PostgreSQL server's URL) and neither `path` nor `database` given, it opens a fresh schema on
 * that server instead, so the same tests run on PostgreSQL.
 *
 * @example
 * const engram = createTestEngram();
 * const agent = await engram.agents.create({ name: "t" });
 * @throws InvalidInputError when both `path` and `database` are given.
 */
export function createTestEngram(options: TestEngramOptions = {}): Engram {
  let time = options.start ?? Date.UTC(2026, 0, 1);
  const now = options.now ?? (() => time++);
  return createEngram({
    ...testDatabase(options),
    now,
    generateId: createIdGenerator(now),
    env: options.env ?? {},
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.sleeptime === undefined ? {} : { sleeptime: options.sleeptime }),
    runtime: { ...options.runtime, retry: { baseDelayMs: 1, maxDelayMs: 5, ...options.runtime?.retry } },
  });
}

/** Where a test engram lives: where it was told, else on the environment's test server, else in memory. */
function testDatabase(options: TestEngramOptions): Pick<EngramOptions, "path" | "database"> {
  // Both given: createEngram refuses them, naming both.
  if (options.path !== undefined) return { path: options.path, database: options.database };
  const fromEnv = process.env.ENGRAM_TEST_DATABASE_URL;
  const database = options.database ?? (fromEnv === "" ? undefined : fromEnv);
  if (database === undefined) return { path: ":memory:" };
  const field = options.database === undefined ? "ENGRAM_TEST_DATABASE_URL" : "database";
  const location = parseDatabaseLocation(database, field);
  if (location.kind === "postgres" && location.schema === undefined)
    return { database: formatDatabaseLocation({ ...location, schema: freshSchemaName() }) };
  return { database };
}

export { castModel, type RoleScript } from "./cast-model.ts";
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
