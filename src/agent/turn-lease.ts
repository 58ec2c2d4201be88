import { ConflictError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";

/** Longer than any turn runs: a lease outlives its turn's time-out by this much before it lapses. */
const GRACE_MS = 60_000;

export interface HoldOptions {
  agentId: string;
  /** The conversation within the agent: its user, or "" for the agent's own. */
  conversation: string;
  /** Names this claim (the turn's id). */
  holder: string;
  /** The turn's time-out: the lease lapses this long (plus a grace) after it is taken. */
  turnTimeoutMs: number;
  /** How long to wait for another process's turn to end. */
  waitMs: number;
  nowMs(): number;
  signal?: AbortSignal | undefined;
}

/**
 * Takes a conversation for one turn across processes (server workers, the CLI), waiting while a turn
 * of another process runs; returns the release. Within a process, turns are already queued in order
 * (see `writeLock`), so this only ever waits on other processes. A lease whose process has died, or
 * that has lapsed, is taken over.
 * @throws ConflictError when the other turn has not ended within `waitMs`; nothing is written then.
 */
export async function holdConversation(store: Store, options: HoldOptions): Promise<() => Promise<void>> {
  const { agentId, conversation, holder } = options;
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const now = options.nowMs();
    const lease = { holder, pid: process.pid, expiresMs: now + options.turnTimeoutMs + GRACE_MS };
    const standing = await store.turnLeases.acquire(agentId, conversation, lease, now, processGone);
    if (standing.holder === holder) return () => store.turnLeases.release(agentId, conversation, holder);
    if (performance.now() - started >= options.waitMs)
      throw new ConflictError(
        `another process is still running a turn of this conversation (turn ${standing.holder}, process ${standing.pid}) after ${options.waitMs} ms: retry when it is done`,
        { details: { reason: "conversation_busy", turnId: standing.holder } },
      );
    if (options.signal?.aborted) throw options.signal.reason;
    await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 100)));
  }
}

/** Whether a process on this machine has exited (a database file is only ever shared on one). */
function processGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
