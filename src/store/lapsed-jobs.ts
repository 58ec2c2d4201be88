/**
 * Attempts of sleep-time jobs whose leases lapsed (their runner died, or stalled past its lease).
 * Before a claim takes one of an agent's sleep-time jobs, it ends every other such attempt of the
 * agent, in the claim's transaction: the job goes back to the queue (or fails for good, its attempts
 * used up), so the stalled attempt, should it come back, can no longer complete it beside the newly
 * claimed job. A lapsed job that has used up its attempts is failed rather than taken over, so a job
 * whose runner keeps dying stops after `maxAttempts` with an error saying so.
 */

/** The columns of a lapsed job that decide how its attempt ends. */
export interface LapsedJobRow {
  id: string;
  attempts: number;
  max_attempts: number;
}

/** How the lapsed attempt of `row` ends at `now`: the job's new status, error and finish time. */
export function endOfLapsedAttempt(
  row: LapsedJobRow,
  now: string,
): { status: "queued" | "failed"; error: string; finishedAt: string | null } {
  const exhausted = row.attempts >= row.max_attempts;
  const message = exhausted
    ? `job ${row.id} was interrupted on its last attempt (${row.attempts} of ${row.max_attempts}): its runner stopped before finishing and its lease lapsed`
    : `attempt ${row.attempts} of job ${row.id} was interrupted: its runner stopped before finishing and its lease lapsed`;
  return {
    status: exhausted ? "failed" : "queued",
    error: JSON.stringify({ code: "internal", message }),
    finishedAt: exhausted ? now : null,
  };
}

/** Whether a claim may take `row` over: a running job whose lease lapsed, with attempts left. */
export function canTakeOver(row: LapsedJobRow & { status: string }): boolean {
  return row.status !== "running" || row.attempts < row.max_attempts;
}
