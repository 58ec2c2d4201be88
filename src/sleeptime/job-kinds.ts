/** The sleep-time jobs, in the order a run performs them. Apart, so the CLI's help needs no schema. */
export const SLEEP_JOB_KINDS = ["consolidate", "reflect", "rethink", "forget"] as const;
export type SleepJobKind = (typeof SLEEP_JOB_KINDS)[number];
