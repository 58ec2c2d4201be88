import type { EngramEvent } from "../../core/types.ts";
import type { Store } from "../../store/store.ts";
import { exactKinds } from "./event-kinds.ts";

/** How often a follower looks for events written by other processes, by default: 1 s. */
export const DEFAULT_FOLLOW_POLL_MS = 1000;

const BATCH = 200;

/** What a follower reads: a checked, resolved query. */
export interface FollowQuery {
  projectId: string | undefined;
  agentId: string | undefined;
  kinds: readonly string[] | undefined;
  matches: (kind: string) => boolean;
  /** Events with a greater `seq` are yielded. */
  afterSeq: number;
  signal: AbortSignal | undefined;
  pollMs: number;
}

/**
 * Yields the log's events after `afterSeq`, in order, then each new one as it commits, until the signal
 * aborts. Writes through this process's store wake it at once; a slow poll covers other processes.
 * It reads from the log itself, so a follower that starts again after the last `seq` it saw misses
 * nothing.
 */
export async function* followEvents(store: Store, query: FollowQuery): AsyncGenerator<EngramEvent> {
  let cursor = query.afterSeq;
  let dirty = true;
  let wake: (() => void) | undefined;
  const poke = () => {
    dirty = true;
    wake?.();
  };
  const unwatch = store.events.watch(poke);
  const poll = setInterval(poke, query.pollMs);
  // The poll holds the process open only while a reader waits for the next event: a command that
  // follows the log (engram events --follow) has nothing else to keep it running, while a follower
  // left suspended at a yield must not keep a process from exiting.
  poll.unref?.();
  query.signal?.addEventListener("abort", poke, { once: true });
  try {
    while (!isAborted(query.signal)) {
      if (!dirty) {
        poll.ref?.();
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        poll.unref?.();
        wake = undefined;
        continue;
      }
      dirty = false;
      const rows = await store.events.list({
        projectId: query.projectId,
        agentId: query.agentId,
        kinds: exactKinds(query.kinds),
        afterSeq: cursor,
        limit: BATCH,
      });
      for (const event of rows) {
        cursor = event.seq;
        if (query.matches(event.kind)) yield event;
        if (isAborted(query.signal)) return;
      }
      if (rows.length === BATCH) dirty = true;
    }
  } finally {
    clearInterval(poll);
    unwatch();
    query.signal?.removeEventListener("abort", poke);
  }
}

/** Read through a call, as the signal may abort while the generator is suspended. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
