import type { EpisodeStep } from "../core/types.ts";
import type { ExperienceTable } from "./experience-table.ts";

/**
 * The n-step Q-learning updates of Rememberer (arXiv 2306.07929) that are due once an episode has
 * `steps.length` steps (`finished`: it has ended). Step t is updated when o_{t+n} is known:
 *   G = Σ_{i<n} γ^i r_{t+1+i},  target = G + γ^n · max_a Q(o_{t+n}, a)
 * where Q(o_{t+n}, ·) comes from the record of o_{t+n}, or the most similar stored record when it
 * has none. When the episode ends, the steps still waiting get the truncated return, no bootstrap.
 * Steps `[from, to)` are updated; callers pass the range that became due.
 */
export function applyUpdates(
  table: ExperienceTable,
  task: string,
  steps: readonly EpisodeStep[],
  from: number,
  to: number,
  finished: boolean,
): number {
  const { gamma, nStep } = table.options;
  let updated = 0;
  for (let t = from; t < to; t++) {
    const step = steps[t] as EpisodeStep;
    const horizon = Math.min(nStep, steps.length - t);
    let target = 0;
    for (let i = 0; i < horizon; i++) target += gamma ** i * (steps[t + i] as EpisodeStep).reward;
    const next = steps[t + nStep];
    if (next !== undefined) {
      const bootstrap =
        table.find(task, next.observation) ??
        table.nearest(task, next.observation, 1)[0]?.record ??
        undefined;
      target += gamma ** nStep * (bootstrap === undefined ? 0 : table.maxQ(bootstrap));
    } else if (!finished) {
      // Not due yet: o_{t+n} is unknown until more steps arrive.
      break;
    }
    const record = table.obtain(task, step.observation);
    if (record === null) continue;
    table.update(record, step.action, step.reward, target);
    updated++;
  }
  return updated;
}

/** The step indexes whose update became due when an episode grew from `before` to `after` steps. */
export function dueRange(before: number, after: number, nStep: number, finished: boolean): [number, number] {
  const from = Math.max(0, before - nStep);
  const to = finished ? after : Math.max(0, after - nStep);
  return [from, Math.max(from, to)];
}
