import { ConflictError, NotFoundError } from "../../core/errors.ts";
import { DELIVER_JOB, type Job } from "../../core/types.ts";
import { canTakeOver, endOfLapsedAttempt, type LapsedJobRow } from "../lapsed-jobs.ts";
import { JOB_COLUMNS, type JobRow, jobValues, toJob } from "../rows/job-rows.ts";
import type {
  ClaimOptions,
  JobCompletion,
  JobFilter,
  JobStore,
  ListOptions,
  WatermarkAdvance,
} from "../store.ts";
import { inTransaction } from "./database.ts";
import type { Statements } from "./statements.ts";

const INSERT_JOB = `INSERT INTO jobs (${JOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The persistent job queue on SQLite. */
export class SqliteJobStore implements JobStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async enqueue(jobs: Job[], watermark?: WatermarkAdvance): Promise<Job[]> {
    return inTransaction(this.#s.db, () => {
      if (watermark !== undefined) {
        if (this.#watermark(watermark.agentId, watermark.source) !== watermark.from) return [];
        this.#s.run(
          `INSERT INTO job_watermarks (agent_id, source, seq) VALUES (?, ?, ?)
           ON CONFLICT (agent_id, source) DO UPDATE SET seq = excluded.seq`,
          watermark.agentId,
          watermark.source,
          watermark.to,
        );
      }
      return jobs.map((job) => {
        if (job.idempotencyKey !== null) {
          const existing = this.#s.get<JobRow>(
            "SELECT * FROM jobs WHERE agent_id = ? AND idempotency_key = ?",
            job.agentId,
            job.idempotencyKey,
          );
          if (existing !== undefined) return toJob(existing);
        }
        this.#s.run(INSERT_JOB, ...jobValues(job));
        return job;
      });
    });
  }

  async get(id: string): Promise<Job | null> {
    return this.#get(id);
  }

  async list(filter: JobFilter, options: ListOptions): Promise<Job[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.agentId !== undefined) {
      where.push("agent_id = ?");
      params.push(filter.agentId);
    }
    if (filter.projectId !== undefined) {
      where.push("project_id = ?");
      params.push(filter.projectId);
    }
    if (filter.statuses !== undefined && filter.statuses.length > 0) {
      where.push(`status IN (${filter.statuses.map(() => "?").join(", ")})`);
      params.push(...filter.statuses);
    }
    if (filter.kinds !== undefined && filter.kinds.length > 0) {
      where.push(`kind IN (${filter.kinds.map(() => "?").join(", ")})`);
      params.push(...filter.kinds);
    }
    if (options.after !== undefined) {
      where.push("id < ?");
      params.push(options.after);
    }
    const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    return this.#s
      .all<JobRow>(`SELECT * FROM jobs ${clause} ORDER BY id DESC LIMIT ?`, ...params, options.limit)
      .map(toJob);
  }

  async claim(options: ClaimOptions): Promise<Job | null> {
    return inTransaction(this.#s.db, () => {
      const where = [
        options.ids === undefined
          ? "((j.status = 'queued' AND j.run_after <= ?) OR (j.status = 'running' AND j.lease_expires_at <= ?))"
          : "(j.status = 'queued' OR (j.status = 'running' AND j.lease_expires_at <= ?))",
        // One sleep-time job of an agent at a time; deliveries run beside them (see DELIVER_JOB).
        `(j.kind = '${DELIVER_JOB}' OR NOT EXISTS (SELECT 1 FROM jobs o WHERE o.agent_id = j.agent_id
           AND o.id <> j.id AND o.kind <> '${DELIVER_JOB}' AND o.status = 'running' AND o.lease_expires_at > ?))`,
      ];
      const params: (string | number)[] =
        options.ids === undefined ? [options.now, options.now, options.now] : [options.now, options.now];
      if (options.ids !== undefined) {
        if (options.ids.length === 0) return null;
        where.push(`j.id IN (${options.ids.map(() => "?").join(", ")})`);
        params.push(...options.ids);
      }
      if (options.agentId !== undefined) {
        where.push("j.agent_id = ?");
        params.push(options.agentId);
      }
      if (options.projectId !== undefined) {
        where.push("j.project_id = ?");
        params.push(options.projectId);
      }
      if (options.kinds !== undefined) {
        if (options.kinds.length === 0) return null;
        where.push(`j.kind IN (${options.kinds.map(() => "?").join(", ")})`);
        params.push(...options.kinds);
      }
      const pick = `SELECT j.id, j.agent_id, j.kind, j.status, j.attempts, j.max_attempts FROM jobs j
        WHERE ${where.join(" AND ")} ORDER BY j.run_after, j.rowid LIMIT 1`;
      let row: (LapsedJobRow & { agent_id: string; kind: string; status: string }) | undefined;
      for (;;) {
        row = this.#s.get(pick, ...params);
        if (row === undefined) return null;
        if (row.kind === DELIVER_JOB) break;
        // The agent's other lapsed attempts end here, so none completes beside this job (see lapsed-jobs).
        const takeOver = canTakeOver(row);
        this.#endLapsed(row.agent_id, options.now, takeOver ? row.id : null);
        // A lapsed job with no attempts left has just failed; look for the next one.
        if (takeOver) break;
      }
      this.#s.run(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = ?, lease_expires_at = ?,
           finished_at = NULL WHERE id = ?`,
        options.now,
        options.leaseExpiresAt,
        row.id,
      );
      return this.#get(row.id);
    });
  }

  /** Ends the agent's sleep-time attempts whose leases lapsed, but `keep`'s (see lapsed-jobs). */
  #endLapsed(agentId: string, now: string, keep: string | null): void {
    const lapsed = this.#s.all<LapsedJobRow>(
      `SELECT id, attempts, max_attempts FROM jobs WHERE agent_id = ? AND kind <> '${DELIVER_JOB}'
         AND status = 'running' AND lease_expires_at <= ?`,
      agentId,
      now,
    );
    for (const row of lapsed) {
      if (row.id === keep) continue;
      const end = endOfLapsedAttempt(row, now);
      this.#s.run(
        `UPDATE jobs SET status = ?, error = ?, finished_at = ?, lease_expires_at = NULL
           WHERE id = ? AND status = 'running' AND attempts = ?`,
        end.status,
        end.error,
        end.finishedAt,
        row.id,
        row.attempts,
      );
    }
  }

  async renew(id: string, attempt: number, leaseExpiresAt: string): Promise<boolean> {
    const { changes } = this.#s.run(
      "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND attempts = ?",
      leaseExpiresAt,
      id,
      attempt,
    );
    return Number(changes) === 1;
  }

  /**
   * Marks the job succeeded, joining the caller's transaction (a unit of work), provided the attempt
   * still holds it. @throws ConflictError when it does not.
   */
  completeNow(completion: JobCompletion): void {
    this.#held(completion.id, completion.attempt);
    const { checkpoint } = completion;
    const seq =
      checkpoint === null
        ? null
        : (this.#s.get<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events")?.seq ?? null);
    this.#s.run(
      `UPDATE jobs SET status = 'succeeded', result = ?, error = NULL, finished_at = ?, lease_expires_at = NULL,
         checkpoint_seq = ?, checkpoint_commit = ? WHERE id = ?`,
      JSON.stringify(completion.result),
      completion.finishedAt,
      seq,
      checkpoint?.commitId ?? null,
      completion.id,
    );
  }

  async fail(input: {
    id: string;
    attempt: number;
    error: { code: string; message: string };
    retryAt: string | null;
    finishedAt: string;
  }): Promise<Job> {
    return inTransaction(this.#s.db, () => {
      this.#held(input.id, input.attempt);
      this.#s.run(
        `UPDATE jobs SET status = ?, error = ?, run_after = COALESCE(?, run_after), finished_at = ?,
           lease_expires_at = NULL WHERE id = ?`,
        input.retryAt === null ? "failed" : "queued",
        JSON.stringify(input.error),
        input.retryAt,
        input.retryAt === null ? input.finishedAt : null,
        input.id,
      );
      return this.#get(input.id) as Job;
    });
  }

  async watermark(agentId: string, source: string): Promise<number> {
    return this.#watermark(agentId, source);
  }

  #watermark(agentId: string, source: string): number {
    return (
      this.#s.get<{ seq: number }>(
        "SELECT seq FROM job_watermarks WHERE agent_id = ? AND source = ?",
        agentId,
        source,
      )?.seq ?? 0
    );
  }

  #get(id: string): Job | null {
    const row = this.#s.get<JobRow>("SELECT * FROM jobs WHERE id = ?", id);
    return row === undefined ? null : toJob(row);
  }

  /** The job, if this attempt still holds it. */
  #held(id: string, attempt: number): Job {
    const job = this.#get(id);
    if (job === null) throw new NotFoundError(`job ${id} not found`);
    if (job.status !== "running" || job.attempts !== attempt) {
      throw new ConflictError(
        `job ${id} is no longer held by attempt ${attempt} (it is ${job.status}, attempt ${job.attempts})`,
      );
    }
    return job;
  }
}
