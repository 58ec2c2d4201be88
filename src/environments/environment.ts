import { InvalidInputError } from "../core/errors.ts";
import { cliffWalking } from "./cliff-walking.ts";
import { type DiscreteDynamics, DiscreteEnvironment } from "./discrete-environment.ts";
import { frozenLake } from "./frozen-lake.ts";
import { taxi } from "./taxi.ts";

export interface StepResult {
  observation: string;
  reward: number;
  /** The episode is over, by the task or by the time limit. */
  done: boolean;
  /** true when ended by the time limit rather than the task */
  truncated: boolean;
  availableActions: string[];
  info: Record<string, unknown>;
}

export interface ResetResult {
  observation: string;
  availableActions: string[];
  /** One line saying what the episode asks for. */
  task: string;
  info: Record<string, unknown>;
}

/** An episodic task with text observations and named actions, for agents that act in words. */
export interface Environment {
  readonly name: string;
  /** All action names, in Gymnasium's index order. */
  readonly actions: readonly string[];
  /** Starts an episode; a seed makes it reproducible, none continues the environment's generator. */
  reset(seed?: number): ResetResult;
  step(action: string): StepResult;
  /** The current discrete state index (Gymnasium's observation integer), for tabular baselines. */
  readonly state: number;
  readonly stateCount: number;
}

export interface EnvironmentOptions {
  /** Steps after which an episode is truncated; defaults to Gymnasium's `max_episode_steps`. */
  maxSteps?: number;
}

/** The built-in environments; a name without `-slippery` is deterministic. */
export const ENVIRONMENT_NAMES = [
  "frozenlake-4x4",
  "frozenlake-4x4-slippery",
  "frozenlake-8x8",
  "frozenlake-8x8-slippery",
  "cliffwalking",
  "taxi",
] as const;

export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const DYNAMICS: Record<EnvironmentName, () => DiscreteDynamics> = {
  "frozenlake-4x4": () => frozenLake({ map: "4x4", slippery: false }),
  "frozenlake-4x4-slippery": () => frozenLake({ map: "4x4", slippery: true }),
  "frozenlake-8x8": () => frozenLake({ map: "8x8", slippery: false }),
  "frozenlake-8x8-slippery": () => frozenLake({ map: "8x8", slippery: true }),
  cliffwalking: cliffWalking,
  taxi,
};

export function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

/**
 * A fresh environment by name. Until `reset` is given a seed, it draws from a generator seeded with 0.
 *
 * @example
 * const env = createEnvironment("frozenlake-4x4");
 * const { observation, task } = env.reset(7);
 * const { reward, done } = env.step("down");
 */
export function createEnvironment(name: string, options: EnvironmentOptions = {}): Environment {
  if (!isEnvironmentName(name)) {
    throw new InvalidInputError(
      `environment ${JSON.stringify(name)} is unknown; known environments: ${ENVIRONMENT_NAMES.join(", ")}`,
    );
  }
  return new DiscreteEnvironment(DYNAMICS[name](), options);
}
