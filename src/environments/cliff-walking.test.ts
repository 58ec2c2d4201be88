import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEnvironment } from "./environment.ts";

describe("cliffwalking", () => {
  it("starts at row 4, column 1 (state 36)", () => {
    const env = createEnvironment("cliffwalking");
    const reset = env.reset();
    assert.equal(env.state, 36);
    assert.equal(
      reset.observation,
      "You are at row 4, column 1 (the start) of a 4x12 cliff walk. Open: up. Cliff: right. Edge: down, left. " +
        "The goal is at row 4, column 12.",
    );
  });

  it("sends you back to the start for -100 when you step into the cliff, without ending the episode", () => {
    const env = createEnvironment("cliffwalking");
    env.reset();
    const step = env.step("right");
    assert.deepEqual(
      [env.state, step.reward, step.done, step.truncated, step.info.fellOffCliff],
      [36, -100, false, false, true],
    );
    // From above the cliff too.
    env.step("up");
    env.step("right");
    const fall = env.step("down");
    assert.deepEqual([env.state, fall.reward, fall.done], [36, -100, false]);
  });

  it("reaches the goal along the edge of the cliff in 13 steps at -1 each", () => {
    const env = createEnvironment("cliffwalking");
    env.reset();
    const steps = ["up", ...new Array<string>(11).fill("right"), "down"].map((action) => env.step(action));
    assert.deepEqual(
      steps.map((step) => step.reward),
      new Array(13).fill(-1),
    );
    assert.deepEqual(
      steps.map((step) => step.done),
      [...new Array(12).fill(false), true],
    );
    assert.equal(env.state, 47);
    assert.equal(steps.at(-1)?.truncated, false);
    assert.equal(steps.at(-1)?.observation, "You reached the goal at row 4, column 12.");
  });

  it("stays in place for -1 when walking into the edge", () => {
    const env = createEnvironment("cliffwalking");
    env.reset();
    for (const action of ["left", "down"]) {
      const step = env.step(action);
      assert.deepEqual([env.state, step.reward, step.done], [36, -1, false]);
    }
    for (let i = 0; i < 3; i++) env.step("up");
    const step = env.step("up");
    assert.deepEqual([env.state, step.reward], [0, -1]);
  });

  it("names the goal when it is next to you", () => {
    const env = createEnvironment("cliffwalking");
    env.reset();
    env.step("up");
    const steps = new Array<string>(11).fill("right").map((action) => env.step(action));
    assert.equal(
      steps.at(-1)?.observation,
      "You are at row 3, column 12 of a 4x12 cliff walk. Open: up, left. Goal: down. Edge: right. " +
        "The goal is at row 4, column 12.",
    );
  });
});
