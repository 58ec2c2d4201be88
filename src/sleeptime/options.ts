import { z } from "zod";
import { RETRY_DEFAULTS } from "../agent/runtime-config.ts";
import { parseInput } from "../core/validation.ts";
import { DEFAULT_SLEEP_JOBS, SLEEP_JOB_KINDS, type SleepJobKind } from "./job-kinds.ts";

export {
  DEFAULT_SLEEP_JOBS,
  JOB_KINDS,
  type JobKind,
  SLEEP_JOB_KINDS,
  type SleepJobKind,
} from "./job-kinds.ts";

/** Jobs that cannot run at all without a language model. `consolidate` only checks contradictions with one. */
export const MODEL_JOBS: ReadonlySet<SleepJobKind> = new Set(["decide", "extract", "reflect", "rethink"]);

const fraction = z.number().min(0).max(1);
const count = (max: number) => z.number().int().min(1).max(max);
const kinds = z.array(z.enum(SLEEP_JOB_KINDS)).max(SLEEP_JOB_KINDS.length);

const consolidate = z.strictObject({
  /** Word overlap (Jaccard of stemmed terms) at which two memories are near-duplicates and merge. */
  duplicateThreshold: fraction,
  /** Overlap from which a pair is shown to the model as a possible contradiction (or relation). */
  candidateThreshold: fraction,
  /** Most memories (newest first) a consolidation reads. */
  maxMemories: count(1_000_000),
  /** Most candidate pairs the model judges per job. */
  maxPairs: count(1000),
  /** Pairs per model call. */
  pairsPerCall: count(100),
});

const decide = z.strictObject({
  /** Enqueue a decision job when facts are written (agents with a model; see docs/sleeptime.md). */
  onWrite: z.boolean(),
  /** Most similar current facts of the same agent and user shown to the model per new fact. */
  candidates: count(20),
  /** Most new facts one job decides (in one model call); the oldest first, the rest by the next job. */
  maxFacts: count(100),
});

const extract = z.strictObject({
  /** Enqueue an extraction job when memories or messages are written (agents whose graph mode is `model`). */
  onWrite: z.boolean(),
  /** Items (memories and messages) per model call. */
  batchItems: count(100),
  /** Most items one job extracts from, the oldest first; the rest are left to the next job. */
  maxItems: count(10_000),
});

const reflect = z.strictObject({
  /** Reflection runs when the importance gathered since the last one reaches this (unless forced). */
  importanceThreshold: z.number().min(0).max(1_000_000),
  /** Importance one new message adds (memories add their own importance). */
  messageImportance: fraction,
  /** Importance one finished episode adds. */
  episodeImportance: fraction,
  /** Most new items (messages, memories, episodes each) one reflection reads. */
  maxItems: count(10_000),
  /** Most insights the model may derive per scope (the agent's own, or one end user's). */
  maxInsights: count(50),
  /** Most success/failure pairs compared for ExpeL rules. */
  maxPairs: count(50),
});

const rethink = z.strictObject({
  /** Most new memories shown to the model. */
  maxMemories: count(1000),
  /**
   * Also show memories about end users. Off by default: blocks are in every user's prompt, so one
   * user's facts must not be written into them unless the agent serves a single user.
   */
  includeUserMemories: z.boolean(),
  /** Most rules shown to the model. */
  maxInsights: count(1000),
});

const forget = z.strictObject({
  /** Strength S, in days, of a memory of importance 0 that was never recalled. */
  baseStrengthDays: z.number().positive().max(1_000_000),
  /** S is multiplied by (1 + importanceWeight × importance). */
  importanceWeight: z.number().min(0).max(1000),
  /** S is multiplied by (1 + recallGain × accessCount): each recall makes a memory last longer. */
  recallGain: z.number().min(0).max(1000),
  /** Memories whose retention R = e^(−t/S) falls below this are archived. */
  threshold: z.number().min(0).max(1),
  /** Memories at least this important are never archived. */
  keepImportance: fraction,
  /** Most memories archived per job (the least retained first). */
  maxArchived: count(1_000_000),
});

const options = z.strictObject({
  triggers: z.strictObject({
    /** Enqueue `jobs` after this many new messages of an agent (null: never). */
    messages: count(1_000_000).nullable(),
    /** Enqueue `jobs` after this many finished episodes of an agent (null: never). */
    episodes: count(1_000_000).nullable(),
    jobs: kinds,
  }),
  schedule: z.strictObject({
    /** How often the scheduler started by `engram serve` enqueues `jobs` for every agent. */
    intervalMs: z
      .number()
      .int()
      .min(1000)
      .max(365 * 86_400_000),
    jobs: kinds,
  }),
  queue: z.strictObject({
    /** Attempts before a job fails for good. */
    maxAttempts: count(100),
    /** How long a runner's claim lasts without renewal; a job whose lease lapsed is taken over. */
    leaseMs: z.number().int().min(1000).max(86_400_000),
    /** Wait before the first retry of a failed attempt; it doubles with each further attempt. */
    retryDelayMs: z.number().int().min(0).max(86_400_000),
  }),
  /**
   * Retries of one model call that failed with a retryable error (HTTP 408, 409, 429, 5xx, a server
   * that could not be reached), with exponential backoff, as the agent runtime retries a turn's.
   */
  retry: z.strictObject({
    maxRetries: z.number().int().min(0).max(10),
    baseDelayMs: z.number().int().min(0).max(600_000),
    maxDelayMs: z.number().int().min(0).max(600_000),
  }),
  decide,
  extract,
  consolidate,
  reflect,
  rethink,
  forget,
});

export type SleeptimeOptions = z.output<typeof options>;
export type DecideOptions = SleeptimeOptions["decide"];
export type ConsolidateOptions = SleeptimeOptions["consolidate"];
export type ReflectOptions = SleeptimeOptions["reflect"];
export type RethinkOptions = SleeptimeOptions["rethink"];
export type ForgetOptions = SleeptimeOptions["forget"];

/** Settings given section by section; what is left out keeps its default. */
export type SleeptimeConfig = { [K in keyof SleeptimeOptions]?: Partial<SleeptimeOptions[K]> };

/** The job settings one run may override (`engram sleep --options`, `POST /v1/agents/:id/sleep`). */
export const jobOverrides = z.strictObject({
  decide: decide.omit({ onWrite: true }).partial().optional(),
  extract: extract.omit({ onWrite: true }).partial().optional(),
  consolidate: consolidate.partial().optional(),
  reflect: reflect.partial().optional(),
  rethink: rethink.partial().optional(),
  forget: forget.partial().optional(),
});
export type JobOverrides = z.input<typeof jobOverrides>;

export const SLEEPTIME_DEFAULTS: SleeptimeOptions = {
  triggers: { messages: 50, episodes: 10, jobs: ["consolidate", "reflect", "rethink"] },
  schedule: { intervalMs: 3_600_000, jobs: [...DEFAULT_SLEEP_JOBS] },
  queue: { maxAttempts: 3, leaseMs: 300_000, retryDelayMs: 30_000 },
  retry: { ...RETRY_DEFAULTS },
  decide: { onWrite: true, candidates: 5, maxFacts: 20 },
  extract: { onWrite: true, batchItems: 20, maxItems: 200 },
  consolidate: {
    duplicateThreshold: 0.8,
    candidateThreshold: 0.3,
    maxMemories: 5000,
    maxPairs: 30,
    pairsPerCall: 10,
  },
  reflect: {
    importanceThreshold: 3,
    messageImportance: 0.05,
    episodeImportance: 0.5,
    maxItems: 100,
    maxInsights: 3,
    maxPairs: 3,
  },
  rethink: { maxMemories: 30, maxInsights: 20, includeUserMemories: false },
  forget: {
    baseStrengthDays: 7,
    importanceWeight: 2,
    recallGain: 1,
    threshold: 0.05,
    keepImportance: 1,
    maxArchived: 1000,
  },
};

/** Defaults overlaid with `config`, checked. @throws InvalidInputError naming the bad field. */
export function resolveSleeptimeOptions(config: SleeptimeConfig = {}): SleeptimeOptions {
  const merged: Record<string, unknown> = { ...SLEEPTIME_DEFAULTS };
  for (const [section, values] of Object.entries(config)) {
    const defaults = (SLEEPTIME_DEFAULTS as Record<string, unknown>)[section];
    merged[section] =
      defaults !== undefined && typeof values === "object" && values !== null && !Array.isArray(values)
        ? { ...defaults, ...values }
        : values;
  }
  return parseInput(options, merged, "sleep-time options");
}

/** The options of one job: the engine's, with the run's overrides on top. */
export function withOverrides(base: SleeptimeOptions, overrides: JobOverrides | undefined): SleeptimeOptions {
  if (overrides === undefined) return base;
  return {
    ...base,
    decide: { ...base.decide, ...overrides.decide },
    extract: { ...base.extract, ...overrides.extract },
    consolidate: { ...base.consolidate, ...overrides.consolidate },
    reflect: { ...base.reflect, ...overrides.reflect },
    rethink: { ...base.rethink, ...overrides.rethink },
    forget: { ...base.forget, ...overrides.forget },
  };
}
