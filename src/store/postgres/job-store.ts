import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { Job } from "../../core/types.ts";
import { JOB_COLUMNS, type JobRow, jobValues, toJob } from "../rows/job-rows.ts";
import type {
  ClaimOptions,
  JobCompletion,
  JobFilter,
  JobStore,
  ListOptions,
  WatermarkAdvance,
} from "../store.ts";
import { insertRows } from "./insert-rows.ts";
import { claimDueJob } from "./job-claim.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { isUniqueViolation } from "./pg-errors.ts";

/**
 * The sleep-time queue on PostgreSQL, shared by every server on the database: a job is claimed by
 * one of them (see {@link claimDueJob}), and it completes in a unit of work with all it changed
 * (see {@link completeJob}), provided the claiming attempt still holds it.
 */
export class PgJobStore implements JobStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async enqueue(jobs: Job[], watermark?: WatermarkAdvance): Promise<Job[]> {
    try {
      return await this.#db.transaction(async (tx) => {
        if (watermark !== undefined && !(await advance(tx, watermark))) return [];
        // A job whose key its agent already has is not added; the one there takes its place.
        await insertRows(
          tx,
          `jobs (${JOB_COLUMNS})`,
          jobs.map(jobValues),
          "ON CONFLICT (agent_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING",
        );
        const out: Job[] = [];
        for (const job of jobs) {
          const existing =
            job.idempotencyKey === null
              ? undefined
              : await tx.get<JobRow>("SELECT * FROM jobs WHERE agent_id = $1 AND idempotency_key = $2", [
                  job.agentId,
                  job.idempotencyKey,
                ]);
          out.push(existing === undefined || existing.id === job.id ? job : toJob(existing));
        }
        return out;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError("a job with one of these ids already exists");
      throw error;
    }
  }

  async get(id: string): Promise<Job | null> {
    return getJob(this.#db, id);
  }

  async list(filter: JobFilter, options: ListOptions): Promise<Job[]> {
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const where: string[] = [];
    if (filter.agentId !== undefined) where.push(`agent_id = ${bind(filter.agentId)}`);
    if (filter.projectId !== undefined) where.push(`project_id = ${bind(filter.projectId)}`);
    if (filter.statuses !== undefined && filter.statuses.length > 0)
      where.push(`status = ANY(${bind(filter.statuses)}::text[])`);
    if (filter.kinds !== undefined && filter.kinds.length > 0)
      where.push(`kind = ANY(${bind(filter.kinds)}::text[])`);
    if (options.after !== undefined) where.push(`id < ${bind(options.after)}`);
    const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    const rows = await this.#db.all<JobRow>(
      `SELECT * FROM jobs ${clause} ORDER BY id DESC LIMIT ${bind(options.limit)}`,
      params,
    );
    return rows.map(toJob);
  }

  async claim(options: ClaimOptions): Promise<Job | null> {
    if (options.ids !== undefined && options.ids.length === 0) return null;
    return this.#db.transaction(async (tx) => {
      const id = await claimDueJob(tx, options);
      return id === null ? null : getJob(tx, id);
    });
  }

  async renew(id: string, attempt: number, leaseExpiresAt: string): Promise<boolean> {
    const changed = await this.#db.run(
      "UPDATE jobs SET lease_expires_at = $1 WHERE id = $2 AND status = 'running' AND attempts = $3",
      [leaseExpiresAt, id, attempt],
    );
    return changed === 1;
  }

  async fail(input: {
    id: string;
    attempt: number;
    error: { code: string; message: string };
    retryAt: string | null;
    finishedAt: string;
  }): Promise<Job> {
    return this.#db.transaction(async (tx) => {
      await held(tx, input.id, input.attempt);
      await tx.run(
        `UPDATE jobs SET status = $1, error = $2, run_after = COALESCE($3, run_after), finished_at = $4,
           lease_expires_at = NULL WHERE id = $5`,
        [
          input.retryAt === null ? "failed" : "queued",
          JSON.stringify(input.error),
          input.retryAt,
          input.retryAt === null ? input.finishedAt : null,
          input.id,
        ],
      );
      return (await getJob(tx, input.id)) as Job;
    });
  }

  async watermark(agentId: string, source: string): Promise<number> {
    const row = await this.#db.get<{ seq: number }>(
      "SELECT seq FROM job_watermarks WHERE agent_id = $1 AND source = $2",
      [agentId, source],
    );
    return row?.seq ?? 0;
  }
}

/**
 * Moves a trigger's watermark from `from` to `to`, inside `tx`; false when it is elsewhere (another
 * server fired the same trigger). A first watermark is inserted: of two servers inserting it, the
 * second finds the first's row and moves nothing.
 */
async function advance(tx: Sql, w: WatermarkAdvance): Promise<boolean> {
  const moved = await tx.run(
    "UPDATE job_watermarks SET seq = $1 WHERE agent_id = $2 AND source = $3 AND seq = $4",
    [w.to, w.agentId, w.source, w.from],
  );
  if (moved === 1) return true;
  if (w.from !== 0) return false;
  const inserted = await tx.run(
    "INSERT INTO job_watermarks (agent_id, source, seq) VALUES ($1, $2, $3) ON CONFLICT (agent_id, source) DO NOTHING",
    [w.agentId, w.source, w.to],
  );
  return inserted === 1;
}

/**
 * Marks the job succeeded inside `tx` (a unit of work), provided the attempt still holds it (its row
 * stays locked until the commit). @throws ConflictError when it does not.
 */
export async function completeJob(tx: Sql, completion: JobCompletion): Promise<void> {
  await held(tx, completion.id, completion.attempt);
  const { checkpoint } = completion;
  // Events are appended under a lock held until this commit, so the newest is this unit's last.
  const seq =
    checkpoint === null
      ? null
      : ((await tx.get<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events"))?.seq ?? null);
  await tx.run(
    `UPDATE jobs SET status = 'succeeded', result = $1, error = NULL, finished_at = $2, lease_expires_at = NULL,
       checkpoint_seq = $3, checkpoint_commit = $4 WHERE id = $5`,
    [
      JSON.stringify(completion.result),
      completion.finishedAt,
      seq,
      checkpoint?.commitId ?? null,
      completion.id,
    ],
  );
}

async function getJob(sql: Sql, id: string): Promise<Job | null> {
  const row = await sql.get<JobRow>("SELECT * FROM jobs WHERE id = $1", [id]);
  return row === undefined ? null : toJob(row);
}

/** The job, locked until the commit, if this attempt still holds it. */
async function held(tx: Sql, id: string, attempt: number): Promise<Job> {
  const row = await tx.get<JobRow>("SELECT * FROM jobs WHERE id = $1 FOR UPDATE", [id]);
  if (row === undefined) throw new NotFoundError(`job ${id} not found`);
  const job = toJob(row);
  if (job.status !== "running" || job.attempts !== attempt) {
    throw new ConflictError(
      `job ${id} is no longer held by attempt ${attempt} (it is ${job.status}, attempt ${job.attempts})`,
    );
  }
  return job;
}
