import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { FilterNode } from "../../core/filter/filter-ast.ts";
import type { Episode, EpisodeStep, ExperienceRecord } from "../../core/types.ts";
import {
  type EpisodeRow,
  episodeState,
  RECORD_COLUMNS,
  RECORD_UPDATES,
  type RecordRow,
  recordValues,
  STEP_COLUMNS,
  type StepRow,
  stepsAtIndexes,
  stepValues,
  toEpisode,
  toRecord,
  toStep,
} from "../rows/learning-rows.ts";
import { compileFilter, EPISODE_FILTER_TABLE } from "../sql/filter-sql.ts";
import type {
  EpisodeStore,
  ExperienceImport,
  ExperienceStore,
  LearningWrite,
  ListOptions,
} from "../store.ts";
import { writeEvents } from "./event-writer.ts";
import { insertRows } from "./insert-rows.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { PG_DIALECT } from "./pg-dialect.ts";
import { isUniqueViolation } from "./pg-errors.ts";
import { refuseTaken } from "./refuse-taken.ts";

/** The experience version of an agent lives in settings, as on SQLite. */
const versionKey = (agentId: string) => `experience.version:${agentId}`;

/**
 * The highest experience version a deleted agent reached. An agent's version row goes with the agent,
 * and the versions of a later agent of the same id start past this, so no cache mistakes one for the other.
 */
const FLOOR_KEY = "experience.version.floor";

async function readFloor(sql: Sql): Promise<number> {
  const row = await sql.get<{ value: string }>("SELECT value FROM settings WHERE key = $1", [FLOOR_KEY]);
  return Number(row?.value ?? 0);
}

/** Removes the experience versions of the agents, raising the floor to them, inside `tx`. */
export async function forgetExperienceVersions(tx: Sql, agentIds: readonly string[]): Promise<void> {
  const gone = await tx.all<{ value: string }>(
    "DELETE FROM settings WHERE key = ANY($1::text[]) RETURNING value",
    [agentIds.map(versionKey)],
  );
  if (gone.length === 0) return;
  await tx.run(
    `INSERT INTO settings (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = GREATEST(settings.value::bigint, excluded.value::bigint)::text`,
    [FLOOR_KEY, String(Math.max(...gone.map((row) => Number(row.value))))],
  );
}

async function readVersion(sql: Sql, agentId: string): Promise<number | null> {
  const row = await sql.get<{ value: string }>("SELECT value FROM settings WHERE key = $1", [
    versionKey(agentId),
  ]);
  return row === undefined ? null : Number(row.value);
}

/** Episodes with their steps on PostgreSQL; they are written through the experience store. */
export class PgEpisodeStore implements EpisodeStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async get(agentId: string, id: string, options: { lastSteps?: number } = {}): Promise<Episode | null> {
    const row = await this.#db.get<EpisodeRow>("SELECT * FROM episodes WHERE id = $1 AND agent_id = $2", [
      id,
      agentId,
    ]);
    if (row === undefined) return null;
    const { lastSteps } = options;
    const steps = (
      await this.#db.all<StepRow>(
        "SELECT * FROM episode_steps WHERE episode_rowid = $1 AND idx >= $2 ORDER BY idx",
        [row.rowid, lastSteps === undefined ? 0 : row.step_count - lastSteps],
      )
    ).map(toStep);
    const { stepCount, ...episode } = toEpisode(row, steps);
    return lastSteps === undefined ? episode : { ...episode, steps: stepsAtIndexes(steps, stepCount) };
  }

  async list(
    agentId: string,
    options: ListOptions & { task?: string | undefined; filter?: FilterNode | undefined },
  ): Promise<(Episode & { stepCount: number })[]> {
    const params: unknown[] = [agentId];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const where = ["agent_id = $1"];
    if (options.filter !== undefined) {
      where.push(compileFilter(options.filter, EPISODE_FILTER_TABLE, PG_DIALECT, bind));
    }
    if (options.task !== undefined) where.push(`task = ${bind(options.task)}`);
    if (options.after !== undefined) where.push(`id < ${bind(options.after)}`);
    const rows = await this.#db.all<EpisodeRow>(
      `SELECT * FROM episodes WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ${bind(options.limit)}`,
      params,
    );
    return rows.map((row) => toEpisode(row, []));
  }
}

/**
 * The experience memory on PostgreSQL: every write is a compare-and-set of the agent's experience
 * version, so of two servers that computed a change from one version, one writes and the other is
 * told to recompute.
 */
export class PgExperienceStore implements ExperienceStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async all(agentId: string): Promise<ExperienceRecord[]> {
    const rows = await this.#db.all<RecordRow>(
      "SELECT * FROM experience_records WHERE agent_id = $1 ORDER BY created_at, id",
      [agentId],
    );
    return rows.map(toRecord);
  }

  async count(agentId: string): Promise<number> {
    const row = await this.#db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM experience_records WHERE agent_id = $1",
      [agentId],
    );
    return row?.n ?? 0;
  }

  async version(agentId: string): Promise<number> {
    return (await readVersion(this.#db, agentId)) ?? 0;
  }

  async write(change: LearningWrite): Promise<number> {
    return this.#db.transaction(async (tx) => {
      const next = (change.expectedVersion === 0 ? await readFloor(tx) : change.expectedVersion) + 1;
      // Compare-and-set: of two servers that computed a change from one version, one moves it on.
      const moved =
        change.expectedVersion === 0
          ? await tx.run(
              `INSERT INTO settings (key, value) VALUES ($1, $2)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value = '0'`,
              [versionKey(change.agentId), String(next)],
            )
          : await tx.run("UPDATE settings SET value = $2 WHERE key = $1 AND value = $3", [
              versionKey(change.agentId),
              String(next),
              String(change.expectedVersion),
            ]);
      if (moved === 0) {
        const current = (await readVersion(tx, change.agentId)) ?? 0;
        throw new ConflictError(
          `the experience memory changed meanwhile (version ${current}, not ${change.expectedVersion})`,
        );
      }
      if (change.episode !== undefined) await writeEpisode(tx, change.agentId, change.episode);
      if (change.deletes.length > 0) {
        await tx.run("DELETE FROM experience_records WHERE agent_id = $1 AND id = ANY($2::text[])", [
          change.agentId,
          change.deletes,
        ]);
      }
      // One row per id (the last given wins), as one statement may not change a row twice.
      const upserts = [...new Map(change.upserts.map((r) => [r.id, r])).values()];
      await insertRows(
        tx,
        `experience_records (${RECORD_COLUMNS})`,
        upserts.map((record) => recordValues(change.agentId, record)),
        `ON CONFLICT (id) DO UPDATE SET ${RECORD_UPDATES} WHERE experience_records.agent_id = excluded.agent_id`,
      );
      await writeEvents(tx, change.events);
      return next;
    });
  }
}

/** Creates or updates an episode and appends its new steps, inside `tx`. */
async function writeEpisode(
  tx: Sql,
  agentId: string,
  { episode, newSteps, create }: NonNullable<LearningWrite["episode"]>,
): Promise<void> {
  const state = episodeState(episode);
  const row = create
    ? await tx.get<{ rowid: number }>(
        `INSERT INTO episodes (id, agent_id, task, status, final_observation, total_reward, success, metadata,
           step_count, created_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING rowid`,
        [episode.id, agentId, episode.task, ...state.slice(0, -1), episode.createdAt, episode.finishedAt],
      )
    : await tx.get<{ rowid: number }>(
        `UPDATE episodes SET status = $1, final_observation = $2, total_reward = $3, success = $4, metadata = $5,
           step_count = $6, finished_at = $7 WHERE id = $8 AND agent_id = $9 RETURNING rowid`,
        [...state, episode.id, agentId],
      );
  if (row === undefined) throw new NotFoundError(`episode ${episode.id} not found`);
  await insertSteps(tx, row.rowid, newSteps);
}

async function insertSteps(tx: Sql, rowid: number, steps: readonly EpisodeStep[]): Promise<void> {
  await insertRows(
    tx,
    `episode_steps (${STEP_COLUMNS})`,
    steps.map((step) => [rowid, ...stepValues(step)]),
  );
}

/**
 * Writes an imported agent's episodes (with steps) and experience records (and experience version)
 * as they are, inside `tx`. The version never goes back: where an earlier agent of the same id left one
 * behind, it moves past it. @throws ConflictError on an id that exists.
 */
export async function importExperience(tx: Sql, agentId: string, data: ExperienceImport): Promise<void> {
  try {
    await writeImport(tx, agentId, data);
  } catch (error) {
    // Another import took one of the ids between the check and the insert.
    if (isUniqueViolation(error))
      throw new ConflictError("an episode or experience record of the import exists already", {
        cause: error,
      });
    throw error;
  }
}

async function writeImport(tx: Sql, agentId: string, data: ExperienceImport): Promise<void> {
  const { episodes, records, version } = data;
  await refuseTaken(
    tx,
    "episodes",
    "episode",
    episodes.map((e) => e.id),
  );
  await refuseTaken(
    tx,
    "experience_records",
    "experience record",
    records.map((r) => r.id),
  );
  for (const episode of episodes) {
    await writeEpisode(tx, agentId, { episode, newSteps: episode.steps, create: true });
  }
  await insertRows(
    tx,
    `experience_records (${RECORD_COLUMNS})`,
    records.map((record) => recordValues(agentId, record)),
  );
  const left = await readVersion(tx, agentId);
  if (left !== null || version !== 0) {
    const next = Math.max(version, (left ?? (await readFloor(tx))) + 1);
    await tx.run(
      "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [versionKey(agentId), String(next)],
    );
  }
}
