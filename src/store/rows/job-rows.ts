import type { Job } from "../../core/types.ts";

/** Rows of the job queue as every backend stores them, and their mapping to and from engram's types. */

export interface JobRow {
  id: string;
  project_id: string;
  agent_id: string;
  kind: string;
  status: string;
  attempts: number;
  max_attempts: number;
  idempotency_key: string | null;
  trigger: string;
  payload: string;
  result: string | null;
  error: string | null;
  run_after: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  lease_expires_at: string | null;
  checkpoint_seq: number | null;
  checkpoint_commit: string | null;
}

export const toJob = (row: JobRow): Job => ({
  id: row.id,
  projectId: row.project_id,
  agentId: row.agent_id,
  kind: row.kind,
  status: row.status as Job["status"],
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
  idempotencyKey: row.idempotency_key,
  trigger: row.trigger,
  payload: JSON.parse(row.payload),
  result: row.result === null ? null : JSON.parse(row.result),
  error: row.error === null ? null : JSON.parse(row.error),
  runAfter: row.run_after,
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  leaseExpiresAt: row.lease_expires_at,
  checkpoint:
    row.checkpoint_seq === null ? null : { eventSeq: row.checkpoint_seq, commitId: row.checkpoint_commit },
});

export const JOB_COLUMNS = `id, project_id, agent_id, kind, status, attempts, max_attempts, idempotency_key,
  trigger, payload, result, error, run_after, created_at, started_at, finished_at, lease_expires_at`;

/** A new job's column values, in the order of {@link JOB_COLUMNS}. */
export function jobValues(job: Job): (string | number | null)[] {
  return [
    job.id,
    job.projectId,
    job.agentId,
    job.kind,
    job.status,
    job.attempts,
    job.maxAttempts,
    job.idempotencyKey,
    job.trigger,
    JSON.stringify(job.payload),
    job.result === null ? null : JSON.stringify(job.result),
    job.error === null ? null : JSON.stringify(job.error),
    job.runAfter,
    job.createdAt,
    job.startedAt,
    job.finishedAt,
    job.leaseExpiresAt,
  ];
}
