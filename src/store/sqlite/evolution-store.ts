import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { Decision, EvolutionCandidate, EvolutionRun, RunStatus } from "../../core/evolution-types.ts";
import type { NewEvent } from "../../core/types.ts";
import type { ContextWrite, EvolutionStore, ListOptions } from "../store.ts";
import type { SqliteAgentStore } from "./agent-store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { SqliteHistoryStore } from "./history-store.ts";
import type { SqliteInsightStore } from "./insight-store.ts";
import type { Statements } from "./statements.ts";

interface RunRow {
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

interface CandidateRow {
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

const toRun = (row: RunRow): EvolutionRun => ({
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

const toCandidate = (row: CandidateRow): EvolutionCandidate => ({
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

/** The stores an accepted candidate's changes are written through, inside the run's transaction. */
export interface ContextStores {
  agents: SqliteAgentStore;
  history: SqliteHistoryStore;
  insights: SqliteInsightStore;
}

export class SqliteEvolutionStore implements EvolutionStore {
  readonly #s: Statements;
  readonly #stores: ContextStores;

  constructor(statements: Statements, stores: ContextStores) {
    this.#s = statements;
    this.#stores = stores;
  }

  async createRun(run: EvolutionRun, events: NewEvent[]): Promise<void> {
    inTransaction(this.#s.db, () => {
      if (this.#s.get("SELECT 1 FROM evolution_runs WHERE id = ?", run.id) !== undefined)
        throw new ConflictError(`an evolution run with id ${run.id} already exists`);
      if (this.#s.get("SELECT 1 FROM agents WHERE id = ?", run.agentId) === undefined)
        throw new NotFoundError(`agent ${run.agentId} not found`);
      this.#s.run(
        `INSERT INTO evolution_runs (id, agent_id, branch, seed, config, status, attempt, round, state, report, error,
           started_at, updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        run.id,
        run.agentId,
        run.branch,
        run.seed,
        JSON.stringify(run.config),
        run.status,
        run.attempt,
        run.round,
        JSON.stringify(run.state),
        run.report === null ? null : JSON.stringify(run.report),
        run.error,
        run.startedAt,
        run.updatedAt,
        run.finishedAt,
      );
      writeEvents(this.#s, events);
    });
  }

  async getRun(agentId: string, id: string): Promise<EvolutionRun | null> {
    const row = this.#s.get<RunRow>(
      "SELECT * FROM evolution_runs WHERE id = ? AND agent_id = ?",
      id,
      agentId,
    );
    return row === undefined ? null : toRun(row);
  }

  async listRuns(agentId: string, options: ListOptions): Promise<EvolutionRun[]> {
    const rows =
      options.after === undefined
        ? this.#s.all<RunRow>(
            "SELECT * FROM evolution_runs WHERE agent_id = ? ORDER BY id DESC LIMIT ?",
            agentId,
            options.limit,
          )
        : this.#s.all<RunRow>(
            "SELECT * FROM evolution_runs WHERE agent_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            agentId,
            options.after,
            options.limit,
          );
    return rows.map(toRun);
  }

  async saveRun(
    run: EvolutionRun,
    expectedAttempt: number,
    candidate: EvolutionCandidate | null,
    events: NewEvent[],
    context: ContextWrite | null = null,
  ): Promise<void> {
    inTransaction(this.#s.db, () => {
      const current = this.#s.get<{ attempt: number }>(
        "SELECT attempt FROM evolution_runs WHERE id = ? AND agent_id = ?",
        run.id,
        run.agentId,
      );
      if (current === undefined) throw new NotFoundError(`evolution run ${run.id} not found`);
      if (current.attempt !== expectedAttempt) {
        throw new ConflictError(
          `evolution run ${run.id} is now driven by attempt ${current.attempt}, not ${expectedAttempt}: another process resumed it`,
          { details: { fenced: true } },
        );
      }
      if (context !== null) this.#writeContext(run, context);
      this.#s.run(
        `UPDATE evolution_runs SET status = ?, attempt = ?, round = ?, state = ?, report = ?, error = ?, updated_at = ?,
           finished_at = ? WHERE id = ?`,
        run.status,
        run.attempt,
        run.round,
        JSON.stringify(run.state),
        run.report === null ? null : JSON.stringify(run.report),
        run.error,
        run.updatedAt,
        run.finishedAt,
        run.id,
      );
      if (candidate !== null) this.#writeCandidate(run, candidate);
      writeEvents(this.#s, events);
    });
  }

  /** An accepted candidate's changes to the agent; any stale part throws ConflictError. */
  #writeContext(run: EvolutionRun, context: ContextWrite): void {
    if (context.agentId !== run.agentId) throw new ConflictError("the changes are for another agent");
    if (context.commit !== null) {
      if (context.commit.agentId !== run.agentId) throw new ConflictError("the commit is for another agent");
      this.#stores.history.appendNow(context.commit);
    }
    if (context.instructions !== null)
      this.#stores.agents.setInstructionsNow(run.agentId, context.instructions);
    if (context.insights !== null) {
      const { upserts, deletes, events, expected } = context.insights;
      this.#stores.insights.writeNow(run.agentId, upserts, deletes, events, expected);
    }
  }

  #writeCandidate(run: EvolutionRun, c: EvolutionCandidate): void {
    if (c.runId !== run.id || c.agentId !== run.agentId)
      throw new ConflictError(`candidate ${c.id} belongs to another run`);
    this.#s.run(
      `INSERT INTO evolution_candidates (id, run_id, agent_id, round, parent_ids, operation, component, context, changes,
         evaluation, aggregate, held_out, baseline, decision, reason, commit_id, created_at, decided_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET evaluation = excluded.evaluation, aggregate = excluded.aggregate,
         held_out = excluded.held_out, baseline = excluded.baseline, decision = excluded.decision,
         reason = excluded.reason, commit_id = excluded.commit_id, decided_at = excluded.decided_at`,
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
    );
  }

  async listCandidates(agentId: string, runId: string): Promise<EvolutionCandidate[]> {
    return this.#s
      .all<CandidateRow>(
        "SELECT * FROM evolution_candidates WHERE run_id = ? AND agent_id = ? ORDER BY seq",
        runId,
        agentId,
      )
      .map(toCandidate);
  }
}
