import type { Job, JobStatus } from "../core/types.ts";
import type { ListOptions } from "./store.ts";

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
  /** Only jobs of these kinds. */
  kinds?: readonly string[] | undefined;
}

/** Moves a trigger's watermark from `from` to `to` along with an enqueue (compare-and-set). */
export interface WatermarkAdvance {
  agentId: string;
  source: string;
  from: number;
  to: number;
}

/**
 * The persistent job queue. A job succeeds in a unit of work (`UnitOfWork.jobs.complete`), together
 * with the changes it made, so that its completion and its changes are written all or none.
 */
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
   * agent's jobs run one at a time. Deliveries (`DELIVER_JOB`) are the exception: they neither wait
   * for the agent's other jobs nor count as running for them. Marks it running, counts the attempt
   * and sets the lease.
   */
  claim(options: ClaimOptions): Promise<Job | null>;
  /** Extends a running attempt's lease; false when that attempt no longer holds the job. */
  renew(id: string, attempt: number, leaseExpiresAt: string): Promise<boolean>;
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
