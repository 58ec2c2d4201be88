/** A lease taken across every engine on the database, kept alive until released. */
export interface HeldLease {
  /** Stops renewing and gives the lease up. */
  release(): Promise<void>;
  /**
   * Aborted when the lease was lost: it lapsed (this engine stalled past it) and another holder took
   * it. The work it guards should stop writing.
   */
  readonly lost: AbortSignal;
}

/** How to keep one taken lease alive. */
export interface LeaseRenewal {
  /** Lease length: it is renewed every third of it. */
  leaseMs: number;
  /** Moves the lease's expiry on; false when this holder no longer has it. */
  renew(): Promise<boolean>;
  /** Gives the lease up, if this holder still has it. */
  release(): Promise<void>;
  /** What `lost` aborts with. */
  lostReason(): Error;
}

/**
 * Renews a taken lease every third of its length until released. A failed renewal (a busy or
 * unreachable database) is retried at the next tick: the lease only lapses if renewals keep failing
 * for its whole length.
 */
export function keepLeaseAlive(lease: LeaseRenewal): HeldLease {
  const lost = new AbortController();
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      if (lost.signal.aborted) return;
      try {
        if (!(await lease.renew())) {
          clearInterval(timer);
          lost.abort(lease.lostReason());
        }
      } catch {
        // Retried at the next tick.
      }
    });
  }, lease.leaseMs / 3);
  // A lease must not keep a process alive that has nothing else to do.
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      await renewing;
      await lease.release();
    },
  };
}

/**
 * Calls `take` until it succeeds, with a short backoff (5 ms, doubling up to 100 ms), for at most
 * `waitMs`. Returns whether it succeeded.
 * @throws the signal's reason once it aborts.
 */
export async function takeWithin(
  take: () => Promise<boolean>,
  options: { waitMs: number; signal?: AbortSignal | undefined },
): Promise<boolean> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    if (await take()) return true;
    if (performance.now() - started >= options.waitMs) return false;
    if (options.signal?.aborted) throw options.signal.reason;
    await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 100)));
  }
}
