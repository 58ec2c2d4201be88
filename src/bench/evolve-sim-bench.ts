import type { EvolutionCandidate } from "../core/evolution-types.ts";
import { type EvolveSettings, GATE_DEFAULTS } from "../evolution/run-config.ts";
import { createTestEngram } from "../test/index.ts";
import { createEvolutionSimulator } from "../test/simulator/simulator.ts";
import type { SimulatorOptions } from "../test/simulator/world.ts";
import { round } from "./stats.ts";

/** The gates compared: the tolerance rule (tolerance 0) and the sequential gate. */
export const SIMULATED_GATES = ["tolerance", "sequential"] as const;
export type SimulatedGate = (typeof SIMULATED_GATES)[number];

export interface EvolveSimOptions {
  /** One simulated world and run per seed, the same for both gates. */
  seeds: readonly number[];
  /** Task attempts each run may make (default 200). */
  budget?: number | undefined;
  /** The sequential gate's settings (defaults: the run defaults). */
  risk?: number | undefined;
  minGain?: number | undefined;
  gateBudget?: number | undefined;
  /** The world (its seed is each run's). */
  world?: Omit<SimulatorOptions, "seed"> | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** One point of a curve: the mean true accuracy, over the runs, of the context held after `rollouts`. */
export interface CurvePoint {
  rollouts: number;
  trueAccuracy: number;
}

/** One gate's figures over all runs, each measured on the whole pipeline (minibatch filter included). */
export interface GateFigures {
  /** Accepted changes truly worse than the context they replaced, as a share of accepted changes. */
  falseAcceptRate: number;
  /** Rejected changes truly better by at least `minGain`, as a share of all such changes. */
  falseRejectRate: number;
  /** Mean true accuracy of the context each run held when its budget was spent. */
  finalTrueAccuracy: number;
  /** Mean true accuracy of the starting context. */
  startTrueAccuracy: number;
  /** Mean true accuracy of the best context the world's rules allow. */
  oracleAccuracy: number;
  /** Mean of final / oracle over the runs. */
  oracleShare: number;
  /** Mean task attempts per run, up to its last decision within the budget. */
  rollouts: number;
  /** Counts behind the rates, over all runs. */
  changes: number;
  accepted: number;
  acceptedWorse: number;
  betterByMinGain: number;
  rejectedBetter: number;
  /** Mean true accuracy against rollouts, every 10 rollouts. */
  curve: CurvePoint[];
}

export interface EvolveSimResult {
  seeds: number[];
  budget: number;
  settings: { risk: number; minGain: number; gateBudget: number; tolerance: number };
  world: SimulatorOptions;
  gates: Record<SimulatedGate, GateFigures>;
  seconds: number;
}

interface RunOutcome {
  start: number;
  oracle: number;
  final: number;
  rollouts: number;
  changes: number;
  accepted: number;
  acceptedWorse: number;
  betterByMinGain: number;
  rejectedBetter: number;
  /** (rollouts, true accuracy after) at each decision within the budget. */
  steps: [number, number][];
}

const DEFAULT_BUDGET = 200;
const EPSILON = 1e-9;

/**
 * `engram bench evolve --simulate`: for each seed, a simulated world (src/test/simulator/) and two
 * runs of engram's real evolution loop on it, one per gate, each stopped after `budget` task attempts.
 * Every decision is judged against the simulator's ground truth.
 */
export async function runEvolveSimBench(options: EvolveSimOptions): Promise<EvolveSimResult> {
  const started = performance.now();
  const budget = options.budget ?? DEFAULT_BUDGET;
  const settings = {
    risk: options.risk ?? GATE_DEFAULTS.risk,
    minGain: options.minGain ?? GATE_DEFAULTS.minGain,
    gateBudget: options.gateBudget ?? GATE_DEFAULTS.budget,
    tolerance: 0,
  };
  const outcomes: Record<SimulatedGate, RunOutcome[]> = { tolerance: [], sequential: [] };
  let done = 0;
  const total = options.seeds.length * SIMULATED_GATES.length;
  for (const seed of options.seeds) {
    for (const gate of SIMULATED_GATES) {
      const gateSettings: Partial<EvolveSettings> =
        gate === "tolerance"
          ? { gate, tolerance: settings.tolerance }
          : { gate, risk: settings.risk, minGain: settings.minGain, gateBudget: settings.gateBudget };
      outcomes[gate].push(await simulateRun(seed, budget, settings.minGain, gateSettings, options.world));
      options.onProgress?.(++done, total);
    }
  }
  return {
    seeds: [...options.seeds],
    budget,
    settings,
    world: options.world ?? {},
    gates: {
      tolerance: figures(outcomes.tolerance, budget),
      sequential: figures(outcomes.sequential, budget),
    },
    seconds: round((performance.now() - started) / 1000, 1),
  };
}

async function simulateRun(
  seed: number,
  budget: number,
  minGain: number,
  gate: Partial<EvolveSettings>,
  world: Omit<SimulatorOptions, "seed"> | undefined,
): Promise<RunOutcome> {
  const sim = createEvolutionSimulator({ ...world, seed });
  const engram = createTestEngram();
  try {
    const agent = await engram.agents.create({ name: "student", instructions: "Solve the task." });
    const { run } = await engram.evolution.evolve(agent.id, {
      tasks: sim.tasks,
      rounds: 1000,
      seed,
      components: ["insights"],
      maxRollouts: budget,
      model: sim.model,
      ...gate,
    });
    return judge(
      await engram.evolution.candidates(agent.id, run.id),
      budget,
      minGain,
      sim.trueAccuracy,
      sim.oracleAccuracy,
    );
  } finally {
    engram.close();
  }
}

/** Every decision within the budget, judged by the truth: was the change better or worse than what it replaced? */
export function judge(
  candidates: readonly EvolutionCandidate[],
  budget: number,
  minGain: number,
  truth: (context: EvolutionCandidate["context"]) => number,
  oracle: number,
): RunOutcome {
  const seed = candidates.find((c) => c.round === 0);
  if (seed === undefined) throw new Error("the run has no seed candidate");
  let current = truth(seed.context);
  const outcome: RunOutcome = {
    start: current,
    oracle,
    final: current,
    rollouts: 0,
    changes: 0,
    accepted: 0,
    acceptedWorse: 0,
    betterByMinGain: 0,
    rejectedBetter: 0,
    steps: [],
  };
  const seedRollouts =
    (seed.evaluation.validation as unknown[]).length + (seed.evaluation.heldOut as unknown[]).length;
  outcome.rollouts = seedRollouts;
  outcome.steps.push([seedRollouts, current]);
  for (const c of candidates) {
    if (c.round === 0 || (c.decision !== "accepted" && c.decision !== "rejected")) continue;
    const spent = (c.evaluation.rollouts as { run: number } | undefined)?.run ?? 0;
    if (spent > budget) break;
    outcome.rollouts = spent;
    if (c.changes.length > 0) {
      const value = truth(c.context);
      outcome.changes++;
      const better = value - current >= minGain - EPSILON;
      if (better) outcome.betterByMinGain++;
      if (c.decision === "accepted") {
        outcome.accepted++;
        if (value < current - EPSILON) outcome.acceptedWorse++;
        current = value;
      } else if (better) outcome.rejectedBetter++;
    }
    outcome.steps.push([spent, current]);
  }
  outcome.final = current;
  return outcome;
}

function figures(runs: readonly RunOutcome[], budget: number): GateFigures {
  const sum = (f: (r: RunOutcome) => number) => runs.reduce((s, r) => s + f(r), 0);
  const mean = (f: (r: RunOutcome) => number) => (runs.length === 0 ? 0 : sum(f) / runs.length);
  const accepted = sum((r) => r.accepted);
  const better = sum((r) => r.betterByMinGain);
  const curve: CurvePoint[] = [];
  for (let x = 0; x <= budget; x += 10)
    curve.push({
      rollouts: x,
      trueAccuracy: round(
        mean((r) => heldAt(r, x)),
        4,
      ),
    });
  return {
    falseAcceptRate: accepted === 0 ? 0 : round(sum((r) => r.acceptedWorse) / accepted, 4),
    falseRejectRate: better === 0 ? 0 : round(sum((r) => r.rejectedBetter) / better, 4),
    finalTrueAccuracy: round(
      mean((r) => r.final),
      4,
    ),
    startTrueAccuracy: round(
      mean((r) => r.start),
      4,
    ),
    oracleAccuracy: round(
      mean((r) => r.oracle),
      4,
    ),
    oracleShare: round(
      mean((r) => r.final / r.oracle),
      4,
    ),
    rollouts: round(
      mean((r) => r.rollouts),
      1,
    ),
    changes: sum((r) => r.changes),
    accepted,
    acceptedWorse: sum((r) => r.acceptedWorse),
    betterByMinGain: better,
    rejectedBetter: sum((r) => r.rejectedBetter),
    curve,
  };
}

/** True accuracy of the context a run held after `rollouts` (its start before its first decision). */
function heldAt(run: RunOutcome, rollouts: number): number {
  let value = run.start;
  for (const [at, accuracy] of run.steps) if (at <= rollouts) value = accuracy;
  return value;
}
