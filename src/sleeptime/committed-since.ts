import type { JobRun } from "./job-run.ts";

const PAGE = 500;

export interface Committed<T> {
  /** The items to work on now, in the order they were committed: at most `max`. */
  batch: T[];
  /** With `rest: "count"`, the ids of the items committed after the batch, left for the next job. */
  left: string[];
  /** The `seq` of the last event read for the batch: the next job reads after it. */
  cursor: number;
}

/**
 * The items named by the agent's events of `kinds` committed after `after` (a `seq`, exclusive), in
 * commit order, at most `max`: `resolve` turns a page of the events' target ids into the items that
 * still qualify (others are passed over, the cursor moving past them). The log's `seq` follows commit
 * order on every backend, so an item whose write was still in flight when a job read the log,
 * although its id was made before the items that job took, is committed after the cursor and read by
 * the next job: none is skipped, none read twice. With `rest: "stop"` the read ends once the batch is
 * full (a backlog costs one page per job, never a walk of it); with `rest: "count"` the qualifying
 * items after the batch are read too, their ids returned in `left`.
 */
export async function committedSince<T>(
  run: JobRun,
  kinds: readonly string[],
  after: number,
  max: number,
  resolve: (ids: string[]) => Promise<Map<string, T>>,
  rest: "stop" | "count",
): Promise<Committed<T>> {
  const batch: T[] = [];
  const left: string[] = [];
  let cursor = after;
  if (max <= 0 && rest === "stop") return { batch, left, cursor };
  for (let from = after; ; ) {
    const limit = rest === "stop" ? Math.min(PAGE, max - batch.length) : PAGE;
    const events = await run.ctx.store.events.list({
      agentId: run.agent.id,
      kinds: [...kinds],
      afterSeq: from,
      limit,
    });
    const items = events.length === 0 ? new Map<string, T>() : await resolve(events.map((e) => e.targetId));
    for (const event of events) {
      const item = items.get(event.targetId);
      if (batch.length === max) {
        if (item !== undefined) left.push(event.targetId);
        continue;
      }
      if (item !== undefined) batch.push(item);
      cursor = event.seq;
    }
    const end = events.at(-1);
    if (end === undefined || events.length < limit || (rest === "stop" && batch.length === max))
      return { batch, left, cursor };
    from = end.seq;
  }
}

/**
 * The `seq` just before or just after the event of `kinds` that made item `id`, read newest first
 * (so only what came after it is read): for a job after one that kept an id as its watermark. An item
 * whose making is not in the log (one brought in by an import) bounds by id instead: just after the
 * latest such event of an older item.
 */
export async function creationSeq(
  run: JobRun,
  kinds: readonly string[],
  id: string,
  side: "before" | "after",
): Promise<number> {
  let older = 0;
  for (let before: number | undefined; ; ) {
    const events = await run.ctx.store.events.list({
      agentId: run.agent.id,
      kinds: [...kinds],
      beforeSeq: before,
      newestFirst: true,
      limit: PAGE,
    });
    for (const event of events) {
      if (event.targetId === id) return side === "after" ? event.seq : event.seq - 1;
      if (older === 0 && event.targetId < id) older = event.seq;
    }
    const end = events.at(-1);
    if (end === undefined || events.length < PAGE) return older;
    before = end.seq;
  }
}
