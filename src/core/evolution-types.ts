/** Records of self-evolution runs, shared by the store and the evolution engine. */

import type { JsonObject } from "./types.ts";

/** A block as the learned context holds it: enough to put it in a prompt and to commit it back. */
export interface ContextBlock {
  label: string;
  description: string;
  value: string;
  limit: number;
  readOnly: boolean;
}

/**
 * What an agent has learned in token space, as one value: its instructions, its blocks (exemplars
 * included, as the `exemplars` block) and its insight rules. A candidate of an evolution run is one of these.
 */
export interface LearnedContext {
  instructions: string;
  blocks: ContextBlock[];
  /** Insight rule texts, strongest first. */
  insights: string[];
}

export const RUN_STATUSES = ["running", "finished", "failed", "stopped"] as const;
/**
 * `running` (or crashed while running), `finished`, `failed` (an error ended it; it can be resumed),
 * `stopped` (the agent changed under it; it cannot be resumed).
 */
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface EvolutionRun {
  id: string;
  agentId: string;
  /** The branch accepted candidates are committed to. */
  branch: string;
  seed: number;
  /** The settings and the full task set the run was started with (what makes it reproducible). */
  config: JsonObject;
  status: RunStatus;
  /**
   * Fencing token: every resume takes the next attempt, and a writer holding an older one is refused,
   * so two processes can never both drive one run.
   */
  attempt: number;
  /** Rounds completed. */
  round: number;
  /** What the loop carries between rounds (the current candidate, generated tasks …). */
  state: JsonObject;
  /** The run report, once finished (also rebuilt from the records on request). */
  report: JsonObject | null;
  error: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export const DECISIONS = ["pending", "applying", "accepted", "rejected", "abandoned"] as const;
/**
 * `pending` (being evaluated), `applying` (accepted by the gate, being written to the agent),
 * `accepted` (written), `rejected` (recorded, the agent unchanged), `abandoned` (its round was cut
 * short by a crash and redone on resume).
 */
export type Decision = (typeof DECISIONS)[number];

/** One task attempt of a candidate: what the agent answered and what the checker made of it. */
export interface AttemptRecord {
  taskId: string;
  score: number;
  passed: boolean;
  output: string;
  feedback: string;
}

/** A change of one component of the learned context. */
export interface ComponentChange {
  /** `instructions`, `insights`, or `block:<label>`. */
  component: string;
  before: string;
  after: string;
}

export interface EvolutionCandidate {
  id: string;
  runId: string;
  agentId: string;
  /** 0 for the seed (the agent as the run found it). */
  round: number;
  parentIds: string[];
  /** `seed`, `reflect`, `exemplars` or `merge`. */
  operation: string;
  /** The component the operation changed, when one. */
  component: string | null;
  context: LearnedContext;
  /** Against the first parent. */
  changes: ComponentChange[];
  /**
   * Scores and attempts: `minibatch` (training tasks, parent and child), `validation` (the Pareto
   * set, per task) and `heldOut` (the gate's tasks, per task).
   */
  evaluation: JsonObject;
  /** Mean validation score. */
  aggregate: number | null;
  /** Mean held-out score. */
  heldOut: number | null;
  /** The held-out score of the agent's context it was gated against. */
  baseline: number | null;
  decision: Decision;
  reason: string | null;
  /** The block commit that applied it, when it changed blocks and was accepted. */
  commitId: string | null;
  createdAt: string;
  decidedAt: string | null;
}
