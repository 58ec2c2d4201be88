import { sha256 } from "../../core/hash.ts";
import type { Episode, EpisodeStep, ExperienceRecord, Insight } from "../../core/types.ts";

/**
 * Rows of the learning tables (episodes, their steps, experience records, insights) as every
 * backend stores them, and their mapping to and from engram's types.
 */

export interface EpisodeRow {
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

export interface StepRow {
  idx: number;
  observation: string;
  available_actions: string;
  action: string;
  reward: number;
  created_at: string;
}

export interface RecordRow {
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

export interface InsightRow {
  id: string;
  agent_id: string;
  text: string;
  count: number;
  created_at: string;
  updated_at: string;
}

export const toEpisode = (row: EpisodeRow, steps: EpisodeStep[]): Episode & { stepCount: number } => ({
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

/**
 * The steps an episode read with `lastSteps` holds: `count` long, each of `steps` at its index and
 * the earlier ones absent (so `steps.length` is still how many it has).
 */
export function stepsAtIndexes(steps: readonly EpisodeStep[], count: number): EpisodeStep[] {
  // Set the length last: `new Array(count)` would allocate (and the caller copy) a slot for every
  // earlier step, so recording step by step would cost more with each step of a long episode.
  const sparse: EpisodeStep[] = [];
  for (const step of steps) sparse[step.index] = step;
  sparse.length = Math.max(count, steps.length);
  return sparse;
}

export const toStep = (row: StepRow): EpisodeStep => ({
  index: row.idx,
  observation: row.observation,
  availableActions: JSON.parse(row.available_actions),
  action: row.action,
  reward: row.reward,
  createdAt: row.created_at,
});

export const toRecord = (row: RecordRow): ExperienceRecord => ({
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

export const toInsight = (row: InsightRow): Insight => ({
  id: row.id,
  agentId: row.agent_id,
  text: row.text,
  count: row.count,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The identity of an experience record within an agent: its task and observation. */
export function recordKey(task: string, observation: string): string {
  return sha256(`${task}\u0000${observation}`);
}

/** An experience record's column values, in the order of {@link RECORD_COLUMNS}. */
export function recordValues(agentId: string, record: ExperienceRecord): (string | number | null)[] {
  return [
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
  ];
}

export const RECORD_COLUMNS =
  "id, agent_id, key, task, observation, actions, best_history, best_return, visits, created_at, updated_at";

/** The columns an upsert of an experience record changes (the rest identify it). */
export const RECORD_UPDATES = `actions = excluded.actions, best_history = excluded.best_history,
  best_return = excluded.best_return, visits = excluded.visits, updated_at = excluded.updated_at`;

/** An episode's mutable column values: status, final observation, reward, success, metadata, steps, end. */
export function episodeState(episode: Episode): (string | number | null)[] {
  return [
    episode.status,
    episode.finalObservation,
    episode.totalReward,
    episode.success === null ? null : episode.success ? 1 : 0,
    JSON.stringify(episode.metadata),
    episode.steps.length,
    episode.finishedAt,
  ];
}

/** An episode step's column values after the episode's rowid, in the order of {@link STEP_COLUMNS}. */
export function stepValues(step: EpisodeStep): (string | number)[] {
  return [
    step.index,
    step.observation,
    JSON.stringify(step.availableActions),
    step.action,
    step.reward,
    step.createdAt,
  ];
}

export const STEP_COLUMNS = "episode_rowid, idx, observation, available_actions, action, reward, created_at";

/** An insight's column values, in the order of {@link INSIGHT_COLUMNS}. */
export function insightValues(agentId: string, insight: Insight): (string | number)[] {
  return [insight.id, agentId, insight.text, insight.count, insight.createdAt, insight.updatedAt];
}

export const INSIGHT_COLUMNS = "id, agent_id, text, count, created_at, updated_at";

/** The columns an upsert of an insight changes. */
export const INSIGHT_UPDATES =
  "text = excluded.text, count = excluded.count, updated_at = excluded.updated_at";
