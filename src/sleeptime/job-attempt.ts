import { toIso } from "../core/clock.ts";
import { ConflictError, EngramError, toEngramError } from "../core/errors.ts";
import type { Agent, Job, JsonObject } from "../core/types.ts";
import type { EngineContext } from "../memory/context.ts";

const PERMANENT = Symbol.for("engram.sleeptime.permanent");

/** Marks an error as one that retrying cannot fix (e.g. no model configured). */
export function permanent(error: unknown): EngramError {
  const failure = toEngramError(error);
  (failure as unknown as Record<symbol, boolean>)[PERMANENT] = true;
  return failure;
}

/** Whether a failed attempt is worth retrying: not for bad input, missing things or missing set-up. */
export function isPermanent(error: unknown): boolean {
  if (typeof error === "object" && error !== null && PERMANENT in error) return true;
  return (
    EngramError.isInstance(error) &&
    (error.code === "invalid_input" || error.code === "not_found" || error.code === "forbidden")
  );
}

/**
 * Whether an attempt failed because the model's server could not be reached (its calls were
 * retried already): a queue retries it later, when the server may be back; a run that waits does not.
 */
export function unreachable(error: unknown): boolean {
  return EngramError.isInstance(error) && error.details?.reason === "connection";
}

/**
 * Ends a claimed attempt that failed: queued again after `retryDelayMs` (doubling with each
 * attempt) unless the error is permanent or the attempts are used up, else failed for good. When the
 * lease lapsed and another runner took the job over, that runner's attempt decides: the job is
 * returned as it stands.
 */
export async function recordFailure(
  ctx: EngineContext,
  retryDelayMs: number,
  job: Job,
  error: unknown,
): Promise<Job> {
  const failure = toEngramError(error);
  const now = ctx.now();
  const attempt = job.attempts;
  const retry = !isPermanent(error) && attempt < job.maxAttempts;
  try {
    return await ctx.store.jobs.fail({
      id: job.id,
      attempt,
      error: { code: failure.code, message: failure.message },
      retryAt: retry ? toIso(now + retryDelayMs * 2 ** (attempt - 1)) : null,
      finishedAt: toIso(now),
    });
  } catch (lost) {
    if (lost instanceof ConflictError) return (await ctx.store.jobs.get(job.id)) ?? job;
    throw lost;
  }
}

/** A new job of `agent`'s, queued to run now. */
export function queuedJob(
  ctx: EngineContext,
  agent: Agent,
  fields: {
    kind: string;
    trigger: string;
    payload: JsonObject;
    maxAttempts: number;
    idempotencyKey: string | null;
  },
): Job {
  const now = toIso(ctx.now());
  return {
    id: ctx.generateId("job"),
    projectId: agent.projectId,
    agentId: agent.id,
    status: "queued",
    attempts: 0,
    ...fields,
    result: null,
    error: null,
    runAfter: now,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    leaseExpiresAt: null,
    checkpoint: null,
  };
}
