import { DELIVER_JOB } from "../../core/types.ts";
import { canTakeOver, endOfLapsedAttempt, type LapsedJobRow } from "../lapsed-jobs.ts";
import type { ClaimOptions } from "../store.ts";
import type { Sql } from "./pg-database.ts";

/**
 * The first key of the transaction-level advisory locks that serialise claims per agent (the second
 * is a hash of the agent's id). Two-key locks live apart from engram's one-key locks (migrations,
 * event order), whatever their values.
 */
const AGENT_CLAIM_LOCK = 0x656e67;

/** Candidates looked at per claim before giving up for now (each skipped one is busy elsewhere). */
const MAX_CANDIDATES = 32;

/**
 * Marks the oldest due job running for `options`, inside `tx`, and returns its id (null when there
 * is none). Due: queued with `runAfter` reached, or running under a lapsed lease. Race-free across
 * servers:
 * - `FOR UPDATE SKIP LOCKED`: a job another server is claiming right now is passed over, not waited
 *   for, so each job is claimed by one server;
 * - one agent's jobs run one at a time: a claim takes a transaction lock on the job's agent (again
 *   skipping an agent another server is claiming for), then checks, in a statement that sees every
 *   claim committed before the lock was granted, that none of the agent's other jobs is running under
 *   a live lease. Deliveries (`DELIVER_JOB`) are neither held to this nor counted by it: the row
 *   lock alone makes each one claimed once.
 */
export async function claimDueJob(tx: Sql, options: ClaimOptions): Promise<string | null> {
  const params: unknown[] = [];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const now = bind(options.now);
  const where = [
    options.ids === undefined
      ? `((j.status = 'queued' AND j.run_after <= ${now}) OR (j.status = 'running' AND j.lease_expires_at <= ${now}))`
      : `(j.status = 'queued' OR (j.status = 'running' AND j.lease_expires_at <= ${now}))`,
    // One sleep-time job of an agent at a time; deliveries run beside them (see DELIVER_JOB).
    `(j.kind = '${DELIVER_JOB}' OR NOT ${othersRunning("j.agent_id", "j.id", now)})`,
  ];
  if (options.ids !== undefined) where.push(`j.id = ANY(${bind(options.ids)}::text[])`);
  if (options.agentId !== undefined) where.push(`j.agent_id = ${bind(options.agentId)}`);
  if (options.projectId !== undefined) where.push(`j.project_id = ${bind(options.projectId)}`);
  if (options.kinds !== undefined) where.push(`j.kind = ANY(${bind(options.kinds)}::text[])`);
  // Agents passed over so far; bound by reference, so each query sees the list as it has grown.
  const skipped: string[] = [];
  const skip = bind(skipped);
  where.push(`NOT (j.agent_id = ANY(${skip}::text[]))`);
  const pick = `SELECT j.id, j.agent_id, j.kind, j.status, j.attempts, j.max_attempts FROM jobs j
    WHERE ${where.join(" AND ")} ORDER BY j.run_after, j.rowid LIMIT 1 FOR UPDATE OF j SKIP LOCKED`;
  for (let tries = 0; tries < MAX_CANDIDATES; tries++) {
    const candidate = await tx.get<LapsedJobRow & { agent_id: string; kind: string; status: string }>(
      pick,
      params,
    );
    if (candidate === undefined) return null;
    if (candidate.kind === DELIVER_JOB) return take(tx, candidate.id, options);
    skipped.push(candidate.agent_id);
    const locked = await tx.get<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok", [
      AGENT_CLAIM_LOCK,
      candidate.agent_id,
    ]);
    if (locked?.ok !== true) continue;
    const busy = async () =>
      (
        await tx.get<{ busy: boolean }>(`SELECT ${othersRunning("$1", "$2", "$3")} AS busy`, [
          candidate.agent_id,
          candidate.id,
          options.now,
        ])
      )?.busy !== false;
    if (await busy()) continue;
    // The agent's other lapsed attempts end here, so none completes beside this job (see lapsed-jobs).
    const takeOver = canTakeOver(candidate);
    await endLapsed(tx, candidate.agent_id, options.now, takeOver ? candidate.id : null);
    // A lapsed attempt that renewed its lease meanwhile was left running: it keeps the agent.
    if (takeOver) {
      if (await busy()) continue;
      return take(tx, candidate.id, options);
    }
    // A lapsed job with no attempts left has just failed: its agent may have another job due.
    skipped.pop();
  }
  return null;
}

/**
 * Ends the agent's sleep-time attempts whose leases lapsed, but `keep`'s, under the agent's claim
 * lock. An attempt completing right now holds its row: the update waits for it, then leaves the
 * job as that attempt left it.
 */
async function endLapsed(tx: Sql, agentId: string, now: string, keep: string | null): Promise<void> {
  const lapsed = await tx.all<LapsedJobRow>(
    `SELECT id, attempts, max_attempts FROM jobs WHERE agent_id = $1 AND kind <> '${DELIVER_JOB}'
       AND status = 'running' AND lease_expires_at <= $2 ORDER BY id`,
    [agentId, now],
  );
  for (const row of lapsed) {
    if (row.id === keep) continue;
    const end = endOfLapsedAttempt(row, now);
    await tx.run(
      `UPDATE jobs SET status = $1, error = $2, finished_at = $3, lease_expires_at = NULL
         WHERE id = $4 AND status = 'running' AND attempts = $5 AND lease_expires_at <= $6`,
      [end.status, end.error, end.finishedAt, row.id, row.attempts, now],
    );
  }
}

/** Marks the job running under the claim's lease, counting the attempt. */
async function take(tx: Sql, id: string, options: ClaimOptions): Promise<string> {
  await tx.run(
    `UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = $1, lease_expires_at = $2,
       finished_at = NULL WHERE id = $3`,
    [options.now, options.leaseExpiresAt, id],
  );
  return id;
}

/** Whether the agent (`agent`) has a job other than `job` running under a lease live at `now`. */
function othersRunning(agent: string, job: string, now: string): string {
  return `EXISTS (SELECT 1 FROM jobs o WHERE o.agent_id = ${agent} AND o.id <> ${job}
    AND o.kind <> '${DELIVER_JOB}' AND o.status = 'running' AND o.lease_expires_at > ${now})`;
}
