import { InvalidInputError } from "../core/errors.ts";
import type { Environment, EnvironmentOptions, ResetResult, StepResult } from "./environment.ts";
import { createRandom, DEFAULT_SEED, type Random } from "./random.ts";

export interface Transition {
  state: number;
  reward: number;
  /** Ended by the task (Gymnasium's `terminated`). */
  terminated: boolean;
  info?: Record<string, unknown>;
}

/** The rules of a finite-state environment, free of episode bookkeeping. */
export interface DiscreteDynamics {
  readonly name: string;
  readonly actions: readonly string[];
  readonly stateCount: number;
  /** Gymnasium's `max_episode_steps`, or engram's own where Gymnasium registers none. */
  readonly maxSteps: number;
  initialState(random: Random): number;
  /** `action` is an index into `actions`; a stochastic rule draws only from `random`. */
  transition(state: number, action: number, random: Random): Transition;
  /** The same state always gives the same text. */
  observe(state: number): string;
  task(initialState: number): string;
  /** Extra facts about a state for `info`, such as Taxi's action mask. */
  stateInfo?(state: number): Record<string, unknown>;
}

/**
 * Runs episodes of some dynamics: seeding, the time limit (Gymnasium's `TimeLimit` wrapper), and
 * refusing steps outside an episode.
 */
export class DiscreteEnvironment implements Environment {
  readonly name: string;
  readonly actions: readonly string[];
  readonly stateCount: number;
  readonly maxSteps: number;
  readonly #dynamics: DiscreteDynamics;
  #random: Random = createRandom(DEFAULT_SEED);
  #state: number | undefined;
  #elapsedSteps = 0;
  #over = false;

  constructor(dynamics: DiscreteDynamics, options: EnvironmentOptions = {}) {
    const maxSteps = options.maxSteps ?? dynamics.maxSteps;
    if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) {
      throw new InvalidInputError(`maxSteps must be a positive integer, got ${String(maxSteps)}`);
    }
    this.#dynamics = dynamics;
    this.name = dynamics.name;
    this.actions = dynamics.actions;
    this.stateCount = dynamics.stateCount;
    this.maxSteps = maxSteps;
  }

  get state(): number {
    if (this.#state === undefined) throw notStarted();
    return this.#state;
  }

  reset(seed?: number): ResetResult {
    if (seed !== undefined) this.#random = createRandom(seed);
    const state = this.#dynamics.initialState(this.#random);
    this.#state = state;
    this.#elapsedSteps = 0;
    this.#over = false;
    return {
      observation: this.#dynamics.observe(state),
      availableActions: [...this.actions],
      task: this.#dynamics.task(state),
      info: { state, ...this.#dynamics.stateInfo?.(state) },
    };
  }

  step(action: string): StepResult {
    if (this.#state === undefined) throw notStarted();
    if (this.#over) throw new InvalidInputError("the episode is over: call reset");
    const index = this.actions.indexOf(action);
    if (index < 0) {
      throw new InvalidInputError(
        `action ${JSON.stringify(action)} is not one of: ${this.actions.join(", ")}`,
      );
    }
    const transition = this.#dynamics.transition(this.#state, index, this.#random);
    this.#elapsedSteps++;
    // Unlike Gymnasium, which reports both, an episode that the task ends on its last step is not truncated.
    const truncated = !transition.terminated && this.#elapsedSteps >= this.maxSteps;
    this.#state = transition.state;
    this.#over = transition.terminated || truncated;
    return {
      observation: this.#dynamics.observe(transition.state),
      reward: transition.reward,
      done: this.#over,
      truncated,
      availableActions: [...this.actions],
      info: {
        state: transition.state,
        elapsedSteps: this.#elapsedSteps,
        ...transition.info,
        ...this.#dynamics.stateInfo?.(transition.state),
      },
    };
  }
}

function notStarted(): InvalidInputError {
  return new InvalidInputError("no episode is running: call reset first");
}
