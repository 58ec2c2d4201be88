import { InvalidInputError } from "../core/errors.ts";
import type { SleeptimeService } from "./sleeptime-service.ts";

export interface SchedulerOptions {
  /** How often scheduled jobs are enqueued (default: the engine's `schedule.intervalMs`). */
  intervalMs?: number;
  /** How often the queue is checked for due jobs, e.g. ones a trigger enqueued (default 5 s). */
  pollMs?: number;
  /** Told about a tick that failed (the next tick tries again). */
  onError?: (error: unknown) => void;
}

export interface RunningScheduler {
  /** Stops the timers and waits for the job in progress, if any, to finish. */
  stop(): Promise<void>;
}

/**
 * The background runner `engram serve` starts: at once and then every `pollMs` it runs due jobs;
 * every `intervalMs` it first enqueues the scheduled ones, once per interval of that length. Ticks never overlap, and the timers do not keep the
 * process alive.
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
  // A zero or NaN period would make setInterval spin.
  for (const [name, ms] of [
    ["intervalMs", intervalMs],
    ["pollMs", pollMs],
  ] as const)
    if (!(Number.isInteger(ms) && ms > 0))
      throw new InvalidInputError(`${name}: must be a positive whole number of ms, got ${ms}`);
  let busy: Promise<void> | null = null;
  let stopped = false;
  const tick = (schedule: boolean) => {
    if (busy !== null || stopped) return;
    busy = (async () => {
      try {
        if (schedule) await sleeptime.scheduleTick({ intervalMs });
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
  poll.unref();
  schedule.unref();
  // Jobs already due (queued while no runner was up) start right away, not after the first poll.
  setImmediate(() => tick(false));
  return {
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(schedule);
      await busy;
    },
  };
}
