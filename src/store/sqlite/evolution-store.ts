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
import type { EvolutionStore, ListOptions } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { Statements } from "./statements.ts";

export class SqliteEvolutionStore implements EvolutionStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
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

  /**
   * Replaces the run's mutable fields and writes `candidate`, joining the caller's transaction (a unit
   * of work), if the run is still at `expectedAttempt`.
   * @throws ConflictError with `details.fenced` when another attempt drives the run.
   */
  saveRunNow(run: EvolutionRun, expectedAttempt: number, candidate: EvolutionCandidate | null): void {
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
    this.#s.run(
      `UPDATE evolution_runs SET status = ?, attempt = ?, round = ?, state = ?, report = ?, error = ?, updated_at = ?,
         finished_at = ? WHERE id = ?`,
      ...runState(run),
      run.id,
    );
    if (candidate !== null) this.#writeCandidate(run, candidate);
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
