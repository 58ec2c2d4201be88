import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { EvolutionCandidate, EvolutionRun } from "../../core/evolution-types.ts";
import type { NewEvent } from "../../core/types.ts";
import {
  CANDIDATE_COLUMNS,
  CANDIDATE_UPDATES,
  type CandidateRow,
  candidateValues,
  RUN_COLUMNS,
  type RunRow,
  runState,
  runValues,
  toCandidate,
  toRun,
} from "../rows/evolution-rows.ts";
import type { ContextWrite, EvolutionStore, ListOptions } from "../store.ts";
import type { SqliteAgentStore } from "./agent-store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { SqliteHistoryStore } from "./history-store.ts";
import type { SqliteInsightStore } from "./insight-store.ts";
import type { Statements } from "./statements.ts";

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
        `INSERT INTO evolution_runs (${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ...runValues(run),
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
        ...runState(run),
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
      `INSERT INTO evolution_candidates (${CANDIDATE_COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET ${CANDIDATE_UPDATES}`,
      ...candidateValues(c),
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
