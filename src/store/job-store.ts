import type { Job, JobStatus, JsonObject, NewEvent } from "../core/types.ts";
import type { AppendCommit, InsightChanges, ListOptions, MemoryWrite } from "./store.ts";

/**
 * Everything one job changes. `JobStore.complete` applies it together with the job's completion, in
 * one transaction: all of it, or (on any stale expectation) none of it.
 */
export interface JobChanges {
  memoryInserts: MemoryWrite[];
  /** Each applies only if the memory is still at `expectedVersion`. */
  memoryUpdates: { write: MemoryWrite; expectedVersion: number }[];
  /** A block commit; applies only if its branch is still at `expectedHead`. */
  commit: AppendCommit | null;
  /**
   * Insight upserts and deletes with their events. `expected` names each touched rule as it was read
   * (`updatedAt`, null for a rule that must not exist yet).
   */
  insights: InsightChanges | null;
  /** Further events, written after the changes (e.g. the job's own summary). */
  events: NewEvent[];
}

export interface JobFilter {
  projectId?: string | undefined;
  agentId?: string | undefined;
  statuses?: readonly JobStatus[] | undefined;
  kinds?: readonly string[] | undefined;
}

export interface ClaimOptions {
  now: string;
  /** The lease the claim holds until (renewable). */
  leaseExpiresAt: string;
  projectId?: string | undefined;
  agentId?: string | undefined;
  /** Only these jobs, and regardless of `runAfter` (an on-demand run). */
  ids?: readonly string[] | undefined;
}

/** Moves a trigger's watermark from `from` to `to` along with an enqueue (compare-and-set). */
export interface WatermarkAdvance {
  agentId: string;
  source: string;
  from: number;
  to: number;
}

export interface JobStore {
  /**
   * Adds jobs, all or none. A job whose agent already has a job with its `idempotencyKey` is not added:
   * the existing job is returned in its place. With `watermark`, the jobs are added only if the
   * watermark is still at `from`, and it moves to `to` in the same transaction; otherwise nothing is
   * added and the result is empty (another process fired the same trigger).
   */
  enqueue(jobs: Job[], watermark?: WatermarkAdvance): Promise<Job[]>;
  get(id: string): Promise<Job | null>;
  /** Newest first; `after` is the id of the last job of the previous page. */
  list(filter: JobFilter, options: ListOptions): Promise<Job[]>;
  /**
   * Takes the oldest due job: queued with `runAfter` reached, or running under an expired lease (its
   * runner is presumed dead). Agents with another job running under a live lease are skipped, so one
   * agent's jobs run one at a time. Marks it running, counts the attempt and sets the lease.
   */
  claim(options: ClaimOptions): Promise<Job | null>;
  /** Extends a running attempt's lease; false when that attempt no longer holds the job. */
  renew(id: string, attempt: number, leaseExpiresAt: string): Promise<boolean>;
  /**
   * Applies the job's changes and marks it succeeded with `result`, in one transaction, provided
   * `attempt` still holds the job. Records the checkpoint (event-log position, commit) when anything
   * changed. @throws ConflictError when the attempt lost the job or a change's expectation is stale;
   * then nothing at all is written.
   */
  complete(input: {
    id: string;
    attempt: number;
    changes: JobChanges;
    result: JsonObject;
    finishedAt: string;
  }): Promise<Job>;
  /**
   * Ends an attempt that failed: queued again from `retryAt`, or failed for good when it is null.
   * @throws ConflictError when the attempt no longer holds the job.
   */
  fail(input: {
    id: string;
    attempt: number;
    error: { code: string; message: string };
    retryAt: string | null;
    finishedAt: string;
  }): Promise<Job>;
  /** Where a trigger of the agent last fired in the event log (0 before it ever did). */
  watermark(agentId: string, source: string): Promise<number>;
}
