import { ConflictError } from "../../core/errors.ts";
import { sha256 } from "../../core/hash.ts";
import type { Episode, EpisodeStep, ExperienceRecord, Insight, NewEvent } from "../../core/types.ts";
import type { EpisodeStore, ExperienceStore, InsightStore, LearningWrite, ListOptions } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
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
    options: ListOptions & { task?: string | undefined },
  ): Promise<(Episode & { stepCount: number })[]> {
    const where = ["agent_id = ?"];
    const params: (string | number)[] = [agentId];
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
      for (const record of change.upserts) {
        this.#s.run(
          `INSERT INTO experience_records (id, agent_id, key, task, observation, actions, best_history, best_return,
             visits, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET actions = excluded.actions, best_history = excluded.best_history,
             best_return = excluded.best_return, visits = excluded.visits, updated_at = excluded.updated_at`,
          record.id,
          change.agentId,
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
      writeEvents(this.#s, change.events);
      return Number(
        this.#s.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", versionKey(change.agentId))
          ?.value,
      );
    });
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

interface InsightRow {
  id: string;
  agent_id: string;
  text: string;
  count: number;
  created_at: string;
  updated_at: string;
}

export class SqliteInsightStore implements InsightStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async list(agentId: string): Promise<Insight[]> {
    return this.#s
      .all<InsightRow>(
        "SELECT * FROM insights WHERE agent_id = ? ORDER BY count DESC, created_at, id",
        agentId,
      )
      .map((row) => ({
        id: row.id,
        agentId: row.agent_id,
        text: row.text,
        count: row.count,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }));
  }

  async write(agentId: string, upserts: Insight[], deletes: string[], events: NewEvent[]): Promise<void> {
    this.writeNow(agentId, upserts, deletes, events);
  }

  /**
   * `write`, synchronously, joining the caller's transaction. With `expected`, each named rule must
   * still be as it was read (same `updatedAt`, or absent for null), else ConflictError and nothing is written.
   */
  writeNow(
    agentId: string,
    upserts: readonly Insight[],
    deletes: readonly string[],
    events: readonly NewEvent[],
    expected: readonly { id: string; updatedAt: string | null }[] = [],
  ): void {
    inTransaction(this.#s.db, () => {
      for (const { id, updatedAt } of expected) {
        const row = this.#s.get<{ updated_at: string }>(
          "SELECT updated_at FROM insights WHERE id = ? AND agent_id = ?",
          id,
          agentId,
        );
        if ((row?.updated_at ?? null) !== updatedAt)
          throw new ConflictError(`insight ${id} changed since it was read: re-read and retry`);
      }
      for (const id of deletes)
        this.#s.run("DELETE FROM insights WHERE id = ? AND agent_id = ?", id, agentId);
      for (const insight of upserts) {
        this.#s.run(
          `INSERT INTO insights (id, agent_id, text, count, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET text = excluded.text, count = excluded.count, updated_at = excluded.updated_at`,
          insight.id,
          agentId,
          insight.text,
          insight.count,
          insight.createdAt,
          insight.updatedAt,
        );
      }
      writeEvents(this.#s, events);
    });
  }
}
