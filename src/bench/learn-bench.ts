import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "../core/errors.ts";
import { createEngram } from "../engram.ts";
import { createEnvironment, ENVIRONMENT_NAMES, type Environment } from "../environments/environment.ts";
import { createRandom } from "../environments/random.ts";
import type { ExperienceOptions, ExperienceTable } from "../experience/experience-table.ts";
import { episodicControlPolicy } from "../policies/episodic-control.ts";
import type { Policy } from "../policies/policy.ts";
import { round } from "./stats.ts";

export interface CurvePoint {
  episode: number;
  successRate: number;
  meanReturn: number;
}

export interface LearnerResult {
  curve: CurvePoint[];
  final: { successRate: number; meanReturn: number };
  /** The first training episode count at which the target level was met, or null. */
  episodesToTarget: number | null;
}

export interface LearnBenchResult extends LearnerResult {
  env: string;
  episodes: number;
  seed: number;
  target: { successRate?: number; meanReturn?: number };
  settings: Record<string, unknown>;
  baseline: LearnerResult & { settings: Record<string, unknown> };
  seconds: number;
  /**
   * Several seeds (`runLearnBenchSeeds`): each seed's outcome; `curve`, `final` and `baseline` are
   * then the means over the seeds at each evaluation point.
   */
  runs?: SeedRun[];
}

/** One seed's outcome in a several-seed run. */
export interface SeedRun {
  seed: number;
  final: LearnerResult["final"];
  episodesToTarget: number | null;
  baseline: { final: LearnerResult["final"]; episodesToTarget: number | null };
}

export interface LearnBenchOptions {
  env: string;
  episodes: number;
  seed?: number;
  /** Training episodes between evaluations (default: episodes / 40, at least 10). */
  window?: number;
  /**
   * Greedy evaluation episodes at each point (default 1,000: on 100 episodes the optimal FrozenLake
   * policy scores anywhere from 0.65 to 0.77, too noisy to tell a 0.70 target from the optimum).
   */
  evalEpisodes?: number;
  /** Overrides of the experience settings the environment learns with. */
  experience?: Partial<ExperienceOptions>;
  /** Exploration rate of the learner and the baseline (default 0.1). */
  epsilon?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

/** The level each environment's learner should reach, and the experience settings it learns with. */
const LEARNING = { gamma: 0.99, updateMode: "const", alpha: 0.2, planningPasses: 2 } as const;
const SETUP: Record<string, { target: LearnBenchResult["target"]; experience: Partial<ExperienceOptions> }> =
  {
    "frozenlake-4x4": { target: { successRate: 1 }, experience: { ...LEARNING } },
    "frozenlake-4x4-slippery": { target: { successRate: 0.7 }, experience: { ...LEARNING } },
    "frozenlake-8x8": { target: { successRate: 1 }, experience: { ...LEARNING } },
    "frozenlake-8x8-slippery": { target: { successRate: 0.7 }, experience: { ...LEARNING } },
    cliffwalking: { target: { meanReturn: -13 }, experience: { ...LEARNING } },
    taxi: { target: { meanReturn: 7 }, experience: { ...LEARNING, capacity: 2000 } },
  };

const EPSILON = 0.1;
const DEFAULT_EVAL_EPISODES = 1000;
/** The learner tries each action this often in a state before trusting its estimates. */
const TRIES_PER_ACTION = 3;
/** Tabular Q starts at 0 and learns with the same α, γ and ε as the experience memory. */
const BASELINE_INIT = 0;

/**
 * The learning loop on a built-in environment: an agent acts with episodic control over its
 * experience memory (every episode recorded through engram, Q-learning on each step), and every
 * `window` episodes its greedy policy is evaluated on fixed seeds. Tabular Q-learning with the same
 * exploration runs on the same seeds in the same process as the baseline.
 */
export async function runLearnBench(options: LearnBenchOptions): Promise<LearnBenchResult> {
  const setup = SETUP[options.env];
  if (setup === undefined) {
    throw new InvalidInputError(
      `unknown environment "${options.env}": use one of ${ENVIRONMENT_NAMES.join(", ")}`,
    );
  }
  if (!Number.isInteger(options.episodes) || options.episodes < 1) {
    throw new InvalidInputError("episodes: must be a positive integer");
  }
  const seed = options.seed ?? 1;
  const window = options.window ?? Math.max(10, Math.floor(options.episodes / 40));
  const evalEpisodes = options.evalEpisodes ?? DEFAULT_EVAL_EPISODES;
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-learn-"));
  const experience = { ...setup.experience, ...options.experience };
  const epsilon = options.epsilon ?? EPSILON;
  const engram = createEngram({ path: join(dir, "learn.db"), embedder: null, experience });
  try {
    const agent = await engram.agents.create({ name: `learner ${options.env}` });
    const table = () => engram.experience.table(agent.id);
    const trainRandom = createRandom(seed * 7919 + 1);
    const explorer = episodicControlPolicy(table, {
      epsilon,
      tryUntried: true,
      triesPerAction: TRIES_PER_ACTION,
      random: trainRandom,
    });
    // The memory does not change during an evaluation: the greedy policy reads one snapshot of it.
    let snapshot: ExperienceTable | undefined;
    const greedyRandom = createRandom(seed);
    const greedy = episodicControlPolicy(async () => snapshot ?? table(), {
      epsilon: 0,
      tryUntried: false,
      random: greedyRandom,
    });
    const env = createEnvironment(options.env);
    const evaluate = async (policy: Policy) => {
      snapshot = await table();
      try {
        return await evaluatePolicy(options.env, policy, evalEpisodes, seed);
      } finally {
        snapshot = undefined;
      }
    };
    const curve: CurvePoint[] = [];
    for (let episode = 1; episode <= options.episodes; episode++) {
      const reset = env.reset(seed * 1_000_003 + episode);
      // Recorded step by step, as an agent would: each step's Q-update lands before the next decision.
      const { id } = await engram.experience.startEpisode(agent.id, { task: reset.task });
      let observation = reset.observation;
      let availableActions = reset.availableActions;
      const rewards: { reward: number }[] = [];
      for (;;) {
        const action = await explorer.act({ task: reset.task, observation, availableActions });
        const result = env.step(action);
        await engram.experience.recordStep(agent.id, id, {
          observation,
          availableActions,
          action,
          reward: result.reward,
        });
        rewards.push({ reward: result.reward });
        observation = result.observation;
        availableActions = result.availableActions;
        if (result.done || result.truncated) {
          const success = isSuccess(options.env, result.done && !result.truncated, rewards);
          await engram.experience.finishEpisode(agent.id, id, {
            finalObservation: observation,
            success,
            truncated: result.truncated,
          });
          break;
        }
      }
      if (episode % window === 0 || episode === options.episodes) {
        curve.push({ episode, ...(await evaluate(greedy)) });
        options.onProgress?.(episode, options.episodes, "experience memory");
      }
    }
    const learning = { alpha: experience.alpha ?? 0.1, gamma: experience.gamma ?? 1, epsilon };
    const baseline = await tabularBaseline(
      options.env,
      options.episodes,
      window,
      evalEpisodes,
      seed,
      learning,
      (done) => options.onProgress?.(done, options.episodes, "tabular Q-learning"),
    );
    const last = curve.at(-1) as CurvePoint;
    return {
      env: options.env,
      episodes: options.episodes,
      seed,
      target: setup.target,
      settings: {
        epsilon,
        window,
        evalEpisodes,
        policy: `episodic control (try each action ${TRIES_PER_ACTION} times, then greedy Q)`,
        ...defaultsNote(),
        ...experience,
      },
      curve,
      final: { successRate: last.successRate, meanReturn: last.meanReturn },
      episodesToTarget: firstReaching(curve, setup.target),
      baseline: {
        ...baseline,
        episodesToTarget: firstReaching(baseline.curve, setup.target),
        settings: { ...learning, init: BASELINE_INIT, tieBreak: "random" },
      },
      seconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The benchmark on several seeds: each seed runs as `runLearnBench` does, and the result carries the
 * mean curves and finals over the seeds, the level each learner's mean curve reaches, and `runs`
 * with every seed's own outcome.
 */
export async function runLearnBenchSeeds(
  options: Omit<LearnBenchOptions, "seed"> & { seeds: readonly number[] },
): Promise<LearnBenchResult> {
  if (options.seeds.length === 0) throw new InvalidInputError("seeds: name at least one seed");
  const results: LearnBenchResult[] = [];
  for (const [i, seed] of options.seeds.entries()) {
    results.push(
      await runLearnBench({
        ...options,
        seed,
        onProgress: (done, total, phase) =>
          options.onProgress?.(
            i * total * 2 + done + (phase === "experience memory" ? 0 : total),
            total * 2 * options.seeds.length,
            `seed ${seed}: ${phase}`,
          ),
      }),
    );
  }
  const first = results[0] as LearnBenchResult;
  const curve = meanCurve(results.map((r) => r.curve));
  const baselineCurve = meanCurve(results.map((r) => r.baseline.curve));
  return {
    ...first,
    curve,
    final: finalOf(curve),
    episodesToTarget: firstReaching(curve, first.target),
    baseline: {
      ...first.baseline,
      curve: baselineCurve,
      final: finalOf(baselineCurve),
      episodesToTarget: firstReaching(baselineCurve, first.target),
    },
    seconds: round(
      results.reduce((sum, r) => sum + r.seconds, 0),
      1,
    ),
    runs: results.map((r) => ({
      seed: r.seed,
      final: r.final,
      episodesToTarget: r.episodesToTarget,
      baseline: { final: r.baseline.final, episodesToTarget: r.baseline.episodesToTarget },
    })),
  };
}

function meanCurve(curves: readonly CurvePoint[][]): CurvePoint[] {
  return (curves[0] ?? []).map((point, i) => {
    const at = curves.map((c) => c[i] as CurvePoint);
    return {
      episode: point.episode,
      successRate: round(at.reduce((sum, p) => sum + p.successRate, 0) / at.length, 3),
      meanReturn: round(at.reduce((sum, p) => sum + p.meanReturn, 0) / at.length, 3),
    };
  });
}

function finalOf(curve: readonly CurvePoint[]): LearnerResult["final"] {
  const last = curve.at(-1) as CurvePoint;
  return { successRate: last.successRate, meanReturn: last.meanReturn };
}

function defaultsNote(): Record<string, unknown> {
  return { gamma: 1, nStep: 1, updateMode: "mean" };
}

function isSuccess(env: string, terminated: boolean, steps: readonly { reward: number }[]): boolean {
  if (env.startsWith("frozenlake")) return steps.some((s) => s.reward > 0);
  return terminated;
}

/**
 * The first evaluation point from which the level holds: the mean of it and the next two points
 * meets the target (a single lucky evaluation does not count).
 */
function firstReaching(curve: readonly CurvePoint[], target: LearnBenchResult["target"]): number | null {
  const meets = (points: readonly CurvePoint[], key: "successRate" | "meanReturn", level: number) =>
    points.reduce((sum, p) => sum + p[key], 0) / points.length >= level;
  for (let i = 0; i < curve.length; i++) {
    const span = curve.slice(i, i + 3);
    if (span.length < Math.min(3, curve.length)) break;
    if (target.successRate !== undefined && !meets(span, "successRate", target.successRate)) continue;
    if (target.meanReturn !== undefined && !meets(span, "meanReturn", target.meanReturn)) continue;
    return curve[i]?.episode ?? null;
  }
  return null;
}

/** Greedy evaluation on fixed seeds, the same for every learner. */
export async function evaluatePolicy(name: string, policy: Policy, episodes: number, seed: number) {
  const env = createEnvironment(name);
  let successes = 0;
  let total = 0;
  for (let i = 0; i < episodes; i++) {
    const reset = env.reset(900_000_000 + seed * 10_007 + i);
    let observation = reset.observation;
    let availableActions = reset.availableActions;
    const rewards: { reward: number }[] = [];
    for (;;) {
      const result = env.step(await policy.act({ task: reset.task, observation, availableActions }));
      rewards.push({ reward: result.reward });
      total += result.reward;
      observation = result.observation;
      availableActions = result.availableActions;
      if (result.done || result.truncated) {
        if (isSuccess(name, result.done && !result.truncated, rewards)) successes++;
        break;
      }
    }
  }
  return { successRate: round(successes / episodes, 3), meanReturn: round(total / episodes, 3) };
}

/** Tabular Q-learning on the environment's state indexes (Q₀ = 0, ties broken at random). */
async function tabularBaseline(
  name: string,
  episodes: number,
  window: number,
  evalEpisodes: number,
  seed: number,
  learning: { alpha: number; gamma: number; epsilon: number },
  onProgress: (done: number) => void,
): Promise<LearnerResult> {
  const env: Environment = createEnvironment(name);
  const actions = env.actions;
  const q = new Float64Array(env.stateCount * actions.length).fill(BASELINE_INIT);
  const random = createRandom(seed * 7919 + 1);
  // Ties are broken at random, as tabular Q-learning is normally run (first-index ties never explore).
  const tieRandom = createRandom(seed * 31 + 7);
  const best = (state: number) => {
    let top = Number.NEGATIVE_INFINITY;
    let ties: number[] = [];
    for (let a = 0; a < actions.length; a++) {
      const value = q[state * actions.length + a] ?? 0;
      if (value > top) {
        top = value;
        ties = [a];
      } else if (value === top) ties.push(a);
    }
    return ties.length === 1 ? (ties[0] as number) : (ties[tieRandom.integer(ties.length)] as number);
  };
  // The evaluation sees observations; a tabular policy needs the state, read from its own env copy.
  const mirror = createEnvironment(name);
  const greedy = {
    async act() {
      return actions[best(mirror.state)] as string;
    },
  };
  const evaluate = async () => {
    let successes = 0;
    let total = 0;
    for (let i = 0; i < evalEpisodes; i++) {
      mirror.reset(900_000_000 + seed * 10_007 + i);
      const rewards: { reward: number }[] = [];
      for (;;) {
        const result = mirror.step(await greedy.act());
        rewards.push({ reward: result.reward });
        total += result.reward;
        if (result.done || result.truncated) {
          if (isSuccess(name, result.done && !result.truncated, rewards)) successes++;
          break;
        }
      }
    }
    return { successRate: round(successes / evalEpisodes, 3), meanReturn: round(total / evalEpisodes, 3) };
  };
  const curve: CurvePoint[] = [];
  for (let episode = 1; episode <= episodes; episode++) {
    env.reset(seed * 1_000_003 + episode);
    for (;;) {
      const state = env.state;
      const a = random.next() < learning.epsilon ? random.integer(actions.length) : best(state);
      const result = env.step(actions[a] as string);
      const next = env.state;
      const terminal = result.done && !result.truncated;
      const target =
        result.reward + (terminal ? 0 : learning.gamma * (q[next * actions.length + best(next)] ?? 0));
      const i = state * actions.length + a;
      q[i] = (q[i] ?? 0) + learning.alpha * (target - (q[i] ?? 0));
      if (result.done || result.truncated) break;
    }
    if (episode % window === 0 || episode === episodes) {
      curve.push({ episode, ...(await evaluate()) });
      onProgress(episode);
    }
  }
  const last = curve.at(-1) as CurvePoint;
  return {
    curve,
    final: { successRate: last.successRate, meanReturn: last.meanReturn },
    episodesToTarget: null,
  };
}
