import { z } from "zod";
import { toIso } from "../core/clock.ts";
import { EngramError, InvalidInputError, NotFoundError } from "../core/errors.ts";
import type { GraphRecord } from "../core/graph-types.ts";
import { DELIVER_JOB, type Job, type Memory } from "../core/types.ts";
import { parseInput } from "../core/validation.ts";
import { keepsGraph } from "../graph/graph-mode.ts";
import { rebuildGraph } from "../graph/graph-rebuild.ts";
import { emptyRecord, memoryRecord } from "../graph/graph-records.ts";
import type { EngineContext } from "../memory/context.ts";
import { graphOwner } from "../memory/memories/memory-service.ts";
import { storeWith } from "../retrieval/vector-index.ts";
import { consolidate } from "./consolidate.ts";
import { decide } from "./decide.ts";
import { extract } from "./extract.ts";
import { forget } from "./forget.ts";
import { permanent, recordFailure, unreachable } from "./job-attempt.ts";
import { JobRun, type JobServices } from "./job-run.ts";
import { jobOverrides, type SleepJobKind, type SleeptimeOptions, withOverrides } from "./options.ts";
import { reflect } from "./reflect.ts";
import { rethink } from "./rethink.ts";

/** What each kind of job does. */
export const JOB_HANDLERS: Readonly<Record<SleepJobKind, (run: JobRun) => Promise<void>>> = {
  decide,
  extract,
  consolidate,
  reflect,
  rethink,
  forget,
};

/** A job's payload: whether to run past its gates, and setting overrides for this run. */
export const jobPayload = z.strictObject({
  force: z.boolean().default(false),
  options: jobOverrides.optional(),
  /** A decision job's first fact: facts written before it were there before the job was wanted. */
  fromMemory: z.string().max(100).optional(),
});
export type JobPayload = z.input<typeof jobPayload>;

export interface RunnerDeps {
  ctx: EngineContext;
  options: SleeptimeOptions;
  services: JobServices;
}

/**
 * Runs one claimed attempt of a job: computes its changes from the current state, then commits them
 * with the job's completion in one unit of work (one transaction). Any failure before
 * or during that transaction leaves nothing applied; the attempt is recorded and, unless retrying
 * cannot help, the job is queued again with a backoff.
 */
export async function executeJob(
  deps: RunnerDeps,
  job: Job,
  /** A run that waits for the job (`engram sleep`): a model it cannot reach is not tried again at once. */
  { oneShot = false }: { oneShot?: boolean } = {},
): Promise<Job> {
  const { ctx, options } = deps;
  if (job.kind === DELIVER_JOB) return deps.services.deliver(job);
  const attempt = job.attempts;
  try {
    const agent = await ctx.store.agents.get(job.agentId);
    if (agent === null) throw new NotFoundError(`agent ${job.agentId} not found`);
    const handler = JOB_HANDLERS[job.kind as SleepJobKind];
    if (handler === undefined) throw new InvalidInputError(`unknown job kind "${job.kind}"`);
    const payload = parseInput(jobPayload, job.payload, `job ${job.id} payload`);
    const run = new JobRun({
      ctx,
      agent,
      job,
      options: withOverrides(options, payload.options),
      force: payload.force,
      fromMemory: payload.fromMemory,
      services: deps.services,
      renew: () => renew(deps, job),
    });
    await handler(run);
    const summary = run.summary();
    // Embedded before the write, so that the job's memories commit with their vectors.
    // (A project memory the job rewrote is the project's, not the agent's.)
    const owners = new Map<string, Memory[]>();
    for (const memory of run.changes.newTexts) {
      const owned = owners.get(memory.agentId);
      if (owned === undefined) owners.set(memory.agentId, [memory]);
      else owned.push(memory);
    }
    const vectors = await Promise.all(
      [...owners].map(([owner, memories]) => ctx.vectors.embedFor("memories", owner, memories)),
    );
    const work = ctx.store.unitOfWork();
    const checkpoint = run.changes.addTo(work, job.kind, summary);
    // What the job's new memories name, and what an extraction found, land with its changes.
    const named =
      job.kind === "consolidate" || !keepsGraph(agent)
        ? []
        : run.changes.inserted.map((memory) => memoryRecord(memory));
    const records = [...named, ...run.graphRecords];
    if (records.length > 0) work.graph.record(agent.id, records);
    // The memories it closed, archived or rewrote are recorded again, as a user's edit records them
    // (consolidation rebuilds the graph after it instead).
    if (job.kind !== "consolidate" || !keepsGraph(agent))
      for (const [owner, changed] of restatedInGraph(run.changes.updated, keepsGraph(agent)))
        work.graph.record(owner, changed);
    for (const owned of vectors) storeWith(work, owned);
    work.jobs.complete({
      id: job.id,
      attempt,
      result: run.result(),
      finishedAt: toIso(ctx.now()),
      checkpoint,
    });
    await work.commit();
    const done = await ctx.store.jobs.get(job.id);
    if (done === null) throw new NotFoundError(`job ${job.id} not found`);
    // Consolidation rebuilds the entity graph from what it left (merging duplicate entities, closing
    // the relations of closed facts): derived data, redone by the next consolidation if this fails.
    if (job.kind === "consolidate" && keepsGraph(agent)) await rebuildGraph(ctx.store, agent.id);
    return done;
  } catch (error) {
    return recordFailure(
      ctx,
      options.queue.retryDelayMs,
      job,
      oneShot && unreachable(error) ? permanent(error) : error,
    );
  }
}

/**
 * The graph records of memories a job changed, by the graph each was recorded in: an archived one
 * takes back what it named (whatever the graph mode, as archiving by hand does); one whose text or
 * validity changed is recorded again, so a relation only a closed fact stated closes with it.
 */
function restatedInGraph(
  updated: readonly { before: Memory; after: Memory }[],
  keepGraph: boolean,
): Map<string, GraphRecord[]> {
  const out = new Map<string, GraphRecord[]>();
  for (const { before, after } of updated) {
    let record: GraphRecord | null = null;
    if (after.archivedAt !== null) {
      if (before.archivedAt === null) record = emptyRecord("memory", after.id, after.userId, after.createdAt);
    } else if (
      keepGraph &&
      (after.text !== before.text ||
        after.validFrom !== before.validFrom ||
        after.validTo !== before.validTo ||
        before.archivedAt !== null)
    )
      record = memoryRecord(after);
    if (record === null) continue;
    const owner = graphOwner(after);
    const records = out.get(owner);
    if (records === undefined) out.set(owner, [record]);
    else records.push(record);
  }
  return out;
}

/** Extends the lease; when the job was taken over meanwhile, stops this attempt. */
async function renew(deps: RunnerDeps, job: Job): Promise<void> {
  const until = toIso(deps.ctx.now() + deps.options.queue.leaseMs);
  if (!(await deps.ctx.store.jobs.renew(job.id, job.attempts, until))) {
    throw new EngramError(
      "conflict",
      `job ${job.id} was taken over by another runner after its lease lapsed`,
    );
  }
}
