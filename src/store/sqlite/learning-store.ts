import { ConflictError } from "../../core/errors.ts";
import type { FilterNode } from "../../core/filter/filter-ast.ts";
import { sha256 } from "../../core/hash.ts";
import type { Episode, EpisodeStep, ExperienceRecord } from "../../core/types.ts";
import type { EpisodeStore, ExperienceStore, LearningWrite, ListOptions } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import { EPISODE_FILTER_TABLE, filterSql } from "./filter-sql.ts";
import type { Statements } from "./statements.ts";

interface EpisodeRow {
  rowid: number;
  id: string;
  agent_id: string;
  task: string;
  status: string;
  final_observation: string | null;
  total_reward: number;
  success: number | null;
  metadata: string;
  step_count: number;
  created_at: string;
  finished_at: string | null;
}

interface StepRow {
  idx: number;
  observation: string;
  available_actions: string;
  action: string;
  reward: number;
  created_at: string;
}

interface RecordRow {
  id: string;
  agent_id: string;
  task: string;
  observation: string;
  actions: string;
  best_history: string;
  best_return: number | null;
  visits: number;
  created_at: string;
  updated_at: string;
}

const toEpisode = (row: EpisodeRow, steps: EpisodeStep[]): Episode & { stepCount: number } => ({
  id: row.id,
  agentId: row.agent_id,
  task: row.task,
  status: row.status as Episode["status"],
  steps,
  finalObservation: row.final_observation,
  totalReward: row.total_reward,
  success: row.success === null ? null : row.success === 1,
  metadata: JSON.parse(row.metadata),
  createdAt: row.created_at,
  finishedAt: row.finished_at,
  stepCount: row.step_count,
});

const toStep = (row: StepRow): EpisodeStep => ({
  index: row.idx,
  observation: row.observation,
  availableActions: JSON.parse(row.available_actions),
  action: row.action,
  reward: row.reward,
  createdAt: row.created_at,
});

const toRecord = (row: RecordRow): ExperienceRecord => ({
  id: row.id,
  agentId: row.agent_id,
  task: row.task,
  observation: row.observation,
  actions: JSON.parse(row.actions),
  bestHistory: JSON.parse(row.best_history),
  bestReturn: row.best_return,
  visits: row.visits,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const INSERT_RECORD = `INSERT INTO experience_records (id, agent_id, key, task, observation, actions, best_history,
  best_return, visits, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const UPSERT_RECORD = `${INSERT_RECORD}
  ON CONFLICT (id) DO UPDATE SET actions = excluded.actions, best_history = excluded.best_history,
    best_return = excluded.best_return, visits = excluded.visits, updated_at = excluded.updated_at`;

const versionKey = (agentId: string) => `experience.version:${agentId}`;

/** The identity of an experience record within an agent: its task and observation. */
export function recordKey(task: string, observation: string): string {
  return sha256(`${task}\u0000${observation}`);
}

export class SqliteEpisodeStore implements EpisodeStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async get(agentId: string, id: string): Promise<Episode | null> {
    const row = this.#s.get<EpisodeRow>(
      "SELECT rowid, * FROM episodes WHERE id = ? AND agent_id = ?",
      id,
      agentId,
    );
    if (row === undefined) return null;
    const steps = this.#s
      .all<StepRow>("SELECT * FROM episode_steps WHERE episode_rowid = ? ORDER BY idx", row.rowid)
      .map(toStep);
    const { stepCount: _, ...episode } = toEpisode(row, steps);
    return episode;
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
        `INSERT INTO settings (key, value) VALUES (?, '1')
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
      const next = left === undefined ? version : Math.max(version, Number(left.value) + 1);
      this.#s.run(
        `INSERT INTO settings (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        versionKey(agentId),
        String(next),
      );
    });
  }

  #putRecord(agentId: string, record: ExperienceRecord, sql: string): void {
    this.#s.run(
      sql,
      record.id,
      agentId,
      recordKey(record.task, record.observation),
      record.task,
      record.observation,
      JSON.stringify(record.actions),
      JSON.stringify(record.bestHistory),
      record.bestReturn,
      record.visits,
      record.createdAt,
      record.updatedAt,
    );
  }

  #writeEpisode(agentId: string, { episode, newSteps, create }: NonNullable<LearningWrite["episode"]>): void {
    if (create) {
      this.#s.run(
        `INSERT INTO episodes (id, agent_id, task, status, final_observation, total_reward, success, metadata, step_count,
           created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        episode.id,
        agentId,
        episode.task,
        episode.status,
        episode.finalObservation,
        episode.totalReward,
        episode.success === null ? null : episode.success ? 1 : 0,
        JSON.stringify(episode.metadata),
        episode.steps.length,
        episode.createdAt,
        episode.finishedAt,
      );
    } else {
      this.#s.run(
        `UPDATE episodes SET status = ?, final_observation = ?, total_reward = ?, success = ?, metadata = ?,
           step_count = ?, finished_at = ? WHERE id = ? AND agent_id = ?`,
        episode.status,
        episode.finalObservation,
        episode.totalReward,
        episode.success === null ? null : episode.success ? 1 : 0,
        JSON.stringify(episode.metadata),
        episode.steps.length,
        episode.finishedAt,
        episode.id,
        agentId,
      );
    }
    const row = this.#s.get<{ rowid: number }>("SELECT rowid FROM episodes WHERE id = ?", episode.id);
    if (row === undefined) throw new Error(`episode ${episode.id} vanished`);
    for (const step of newSteps) {
      this.#s.run(
        `INSERT INTO episode_steps (episode_rowid, idx, observation, available_actions, action, reward, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        row.rowid,
        step.index,
        step.observation,
        JSON.stringify(step.availableActions),
        step.action,
        step.reward,
        step.createdAt,
      );
    }
  }
}
