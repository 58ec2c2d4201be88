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
import { writeEvents } from "./event-writer.ts";
import { insertRows } from "./insert-rows.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { isForeignKeyViolation, isUniqueViolation } from "./pg-errors.ts";

/**
 * Self-evolution runs and their candidates. A run's row is locked while a write checks its attempt
 * (see {@link saveRun}), so a writer fenced off by a resume on another server is refused, never interleaved.
 */
export class PgEvolutionStore implements EvolutionStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async createRun(run: EvolutionRun, events: NewEvent[]): Promise<void> {
    try {
      await this.#db.transaction(async (tx) => {
        if ((await tx.get("SELECT 1 FROM evolution_runs WHERE id = $1", [run.id])) !== undefined)
          throw taken(run.id);
        await insertRows(tx, `evolution_runs (${RUN_COLUMNS})`, [runValues(run)]);
        await writeEvents(tx, events);
      });
    } catch (error) {
      // A run created at the same moment elsewhere, or an agent deleted meanwhile.
      if (isUniqueViolation(error)) throw taken(run.id);
      if (isForeignKeyViolation(error)) throw new NotFoundError(`agent ${run.agentId} not found`);
      throw error;
    }
  }

  async getRun(agentId: string, id: string): Promise<EvolutionRun | null> {
    const row = await this.#db.get<RunRow>("SELECT * FROM evolution_runs WHERE id = $1 AND agent_id = $2", [
      id,
      agentId,
    ]);
    return row === undefined ? null : toRun(row);
  }

  async listRuns(agentId: string, options: ListOptions): Promise<EvolutionRun[]> {
    const rows =
      options.after === undefined
        ? await this.#db.all<RunRow>(
            "SELECT * FROM evolution_runs WHERE agent_id = $1 ORDER BY id DESC LIMIT $2",
            [agentId, options.limit],
          )
        : await this.#db.all<RunRow>(
            "SELECT * FROM evolution_runs WHERE agent_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
            [agentId, options.after, options.limit],
          );
    return rows.map(toRun);
  }

  async listCandidates(agentId: string, runId: string): Promise<EvolutionCandidate[]> {
    const rows = await this.#db.all<CandidateRow>(
      "SELECT * FROM evolution_candidates WHERE run_id = $1 AND agent_id = $2 ORDER BY seq",
      [runId, agentId],
    );
    return rows.map(toCandidate);
  }
}

const taken = (id: string) => new ConflictError(`an evolution run with id ${id} already exists`);

/**
 * Replaces the run's mutable fields and writes `candidate`, inside `tx`, if the run is still at
 * `expectedAttempt`; the run's row stays locked until the commit.
 * @throws ConflictError with `details.fenced` when another attempt drives the run.
 */
export async function saveRun(
  tx: Sql,
  run: EvolutionRun,
  expectedAttempt: number,
  candidate: EvolutionCandidate | null,
): Promise<void> {
  const current = await tx.get<{ attempt: number }>(
    "SELECT attempt FROM evolution_runs WHERE id = $1 AND agent_id = $2 FOR UPDATE",
    [run.id, run.agentId],
  );
  if (current === undefined) throw new NotFoundError(`evolution run ${run.id} not found`);
  if (current.attempt !== expectedAttempt) {
    throw new ConflictError(
      `evolution run ${run.id} is now driven by attempt ${current.attempt}, not ${expectedAttempt}: another process resumed it`,
      { details: { fenced: true } },
    );
  }
  await tx.run(
    `UPDATE evolution_runs SET status = $1, attempt = $2, round = $3, state = $4, report = $5, error = $6,
       updated_at = $7, finished_at = $8 WHERE id = $9`,
    [...runState(run), run.id],
  );
  if (candidate !== null) await writeCandidate(tx, run, candidate);
}

async function writeCandidate(tx: Sql, run: EvolutionRun, c: EvolutionCandidate): Promise<void> {
  if (c.runId !== run.id || c.agentId !== run.agentId)
    throw new ConflictError(`candidate ${c.id} belongs to another run`);
  await insertRows(
    tx,
    `evolution_candidates (${CANDIDATE_COLUMNS})`,
    [candidateValues(c)],
    `ON CONFLICT (id) DO UPDATE SET ${CANDIDATE_UPDATES}`,
  );
}
