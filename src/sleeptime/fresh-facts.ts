import type { JsonObject, Memory } from "../core/types.ts";
import { committedSince, creationSeq } from "./committed-since.ts";
import { isUndecidedFact } from "./decide-switch.ts";
import type { JobRun } from "./job-run.ts";
import { isCurrent } from "./memory-scan.ts";

const CREATED = ["memory.created"];

export interface FreshFacts {
  /** The facts to decide now, in the order they were committed: at most `max`. */
  batch: Memory[];
  /** The ids of the undecided facts committed after the batch, left for the next job. */
  left: string[];
  /** The `seq` of the last creation event read for the batch: the next job reads after it. */
  cursor: number;
}

/**
 * The agent's undecided current facts created since the last decision, in commit order: read from the
 * event log after the last job's cursor (`decidedThroughSeq`). The log's `seq` follows commit order
 * on every backend, so a fact whose write was still in flight when a job read the log, although its
 * id was made before the facts that job decided, is committed after the cursor and read by the next
 * job: none is skipped, none read twice.
 */
export async function freshFacts(
  run: JobRun,
  last: JsonObject | null,
  now: number,
  max: number,
): Promise<FreshFacts> {
  const from = await startSeq(run, last);
  return committedSince(run, CREATED, from, max, (ids) => undecided(run, ids, now), "count");
}

/** Those of `ids` that are the agent's own undecided facts, current now. */
async function undecided(run: JobRun, ids: readonly string[], now: number): Promise<Map<string, Memory>> {
  if (ids.length === 0) return new Map();
  const memories = await run.ctx.store.memories.list(
    { agentId: run.agent.id, kinds: ["fact"], archived: "exclude", ids },
    { limit: ids.length },
  );
  return new Map(memories.filter((m) => isCurrent(m, now) && isUndecidedFact(m)).map((m) => [m.id, m]));
}

/**
 * Where this job reads the log from (exclusive): the last job's cursor; for a job after one that kept
 * a memory id as its watermark (`decidedThrough`, before the cursor was a `seq`), just after that
 * memory's creation; for the agent's first decision, just before the creation of the first fact the
 * job was queued for (`fromMemory`: older facts were there before a decision was wanted), else the
 * start of the log.
 */
async function startSeq(run: JobRun, last: JsonObject | null): Promise<number> {
  const seq = last?.decidedThroughSeq;
  if (typeof seq === "number" && Number.isInteger(seq) && seq >= 0) return seq;
  const through = last?.decidedThrough;
  if (typeof through === "string") return through === "" ? 0 : creationSeq(run, CREATED, through, "after");
  if (last === null && run.fromMemory !== undefined)
    return creationSeq(run, CREATED, run.fromMemory, "before");
  return 0;
}
