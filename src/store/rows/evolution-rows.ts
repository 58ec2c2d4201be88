import type { Decision, EvolutionCandidate, EvolutionRun, RunStatus } from "../../core/evolution-types.ts";

/** Rows of the self-evolution tables as every backend stores them, and their mapping to and from engram's types. */

export interface RunRow {
  id: string;
  agent_id: string;
  branch: string;
  seed: number;
  config: string;
  status: string;
  attempt: number;
  round: number;
  state: string;
  report: string | null;
  error: string | null;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface CandidateRow {
  id: string;
  run_id: string;
  agent_id: string;
  round: number;
  parent_ids: string;
  operation: string;
  component: string | null;
  context: string;
  changes: string;
  evaluation: string;
  aggregate: number | null;
  held_out: number | null;
  baseline: number | null;
  decision: string;
  reason: string | null;
  commit_id: string | null;
  created_at: string;
  decided_at: string | null;
}

export const toRun = (row: RunRow): EvolutionRun => ({
  id: row.id,
  agentId: row.agent_id,
  branch: row.branch,
  seed: row.seed,
  config: JSON.parse(row.config),
  status: row.status as RunStatus,
  attempt: row.attempt,
  round: row.round,
  state: JSON.parse(row.state),
  report: row.report === null ? null : JSON.parse(row.report),
  error: row.error,
  startedAt: row.started_at,
  updatedAt: row.updated_at,
  finishedAt: row.finished_at,
});

export const toCandidate = (row: CandidateRow): EvolutionCandidate => ({
  id: row.id,
  runId: row.run_id,
  agentId: row.agent_id,
  round: row.round,
  parentIds: JSON.parse(row.parent_ids),
  operation: row.operation,
  component: row.component,
  context: JSON.parse(row.context),
  changes: JSON.parse(row.changes),
  evaluation: JSON.parse(row.evaluation),
  aggregate: row.aggregate,
  heldOut: row.held_out,
  baseline: row.baseline,
  decision: row.decision as Decision,
  reason: row.reason,
  commitId: row.commit_id,
  createdAt: row.created_at,
  decidedAt: row.decided_at,
});

export const RUN_COLUMNS = `id, agent_id, branch, seed, config, status, attempt, round, state, report, error,
  started_at, updated_at, finished_at`;

/** A run's column values, in the order of {@link RUN_COLUMNS}. */
export function runValues(run: EvolutionRun): (string | number | null)[] {
  return [
    run.id,
    run.agentId,
    run.branch,
    run.seed,
    JSON.stringify(run.config),
    ...runState(run).slice(0, 6),
    run.startedAt,
    run.updatedAt,
    run.finishedAt,
  ];
}

/** A run's mutable column values: status, attempt, round, state, report, error, updated_at, finished_at. */
export function runState(run: EvolutionRun): (string | number | null)[] {
  return [
    run.status,
    run.attempt,
    run.round,
    JSON.stringify(run.state),
    run.report === null ? null : JSON.stringify(run.report),
    run.error,
    run.updatedAt,
    run.finishedAt,
  ];
}

export const CANDIDATE_COLUMNS = `id, run_id, agent_id, round, parent_ids, operation, component, context, changes,
  evaluation, aggregate, held_out, baseline, decision, reason, commit_id, created_at, decided_at`;

/** The columns a decision on a stored candidate changes. */
export const CANDIDATE_UPDATES = `evaluation = excluded.evaluation, aggregate = excluded.aggregate,
  held_out = excluded.held_out, baseline = excluded.baseline, decision = excluded.decision,
  reason = excluded.reason, commit_id = excluded.commit_id, decided_at = excluded.decided_at`;

/** A candidate's column values, in the order of {@link CANDIDATE_COLUMNS}. */
export function candidateValues(c: EvolutionCandidate): (string | number | null)[] {
  return [
    c.id,
    c.runId,
    c.agentId,
    c.round,
    JSON.stringify(c.parentIds),
    c.operation,
    c.component,
    JSON.stringify(c.context),
    JSON.stringify(c.changes),
    JSON.stringify(c.evaluation),
    c.aggregate,
    c.heldOut,
    c.baseline,
    c.decision,
    c.reason,
    c.commitId,
    c.createdAt,
    c.decidedAt,
  ];
}
