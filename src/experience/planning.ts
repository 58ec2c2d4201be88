import type { ActionStats, EpisodeStep, ExperienceRecord } from "../core/types.ts";
import type { ExperienceTable } from "./experience-table.ts";

/** Distinct next observations counted per action; past it, the rarest is forgotten. */
export const MAX_OUTCOMES = 20;

/**
 * Counts what followed each step in `[from, to)`, the steps whose Q-update just became due (so each
 * step is counted once, right after its update): the next step's observation, or for the last step
 * of a finished episode its end (`truncated`: cut by a time limit, so what followed is
 * `finalObservation`, not an end). These counts are the model that planning backs up through.
 */
export function noteOutcomes(
  table: ExperienceTable,
  task: string,
  steps: readonly EpisodeStep[],
  from: number,
  to: number,
  end: { finished: boolean; truncated: boolean; finalObservation: string | null },
): void {
  for (let t = from; t < to; t++) {
    const step = steps[t];
    if (step === undefined) continue;
    const next = steps[t + 1];
    if (next !== undefined) note(table, task, step, next.observation);
    else if (!end.finished) break;
    else if (!end.truncated) note(table, task, step, null);
    else if (end.finalObservation !== null) note(table, task, step, end.finalObservation);
  }
}

function note(table: ExperienceTable, task: string, step: EpisodeStep, next: string | null): void {
  const record = table.find(task, step.observation);
  const stats = record?.actions.find((a) => a.action === step.action);
  if (record === undefined || stats === undefined) return;
  if (next === null) stats.ends = (stats.ends ?? 0) + 1;
  else {
    const outcomes = { ...stats.outcomes };
    outcomes[next] = (outcomes[next] ?? 0) + 1;
    const entries = Object.entries(outcomes);
    if (entries.length > MAX_OUTCOMES) {
      const [rarest] = entries.reduce((min, e) => (e[1] < min[1] ? e : min));
      delete outcomes[rarest];
    }
    stats.outcomes = outcomes;
  }
  table.changed(record);
}

/**
 * Planning over the experience memory's own model (Dyna-style value iteration on the counted
 * outcomes): the records an episode visited are backed up in reverse order `passes` times, so a
 * reward at the end reaches the start in one episode, then every record of the task once, so
 * values learned elsewhere flow in. A backup sets, for each action with counted outcomes,
 *   Q(o, a) = r̄(o, a) + γ · Σ_{o'} P̂(o' | o, a) · max_a' Q(o', a')
 * where P̂ are the counted frequencies, ends contribute nothing, and an o' without a record counts 0.
 * Returns how many action values changed.
 */
export function plan(
  table: ExperienceTable,
  task: string,
  visited: readonly string[],
  passes: number,
): number {
  let changed = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let t = visited.length - 1; t >= 0; t--) {
      const record = table.find(task, visited[t] as string);
      if (record !== undefined) changed += backup(table, record);
    }
  }
  if (passes > 0) {
    for (const record of table.records()) if (record.task === task) changed += backup(table, record);
  }
  return changed;
}

function backup(table: ExperienceTable, record: ExperienceRecord): number {
  let changed = 0;
  for (const stats of record.actions) {
    const q = expectedValue(table, record.task, stats);
    if (q === null || Math.abs(q - stats.q) <= 1e-12) continue;
    stats.q = q;
    changed++;
  }
  if (changed > 0) table.changed(record);
  return changed;
}

function expectedValue(table: ExperienceTable, task: string, stats: ActionStats): number | null {
  const outcomes = stats.outcomes ?? {};
  let total = stats.ends ?? 0;
  for (const count of Object.values(outcomes)) total += count;
  if (total === 0) return null;
  let future = 0;
  for (const [observation, count] of Object.entries(outcomes)) {
    const next = table.find(task, observation);
    if (next !== undefined) future += (count / total) * table.maxQ(next);
  }
  return stats.meanReward + table.options.gamma * future;
}
