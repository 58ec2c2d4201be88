import { ConflictError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";

/**
 * How long a turn lease lasts unless renewed. The holder renews it every third of this while the
 * turn runs, so a server that dies or hangs frees its conversations within this long.
 */
export const TURN_LEASE_MS = 15_000;

export interface HoldOptions {
  agentId: string;
  /** The conversation within the agent: its user, or "" for the agent's own. */
  conversation: string;
  /** Names this claim (the turn's id). */
  holder: string;
  /** The engine taking it (see `EngineContext.instanceId`). */
  owner: string;
  /** How long to wait for another turn of the conversation to end. */
  waitMs: number;
  nowMs(): number;
  signal?: AbortSignal | undefined;
  /** Lease length (default {@link TURN_LEASE_MS}). */
  leaseMs?: number | undefined;
}

/** A conversation held for one turn. */
export interface HeldConversation {
  /** Stops renewing and gives the conversation up. */
  release(): Promise<void>;
  /**
   * Aborted when the lease was lost: it lapsed (this engine stalled past the lease) and another
   * turn took the conversation. The turn should stop writing.
   */
  readonly lost: AbortSignal;
}

/**
 * Takes a conversation for one turn across every engine on the database (server processes on one
 * or many machines, the CLI), waiting while another engine's turn runs, and keeps the lease alive
 * until released. Within an engine, turns are already queued in order (see `writeLock`), so this
 * only ever waits on other engines. A lease that lapsed, because its owner died or stalled, is
 * taken over.
 * @throws ConflictError when the other turn has not ended within `waitMs`; nothing is written then.
 */
export async function holdConversation(store: Store, options: HoldOptions): Promise<HeldConversation> {
  const { agentId, conversation, holder, owner } = options;
  const leaseMs = options.leaseMs ?? TURN_LEASE_MS;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const now = options.nowMs();
    const lease = { holder, owner, expiresMs: now + leaseMs };
    const standing = await store.turnLeases.acquire(agentId, conversation, lease, now);
    if (standing.holder === holder) return keepAlive(store, options, leaseMs);
    if (performance.now() - started >= options.waitMs)
      throw new ConflictError(
        `another turn of this conversation is still running (turn ${standing.holder}, engine ${standing.owner}) after ${options.waitMs} ms: retry when it is done`,
        { details: { reason: "conversation_busy", turnId: standing.holder } },
      );
    if (options.signal?.aborted) throw options.signal.reason;
    await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 100)));
  }
}

/** Renews a taken lease every third of its length until released. */
function keepAlive(store: Store, options: HoldOptions, leaseMs: number): HeldConversation {
  const { agentId, conversation, holder } = options;
  const lost = new AbortController();
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      if (lost.signal.aborted) return;
      try {
        const held = await store.turnLeases.renew(agentId, conversation, holder, options.nowMs() + leaseMs);
        if (!held) {
          clearInterval(timer);
          lost.abort(
            new ConflictError(`the turn lost its lease on the conversation: another turn took it over`),
          );
        }
      } catch {
        // A failed renewal (a busy or unreachable database) is retried at the next tick; the lease
        // only lapses if renewals keep failing for its whole length.
      }
    });
  }, leaseMs / 3);
  // A lease must not keep a process alive that has nothing else to do.
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      await renewing;
      await store.turnLeases.release(agentId, conversation, holder);
    },
  };
}
