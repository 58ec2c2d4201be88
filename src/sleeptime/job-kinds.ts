import { DELIVER_JOB } from "../core/types.ts";

/** The sleep-time jobs, in the order a run performs them. Apart, so the CLI's help needs no schema. */
export const SLEEP_JOB_KINDS = ["decide", "extract", "consolidate", "reflect", "rethink", "forget"] as const;
export type SleepJobKind = (typeof SLEEP_JOB_KINDS)[number];

/** Every kind of job the queue holds: the sleep-time jobs and `deliver` (a message between agents). */
export const JOB_KINDS = [...SLEEP_JOB_KINDS, DELIVER_JOB] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * The jobs a run or the schedule performs when none are named. `decide` and `extract` are left out:
 * writes enqueue them, and they only look at what was written since their last run.
 */
export const DEFAULT_SLEEP_JOBS: readonly SleepJobKind[] = SLEEP_JOB_KINDS.filter(
  (k) => k !== "decide" && k !== "extract",
);
