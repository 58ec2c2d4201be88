/** The sleep-time jobs, in the order a run performs them. Apart, so the CLI's help needs no schema. */
export const SLEEP_JOB_KINDS = ["decide", "consolidate", "reflect", "rethink", "forget"] as const;
export type SleepJobKind = (typeof SLEEP_JOB_KINDS)[number];

/**
 * The jobs a run or the schedule performs when none are named. `decide` is left out: fact writes
 * enqueue it, and it only looks at facts written since its last run.
 */
export const DEFAULT_SLEEP_JOBS: readonly SleepJobKind[] = SLEEP_JOB_KINDS.filter((k) => k !== "decide");
