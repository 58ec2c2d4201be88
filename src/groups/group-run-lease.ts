import { RUNTIME_DEFAULTS } from "../agent/runtime-config.ts";
import { TURN_LEASE_MS } from "../agent/turn-lease.ts";
import { ConflictError } from "../core/errors.ts";
import { type HeldLease, keepLeaseAlive, takeWithin } from "../core/lease.ts";
import type { Store } from "../store/store.ts";

/**
 * How long an attempt of a group's message waits for another attempt of its run to end: the
 * default time-out of one turn, the wait a turn gives a busy conversation.
 */
export const GROUP_RUN_WAIT_MS = RUNTIME_DEFAULTS.timeoutMs;

/** The leader lease that an attempt of the run `runId` holds while it runs. */
export function runLeaseName(runId: string): string {
  return `group-run:${runId}`;
}

export interface HoldRunOptions {
  runId: string;
  /** Names this attempt, unique among every attempt on the database (of this engine's too). */
  attempt: string;
  /** How long to wait for another attempt of the run to end. */
  waitMs: number;
  nowMs(): number;
  signal?: AbortSignal | undefined;
  /** Lease length (default: a turn lease's). */
  leaseMs?: number | undefined;
}

/**
 * Takes the run for one attempt of a group's message across every engine on the database, waiting
 * while another attempt of it runs, and keeps the lease alive until released. One attempt at a time
 * means that what a retry reads of the earlier attempts is final: no step runs twice. A lease whose
 * holder died or stalled lapses and is taken over. Released, the lease's row is deleted, so runs
 * leave none behind.
 * @throws ConflictError (`run_busy`) when the other attempt has not ended within `waitMs`.
 */
export async function holdRun(store: Store, options: HoldRunOptions): Promise<HeldLease> {
  const { runId, attempt } = options;
  const name = runLeaseName(runId);
  const leaseMs = options.leaseMs ?? TURN_LEASE_MS;
  const claim = () => {
    const now = options.nowMs();
    return store.leaderLeases.claim(name, attempt, now, now + leaseMs);
  };
  if (!(await takeWithin(claim, options)))
    throw new ConflictError(
      `another attempt of group run ${runId} is still running after ${options.waitMs} ms: retry when it is done`,
      { details: { reason: "run_busy", runId } },
    );
  return keepLeaseAlive({
    leaseMs,
    // A claim by its holder renews it.
    renew: claim,
    release: () => store.leaderLeases.release(name, attempt),
    lostReason: () =>
      new ConflictError(`the attempt lost its lease on group run ${runId}: another attempt took it over`, {
        details: { reason: "run_busy", runId },
      }),
  });
}
