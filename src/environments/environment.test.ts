import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../core/errors.ts";
import { createEnvironment, ENVIRONMENT_NAMES, type Environment } from "./environment.ts";
import { createRandom } from "./random.ts";

const invalidInput = (pattern: RegExp) => (error: unknown) =>
  error instanceof InvalidInputError && pattern.test(error.message);

interface Step {
  action: string;
  observation: string;
  reward: number;
  done: boolean;
  truncated: boolean;
  state: number;
}

/** Plays whole episodes with a seeded random policy. */
function play(env: Environment, policySeed: number, episodes: number, firstSeed?: number): Step[][] {
  const policy = createRandom(policySeed);
  const trajectories: Step[][] = [];
  for (let episode = 0; episode < episodes; episode++) {
    const reset = env.reset(episode === 0 ? firstSeed : undefined);
    const steps: Step[] = [
      {
        action: "",
        observation: reset.observation,
        reward: 0,
        done: false,
        truncated: false,
        state: env.state,
      },
    ];
    for (let done = false; !done; ) {
      const action = env.actions[policy.integer(env.actions.length)] ?? "";
      const result = env.step(action);
      steps.push({ action, ...result, state: env.state });
      done = result.done;
    }
    trajectories.push(steps);
  }
  return trajectories;
}

describe("createEnvironment", () => {
  it("builds every named environment with Gymnasium's action order and state count", () => {
    const expected: Record<string, [string[], number]> = {
      "frozenlake-4x4": [["left", "down", "right", "up"], 16],
      "frozenlake-4x4-slippery": [["left", "down", "right", "up"], 16],
      "frozenlake-8x8": [["left", "down", "right", "up"], 64],
      "frozenlake-8x8-slippery": [["left", "down", "right", "up"], 64],
      cliffwalking: [["up", "right", "down", "left"], 48],
      taxi: [["south", "north", "east", "west", "pickup", "dropoff"], 500],
    };
    assert.deepEqual([...ENVIRONMENT_NAMES], Object.keys(expected));
    for (const name of ENVIRONMENT_NAMES) {
      const env = createEnvironment(name);
      assert.equal(env.name, name);
      assert.deepEqual([env.actions, env.stateCount], expected[name]);
    }
  });

  it("refuses an unknown name, listing the known ones", () => {
    assert.throws(
      () => createEnvironment("cartpole"),
      invalidInput(/"cartpole" is unknown.*frozenlake-4x4, .*taxi/),
    );
  });

  it("refuses a maxSteps that is not a positive integer", () => {
    for (const maxSteps of [0, -3, 2.5]) {
      assert.throws(
        () => createEnvironment("taxi", { maxSteps }),
        invalidInput(/^maxSteps must be a positive integer/),
      );
    }
  });
});

for (const name of ENVIRONMENT_NAMES) {
  describe(`${name} (every environment)`, () => {
    it("refuses to step, or to report a state, before reset", () => {
      const env = createEnvironment(name);
      assert.throws(() => env.step(env.actions[0] ?? ""), invalidInput(/call reset first/));
      assert.throws(() => env.state, invalidInput(/call reset first/));
    });

    it("refuses an unknown action, naming it and listing the valid ones", () => {
      const env = createEnvironment(name);
      env.reset(1);
      assert.throws(
        () => env.step("jump"),
        invalidInput(new RegExp(`"jump" is not one of: ${env.actions.join(", ")}$`)),
      );
    });

    it("refuses to step after the episode is over, until reset", () => {
      const env = createEnvironment(name, { maxSteps: 3 });
      const [episode] = play(env, 1, 1, 1);
      assert.ok(episode?.at(-1)?.done);
      assert.throws(() => env.step(env.actions[0] ?? ""), invalidInput(/^the episode is over: call reset$/));
      env.reset();
      env.step(env.actions[0] ?? "");
    });

    it("lists every action as available, and reports the state in info", () => {
      const env = createEnvironment(name);
      const reset = env.reset(2);
      assert.deepEqual(reset.availableActions, [...env.actions]);
      assert.equal(reset.info.state, env.state);
      assert.ok(reset.task.length > 0 && !reset.task.includes("\n"));
      const step = env.step(env.actions[0] ?? "");
      assert.deepEqual(step.availableActions, [...env.actions]);
      assert.equal(step.info.state, env.state);
      assert.equal(step.info.elapsedSteps, 1);
    });

    it("replays the same episodes from the same seed, and continues its generator on reset()", () => {
      const first = play(createEnvironment(name), 9, 5, 123);
      const second = play(createEnvironment(name), 9, 5, 123);
      assert.deepEqual(second, first);
      // Reseeding the same environment mid-stream replays too.
      const env = createEnvironment(name);
      play(env, 4, 2, 77);
      assert.deepEqual(play(env, 9, 5, 123), first);
    });

    it("describes the same state with the same text, within bounds", () => {
      const env = createEnvironment(name);
      const seen = new Map<number, string>();
      for (const episode of play(env, 3, 30, 5)) {
        for (const { state, observation } of episode) {
          assert.ok(state >= 0 && state < env.stateCount);
          assert.equal(seen.get(state) ?? observation, observation);
          seen.set(state, observation);
        }
      }
    });

    it("truncates at maxSteps unless the task ended first", () => {
      const env = createEnvironment(name, { maxSteps: 4 });
      let truncations = 0;
      for (const episode of play(env, 8, 40, 8)) {
        const steps = episode.length - 1;
        const last = episode.at(-1);
        assert.ok(last?.done);
        assert.ok(steps <= 4);
        if (last.truncated) {
          assert.equal(steps, 4);
          truncations++;
        }
        for (const step of episode.slice(0, -1)) assert.equal(step.done || step.truncated, false);
      }
      assert.ok(truncations > 0);
    });
  });
}

describe("default time limits", () => {
  // Actions that never end an episode: walk into the edge, or drive north.
  const cases: [string, string, number, string][] = [
    ["frozenlake-4x4", "left", 100, "as Gymnasium registers it"],
    ["frozenlake-8x8", "up", 200, "as Gymnasium registers it"],
    ["cliffwalking", "left", 200, "engram's own limit, as Gymnasium registers none"],
    ["taxi", "north", 200, "as Gymnasium registers it"],
  ];
  for (const [name, action, limit, why] of cases) {
    it(`truncates ${name} after ${limit} steps, ${why}`, () => {
      const env = createEnvironment(name);
      env.reset(0);
      for (let step = 1; step < limit; step++) assert.equal(env.step(action).done, false);
      const last = env.step(action);
      assert.deepEqual([last.done, last.truncated, last.info.elapsedSteps], [true, true, limit]);
    });
  }
});
