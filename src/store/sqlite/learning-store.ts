import { ConflictError } from "../../core/errors.ts";
import type { FilterNode } from "../../core/filter/filter-ast.ts";
import type { Episode, ExperienceRecord } from "../../core/types.ts";
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
import type { EpisodeStore, ExperienceStore, LearningWrite, ListOptions } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import { EPISODE_FILTER_TABLE, filterSql } from "./filter-sql.ts";
import type { Statements } from "./statements.ts";

const INSERT_RECORD = `INSERT INTO experience_records (${RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const UPSERT_RECORD = `${INSERT_RECORD} ON CONFLICT (id) DO UPDATE SET ${RECORD_UPDATES}`;

const versionKey = (agentId: string) => `experience.version:${agentId}`;

/**
 * The highest experience version a deleted agent reached. An agent's version row goes with the agent,
 * and the versions of a later agent of the same id start past this, so no cache mistakes one for the other.
 */
const FLOOR_KEY = "experience.version.floor";

const FLOOR = `COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = '${FLOOR_KEY}'), 0)`;

/** Removes an agent's experience version, raising the floor to it; joins the caller's transaction. */
export function forgetExperienceVersion(s: Statements, agentId: string): void {
  const row = s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", versionKey(agentId));
  if (row === undefined) return;
  s.run(
    `INSERT INTO settings (key, value) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)`,
    FLOOR_KEY,
    row.value,
  );
  s.run("DELETE FROM settings WHERE key = ?", versionKey(agentId));
}

export class SqliteEpisodeStore implements EpisodeStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async get(agentId: string, id: string, options: { lastSteps?: number } = {}): Promise<Episode | null> {
    const row = this.#s.get<EpisodeRow>(
      "SELECT rowid, * FROM episodes WHERE id = ? AND agent_id = ?",
      id,
      agentId,
    );
    if (row === undefined) return null;
    const { lastSteps } = options;
    const steps = this.#s
      .all<StepRow>(
        "SELECT * FROM episode_steps WHERE episode_rowid = ? AND idx >= ? ORDER BY idx",
        row.rowid,
        lastSteps === undefined ? 0 : row.step_count - lastSteps,
      )
      .map(toStep);
    const { stepCount, ...episode } = toEpisode(row, steps);
    return lastSteps === undefined ? episode : { ...episode, steps: stepsAtIndexes(steps, stepCount) };
  }

  async list(
    agentId: string,
    options: ListOptions & { task?: string | undefined; filter?: FilterNode | undefined },
  ): Promise<(Episode & { stepCount: number })[]> {
    const where = ["agent_id = ?"];
    const params: (string | number)[] = [agentId];
    if (options.filter !== undefined) {
      const compiled = filterSql(options.filter, EPISODE_FILTER_TABLE);
      where.push(compiled.sql);
      params.push(...compiled.params);
    }
    if (options.task !== undefined) {
      where.push("task = ?");
      params.push(options.task);
    }
    if (options.after !== undefined) {
      where.push("id < ?");
      params.push(options.after);
    }
    return this.#s
      .all<EpisodeRow>(
        `SELECT rowid, * FROM episodes WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`,
        ...params,
        options.limit,
      )
      .map((row) => toEpisode(row, []));
  }
}

export class SqliteExperienceStore implements ExperienceStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async all(agentId: string): Promise<ExperienceRecord[]> {
    return this.#s
      .all<RecordRow>("SELECT * FROM experience_records WHERE agent_id = ? ORDER BY created_at, id", agentId)
      .map(toRecord);
  }

  async count(agentId: string): Promise<number> {
    return (
      this.#s.get<{ n: number }>("SELECT COUNT(*) AS n FROM experience_records WHERE agent_id = ?", agentId)
        ?.n ?? 0
    );
  }

  async version(agentId: string): Promise<number> {
    return Number(
      this.#s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", versionKey(agentId))
        ?.value ?? 0,
    );
  }

  async write(change: LearningWrite): Promise<number> {
    return inTransaction(this.#s.db, () => {
      const current = Number(
        this.#s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", versionKey(change.agentId))
          ?.value ?? 0,
      );
      if (current !== change.expectedVersion) {
        throw new ConflictError(
          `the experience memory changed meanwhile (version ${current}, not ${change.expectedVersion})`,
        );
      }
      this.#s.run(
        `INSERT INTO settings (key, value) VALUES (?, CAST(${FLOOR} + 1 AS TEXT))
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`,
        versionKey(change.agentId),
      );
      if (change.episode !== undefined) this.#writeEpisode(change.agentId, change.episode);
      for (const id of change.deletes) {
        this.#s.run("DELETE FROM experience_records WHERE id = ? AND agent_id = ?", id, change.agentId);
      }
      for (const record of change.upserts) this.#putRecord(change.agentId, record, UPSERT_RECORD);
      writeEvents(this.#s, change.events);
      return Number(
        this.#s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", versionKey(change.agentId))
          ?.value,
      );
    });
  }

  /**
   * Writes an imported agent's episodes (with their steps) and records, and sets its experience
   * version, joining the caller's transaction. The version never goes back: where an earlier agent of
   * the same id left one behind, it moves past it, so no cache can take the import for what it held.
   * @throws ConflictError when an episode or record id exists already.
   */
  importNow(
    agentId: string,
    episodes: readonly Episode[],
    records: readonly ExperienceRecord[],
    version: number,
  ): void {
    inTransaction(this.#s.db, () => {
      for (const [table, what, items] of [
        ["episodes", "episode", episodes],
        ["experience_records", "experience record", records],
      ] as const) {
        const taken = this.#s.get<{ id: string }>(
          `SELECT id FROM ${table} WHERE id IN (SELECT value FROM json_each(?)) LIMIT 1`,
          JSON.stringify(items.map((item) => item.id)),
        );
        if (taken !== undefined)
          throw new ConflictError(`${what} ${taken.id} already exists in this database`);
      }
      for (const episode of episodes) {
        this.#writeEpisode(agentId, { episode, newSteps: episode.steps, create: true });
      }
      for (const record of records) this.#putRecord(agentId, record, INSERT_RECORD);
      const left = this.#s.get<{ value: string }>(
        "SELECT value FROM settings WHERE key = ?",
        versionKey(agentId),
      );
      if (left === undefined && version === 0) return;
      const last = left?.value ?? this.#s.get<{ n: number }>(`SELECT ${FLOOR} AS n`)?.n;
      const next = Math.max(version, Number(last ?? 0) + 1);
      this.#s.run(
        `INSERT INTO settings (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        versionKey(agentId),
        String(next),
      );
    });
  }

  #putRecord(agentId: string, record: ExperienceRecord, sql: string): void {
    this.#s.run(sql, ...recordValues(agentId, record));
  }

  #writeEpisode(agentId: string, { episode, newSteps, create }: NonNullable<LearningWrite["episode"]>): void {
    if (create) {
      this.#s.run(
        `INSERT INTO episodes (id, agent_id, task, status, final_observation, total_reward, success, metadata, step_count,
           created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        episode.id,
        agentId,
        episode.task,
        ...episodeState(episode).slice(0, -1),
        episode.createdAt,
        episode.finishedAt,
      );
    } else {
      this.#s.run(
        `UPDATE episodes SET status = ?, final_observation = ?, total_reward = ?, success = ?, metadata = ?,
           step_count = ?, finished_at = ? WHERE id = ? AND agent_id = ?`,
        ...episodeState(episode),
        episode.id,
        agentId,
      );
    }
    const row = this.#s.get<{ rowid: number }>("SELECT rowid FROM episodes WHERE id = ?", episode.id);
    if (row === undefined) throw new Error(`episode ${episode.id} vanished`);
    for (const step of newSteps) {
      this.#s.run(
        `INSERT INTO episode_steps (${STEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        row.rowid,
        ...stepValues(step),
      );
    }
  }
}
