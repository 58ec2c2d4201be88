import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEnvironment, type Environment } from "./environment.ts";
import { createRandom } from "./random.ts";

const walk = (env: Environment, actions: string[]) => actions.map((action) => env.step(action));

describe("frozenlake-4x4", () => {
  it("reaches the goal by down, down, right, right, down, right, for a reward of 1", () => {
    const env = createEnvironment("frozenlake-4x4");
    assert.equal(env.reset().info.state, 0);
    const steps = walk(env, ["down", "down", "right", "right", "down", "right"]);
    assert.deepEqual(
      steps.map((step) => [step.info.state, step.reward, step.done]),
      [
        [4, 0, false],
        [8, 0, false],
        [9, 0, false],
        [10, 0, false],
        [14, 0, false],
        [15, 1, true],
      ],
    );
    assert.equal(steps.at(-1)?.truncated, false);
    assert.equal(
      steps.at(-1)?.observation,
      "You reached the goal at row 4, column 4 of the 4x4 frozen lake.",
    );
  });

  it("ends with no reward in a hole", () => {
    const env = createEnvironment("frozenlake-4x4");
    env.reset();
    const [, hole] = walk(env, ["down", "right"]);
    assert.deepEqual([env.state, hole?.reward, hole?.done, hole?.truncated], [5, 0, true, false]);
    assert.equal(hole?.observation, "You fell into a hole at row 2, column 2 of the 4x4 frozen lake.");
  });

  it("stays in place when walking into the edge", () => {
    const env = createEnvironment("frozenlake-4x4");
    env.reset();
    for (const action of ["left", "up"]) {
      const step = env.step(action);
      assert.deepEqual([env.state, step.reward, step.done], [0, 0, false]);
    }
  });

  it("is not truncated when the goal is reached on the last allowed step", () => {
    const env = createEnvironment("frozenlake-4x4", { maxSteps: 6 });
    env.reset();
    const last = walk(env, ["down", "down", "right", "right", "down", "right"]).at(-1);
    assert.deepEqual([last?.reward, last?.done, last?.truncated], [1, true, false]);
  });

  it("describes the neighbourhood and the task in words", () => {
    const env = createEnvironment("frozenlake-4x4");
    const reset = env.reset();
    assert.equal(
      reset.observation,
      "You are at row 1, column 1 of the 4x4 frozen lake. Frozen: down, right. Holes nearby: none. " +
        "Edge: left, up. The goal is at row 4, column 4.",
    );
    assert.equal(
      reset.task,
      "Walk from the start at row 1, column 1 to the goal at row 4, column 4 of the 4x4 frozen lake " +
        "without falling into a hole (row 1 is the top).",
    );
    walk(env, ["down", "down", "right", "right"]);
    assert.equal(
      env.step("down").observation,
      "You are at row 4, column 3 of the 4x4 frozen lake. Frozen: left, up. Holes nearby: none. Goal: right. " +
        "Edge: down. The goal is at row 4, column 4.",
    );
  });

  it("learns the way to the goal with tabular Q-learning in 500 episodes", () => {
    const env = createEnvironment("frozenlake-4x4");
    const random = createRandom(11);
    const q = Array.from({ length: env.stateCount }, () => new Array<number>(env.actions.length).fill(0));
    const values = (state: number) => q[state] ?? [];
    const greedy = (state: number) => {
      const row = values(state);
      const best = Math.max(...row);
      const ties = row.flatMap((value, action) => (value === best ? [action] : []));
      return ties[random.integer(ties.length)] ?? 0;
    };
    for (let episode = 0; episode < 500; episode++) {
      env.reset();
      for (let done = false; !done; ) {
        const state = env.state;
        const action = random.next() < 0.2 ? random.integer(env.actions.length) : greedy(state);
        const step = env.step(env.actions[action] ?? "");
        const target =
          step.reward + (step.done && !step.truncated ? 0 : 0.95 * Math.max(...values(env.state)));
        const row = values(state);
        row[action] = (row[action] ?? 0) + 0.5 * (target - (row[action] ?? 0));
        done = step.done;
      }
    }
    env.reset();
    const steps = [];
    for (let done = false; !done; ) {
      const step = env.step(env.actions[greedy(env.state)] ?? "");
      steps.push(step);
      done = step.done;
    }
    assert.deepEqual([steps.length, steps.at(-1)?.reward], [6, 1]);
  });
});

describe("frozenlake-8x8", () => {
  it("uses Gymnasium's 8x8 map", () => {
    const env = createEnvironment("frozenlake-8x8");
    env.reset();
    // Row 3 is FFFHFFFF: the fourth cell is a hole.
    const steps = walk(env, ["down", "down", "right", "right", "right"]);
    assert.deepEqual([env.state, steps.at(-1)?.reward, steps.at(-1)?.done], [19, 0, true]);
  });
});

describe("slippery frozen lakes", () => {
  /** Where one step of `action` from the start lands, over many seeded episodes. */
  const landings = (name: string, action: string, episodes: number) => {
    const env = createEnvironment(name);
    env.reset(2024);
    const counts = new Map<number, number>();
    for (let episode = 0; episode < episodes; episode++) {
      if (episode > 0) env.reset();
      env.step(action);
      counts.set(env.state, (counts.get(env.state) ?? 0) + 1);
    }
    return counts;
  };

  it("moves as intended or to either side, a third of the time each (8x8)", () => {
    // Down from the corner: slipping left bumps the edge (state 0), down lands on 8, right on 1.
    const counts = landings("frozenlake-8x8-slippery", "down", 6000);
    assert.deepEqual(
      [...counts.keys()].sort((a, b) => a - b),
      [0, 1, 8],
    );
    for (const count of counts.values()) assert.ok(Math.abs(count - 2000) < 150, `count ${count}`);
  });

  it("moves as intended or to either side, a third of the time each (4x4)", () => {
    // Right from the corner: slipping down lands on 4, right on 1, slipping up bumps the edge.
    const counts = landings("frozenlake-4x4-slippery", "right", 6000);
    assert.deepEqual(
      [...counts.keys()].sort((a, b) => a - b),
      [0, 1, 4],
    );
    for (const count of counts.values()) assert.ok(Math.abs(count - 2000) < 150, `count ${count}`);
  });

  it("reports the direction actually taken, and never the opposite one", () => {
    const env = createEnvironment("frozenlake-4x4-slippery");
    env.reset(5);
    const moved = new Set<unknown>();
    for (let i = 0; i < 300; i++) {
      const step = env.step("left");
      moved.add(step.info.moved);
      assert.equal(step.info.prob, 1 / 3);
      if (step.done) env.reset();
    }
    assert.deepEqual([...moved].sort(), ["down", "left", "up"]);
  });

  it("says so in the task", () => {
    assert.match(createEnvironment("frozenlake-8x8-slippery").reset().task, /slippery/);
    assert.doesNotMatch(createEnvironment("frozenlake-8x8").reset().task, /slippery/);
  });
});
