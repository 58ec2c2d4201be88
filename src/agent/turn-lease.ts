import { ConflictError } from "../core/errors.ts";
import { type HeldLease, keepLeaseAlive, takeWithin } from "../core/lease.ts";
import type { Store, TurnLease } from "../store/store.ts";

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

/**
 * A conversation held for one turn. `lost` aborts when the lease lapsed (this engine stalled past it)
 * and another turn took the conversation: the turn should stop writing.
 */
export type HeldConversation = HeldLease;

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
  let standing: TurnLease | undefined;
  const taken = await takeWithin(
    async () => {
      const now = options.nowMs();
      const lease = { holder, owner, expiresMs: now + leaseMs };
      standing = await store.turnLeases.acquire(agentId, conversation, lease, now);
      return standing.holder === holder;
    },
    { waitMs: options.waitMs, signal: options.signal },
  );
  if (!taken)
    throw new ConflictError(
      `another turn of this conversation is still running (turn ${standing?.holder}, engine ${standing?.owner}) after ${options.waitMs} ms: retry when it is done`,
      { details: { reason: "conversation_busy", turnId: standing?.holder } },
    );
  return keepLeaseAlive({
    leaseMs,
    renew: () => store.turnLeases.renew(agentId, conversation, holder, options.nowMs() + leaseMs),
    release: () => store.turnLeases.release(agentId, conversation, holder),
    lostReason: () =>
      new ConflictError("the turn lost its lease on the conversation: another turn took it over"),
  });
}
