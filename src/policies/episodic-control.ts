import type { Random } from "../environments/random.ts";
import { advise } from "../experience/advice.ts";
import type { ExperienceTable } from "../experience/experience-table.ts";
import type { Policy, Situation } from "./policy.ts";

export interface EpisodicControlOptions {
  /** Probability of a uniformly random action (default 0.1; 0 for greedy evaluation). */
  epsilon?: number;
  /** Try actions the record has never tried before exploiting (default true; false for evaluation). */
  tryUntried?: boolean;
  /**
   * With `tryUntried`, an action counts as tried once it has this many visits (default 1). A few
   * tries each keep one unlucky outcome in a stochastic environment from ruling an action out.
   */
  triesPerAction?: number;
  /** Records consulted when the observation has no record of its own (default 3). */
  k?: number;
  random: Random;
}

/**
 * Episodic control over the experience memory, no model needed: in a known (task, observation) it
 * takes the action with the highest Q (after trying each available action once, when `tryUntried`);
 * in an unknown one it follows the advice of the most similar records; with probability ε it explores.
 */
export function episodicControlPolicy(
  table: () => Promise<ExperienceTable>,
  options: EpisodicControlOptions,
): Policy {
  const epsilon = options.epsilon ?? 0.1;
  const tryUntried = options.tryUntried ?? true;
  const k = options.k ?? 3;
  const tries = options.triesPerAction ?? 1;
  const pickRandom = (actions: readonly string[]) =>
    actions[Math.floor(options.random.next() * actions.length)] as string;
  return {
    async act(situation: Situation): Promise<string> {
      const actions = situation.availableActions;
      if (actions.length === 0) throw new Error("no available actions");
      if (epsilon > 0 && options.random.next() < epsilon) return pickRandom(actions);
      const memory = await table();
      const record = memory.find(situation.task, situation.observation);
      if (record !== undefined) {
        const known = new Map(record.actions.map((a) => [a.action, a]));
        if (tryUntried) {
          const untried = actions.find((a) => (known.get(a)?.visits ?? 0) < tries);
          if (untried !== undefined) return untried;
        }
        // Greedy on Q; equal values are broken at random, so ties do not always favour one action.
        let ties: string[] = [];
        let bestQ = Number.NEGATIVE_INFINITY;
        for (const action of actions) {
          const q = known.get(action)?.q;
          if (q === undefined) continue;
          if (q > bestQ + 1e-12) {
            ties = [action];
            bestQ = q;
          } else if (Math.abs(q - bestQ) <= 1e-12) ties.push(action);
        }
        if (ties.length > 0) return ties.length === 1 ? (ties[0] as string) : pickRandom(ties);
      }
      const advice = advise(memory, { ...situation, k }, tryUntried ? "least-tried" : "none");
      const votes = new Map<string, number>();
      for (const item of advice.items) {
        for (const e of item.encouraged) votes.set(e.action, (votes.get(e.action) ?? 0) + item.similarity);
        for (const d of item.discouraged) votes.set(d.action, (votes.get(d.action) ?? 0) - item.similarity);
      }
      const ranked = [...votes].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
      return ranked[0]?.[0] ?? pickRandom(actions);
    },
  };
}
