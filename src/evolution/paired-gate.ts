import type { Random } from "../environments/random.ts";
import type { Evaluator, SampleRecord } from "./evaluation.ts";
import type { LearnedContext } from "./learned-context.ts";
import { gainBounds, verdict } from "./sequential-test.ts";
import type { Task } from "./task-set.ts";

/** The sequential gate's settings: largest false-accept probability, smallest gain worth it, rollouts. */
export interface PairedGateSettings {
  risk: number;
  minGain: number;
  budget: number;
}

/** What the sequential gate decided, with what it saw; recorded on the candidate. */
export interface GateDecision extends PairedGateSettings {
  test: "sequential";
  accepted: boolean;
  /** `accept` (gain shown above 0), `futile` (shown below `minGain`) or `budget` (spent, undecided). */
  stop: "accept" | "futile" | "budget";
  /** Mean paired difference (child minus current) over the draws. */
  estimate: number;
  /** Confidence sequence for the gain at level 1 − 2·risk, at the draw the test stopped. */
  interval: [number, number];
  /** Paired draws made. */
  draws: number;
  /** Task attempts the decision made (attempts recorded earlier are reused and not counted). */
  rollouts: number;
  /** Mean scores over the draws, the child's and the current context's. */
  child: number;
  current: number;
}

/**
 * The sequential gate: draws held-out tasks at random (with replacement, so the draws are
 * independent and the test's error bounds hold for the held-out set's mean), asks the child and the
 * current context the same sample of each (same seed: see `Evaluator`), and stops as soon as the
 * paired gain is shown above 0 at `risk` (accept), shown below `minGain` (reject), or the budget of
 * rollouts would be overrun (reject). A draw is at most two rollouts; a decision is at most `budget`
 * draws.
 */
export async function pairedGate(input: {
  evaluator: Evaluator;
  tasks: readonly Task[];
  child: LearnedContext;
  current: LearnedContext;
  random: Random;
  settings: PairedGateSettings;
}): Promise<{ decision: GateDecision; child: SampleRecord[]; current: SampleRecord[] }> {
  const { evaluator, tasks, child, current, random, settings } = input;
  const drawn = new Map<string, number>();
  const diffs: number[] = [];
  const childSamples: SampleRecord[] = [];
  const currentSamples: SampleRecord[] = [];
  let rollouts = 0;
  let stop: GateDecision["stop"] = "budget";
  while (diffs.length < settings.budget) {
    const state = verdict(diffs, settings.risk, settings.minGain);
    if (state !== "open") {
      stop = state;
      break;
    }
    const task = tasks[random.integer(tasks.length)] as Task;
    const sample = drawn.get(task.id) ?? 0;
    drawn.set(task.id, sample + 1);
    const cost = Number(!evaluator.has(child, task, sample)) + Number(!evaluator.has(current, task, sample));
    if (rollouts + cost > settings.budget) break;
    const [c, p] = await Promise.all([
      evaluator.sample(task, child, sample),
      evaluator.sample(task, current, sample),
    ]);
    rollouts += cost;
    childSamples.push(c);
    currentSamples.push(p);
    diffs.push(c.score - p.score);
  }
  if (stop === "budget") {
    const state = verdict(diffs, settings.risk, settings.minGain);
    if (state !== "open") stop = state;
  }
  const { estimate, interval } = gainBounds(diffs, settings.risk);
  return {
    decision: {
      test: "sequential",
      ...settings,
      accepted: stop === "accept",
      stop,
      estimate,
      interval,
      draws: diffs.length,
      rollouts,
      child: mean(childSamples),
      current: mean(currentSamples),
    },
    child: childSamples,
    current: currentSamples,
  };
}

const mean = (samples: readonly SampleRecord[]) =>
  samples.length === 0
    ? 0
    : Math.round((samples.reduce((s, a) => s + a.score, 0) / samples.length) * 1e6) / 1e6;
