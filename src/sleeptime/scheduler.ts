import { randomUUID } from "node:crypto";
import { InvalidInputError } from "../core/errors.ts";
import type { SleeptimeService } from "./sleeptime-service.ts";

export interface SchedulerOptions {
  /** How often scheduled jobs are enqueued (default: the engine's `schedule.intervalMs`). */
  intervalMs?: number;
  /** How often the queue is checked for due jobs, e.g. ones a trigger enqueued (default 5 s). */
  pollMs?: number;
  /**
   * How long the right to run the schedule lasts unless renewed (default 3 × `pollMs`). It is
   * renewed every `pollMs`, so a server that dies hands the schedule on within this time.
   */
  leaseMs?: number;
  /** Told about a tick that failed (the next tick tries again). */
  onError?: (error: unknown) => void;
}

export interface RunningScheduler {
  /** Names this scheduler as the holder of the schedule's leader lease. */
  readonly id: string;
  /** Whether this scheduler held the schedule at its last claim. */
  leading(): boolean;
  /** Stops the timers, waits for the job in progress, if any, to finish, and gives up the schedule. */
  stop(): Promise<void>;
}

/**
 * The background runner `engram serve` starts: at once and then every `pollMs` it runs due jobs;
 * every `intervalMs` it first enqueues the scheduled ones, once per interval of that length, if it
 * leads: of all schedulers on the database, the one holding the schedule's leader lease, which it
 * renews every `pollMs` (the jobs' idempotency keys still make an interval's jobs once, should two
 * ever tick it). Ticks never overlap, and the timers do not keep the process alive.
 *
 * @example
 * const scheduler = startSleeptimeScheduler(engram.sleeptime, { intervalMs: 3_600_000 });
 * // … later
 * await scheduler.stop();
 */
export function startSleeptimeScheduler(
  sleeptime: SleeptimeService,
  options: SchedulerOptions = {},
): RunningScheduler {
  const intervalMs = options.intervalMs ?? sleeptime.options.schedule.intervalMs;
  const pollMs = options.pollMs ?? 5000;
  const leaseMs = options.leaseMs ?? 3 * pollMs;
  // A zero or NaN period would make setInterval spin.
  for (const [name, ms] of [
    ["intervalMs", intervalMs],
    ["pollMs", pollMs],
    ["leaseMs", leaseMs],
  ] as const)
    if (!(Number.isInteger(ms) && ms > 0))
      throw new InvalidInputError(`${name}: must be a positive whole number of ms, got ${ms}`);
  const id = `sched_${randomUUID()}`;
  let leading = false;
  const claim = async () => {
    try {
      leading = await sleeptime.claimSchedule(id, leaseMs);
    } catch (error) {
      leading = false;
      options.onError?.(error);
    }
    return leading;
  };
  // Renewed on a timer of its own: a long job in a tick must not let the lease lapse.
  let renewing: Promise<boolean> | null = null;
  const renew = () => {
    if (renewing !== null || stopped) return;
    renewing = claim().finally(() => {
      renewing = null;
    });
  };
  let busy: Promise<void> | null = null;
  let stopped = false;
  const tick = (schedule: boolean) => {
    if (busy !== null || stopped) return;
    busy = (async () => {
      try {
        if (schedule && (await claim())) await sleeptime.scheduleTick({ intervalMs });
        await sleeptime.runPending();
      } catch (error) {
        options.onError?.(error);
      } finally {
        busy = null;
      }
    })();
  };
  const poll = setInterval(() => tick(false), pollMs);
  const schedule = setInterval(() => tick(true), intervalMs);
  const lease = setInterval(renew, pollMs);
  for (const timer of [poll, schedule, lease]) timer.unref();
  // Jobs already due (queued while no runner was up) start right away, not after the first poll.
  setImmediate(() => {
    renew();
    tick(false);
  });
  return {
    id,
    leading: () => leading,
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(schedule);
      clearInterval(lease);
      await Promise.all([busy, renewing]);
      leading = false;
      await sleeptime.releaseSchedule(id).catch((error: unknown) => options.onError?.(error));
    },
  };
}
