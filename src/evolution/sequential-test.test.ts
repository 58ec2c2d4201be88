import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../environments/random.ts";
import { gainBounds, minimumDraws, verdict } from "./sequential-test.ts";

/** Runs the test on draws from `draw` until it stops or `max` draws; what it decided. */
function run(draw: () => number, risk: number, minGain: number, max: number) {
  const diffs: number[] = [];
  while (diffs.length < max) {
    const state = verdict(diffs, risk, minGain);
    if (state !== "open") return state;
    diffs.push(draw());
  }
  return verdict(diffs, risk, minGain);
}

/** A paired difference: +1 with chance `win`, −1 with chance `loss`, else a tie. */
const pairs = (seed: number, win: number, loss: number) => {
  const random = createRandom(seed);
  return () => {
    const u = random.next();
    return u < win ? 1 : u < win + loss ? -1 : 0;
  };
};

describe("sequential paired test", () => {
  it("needs fewer straight wins the more risk it may take, and ties cost it nothing", () => {
    assert.deepEqual([0.01, 0.05, 0.1, 0.2].map(minimumDraws), [9, 6, 5, 4]);
    const wins = Array(5).fill(1);
    assert.equal(verdict(wins, 0.1, 0.05), "accept");
    assert.equal(verdict(wins.slice(1), 0.1, 0.05), "open");
    // Ties between the wins do not weaken the evidence against "no gain".
    assert.equal(verdict([1, 0, 1, 0, 0, 1, 0, 1, 0, 1], 0.1, 0.05), "accept");
    assert.equal(verdict([1, -1, 1, -1, 1, -1, 1, -1], 0.1, 0.05), "open");
    // Many ties show the gain is below the smallest worth having.
    assert.equal(verdict(Array(80).fill(0), 0.1, 0.05), "futile");
  });

  it("keeps its false-accept rate under the risk when the child is no better, however long it looks", () => {
    for (const [win, loss] of [
      [0.2, 0.2],
      [0.1, 0.15],
      [0.45, 0.45],
    ] as const) {
      let accepted = 0;
      const runs = 1000;
      for (let seed = 0; seed < runs; seed++)
        if (run(pairs(seed, win, loss), 0.1, 0.05, 300) === "accept") accepted++;
      assert.ok(accepted / runs <= 0.1, `win ${win}, loss ${loss}: accepted ${accepted} of ${runs}`);
    }
  });

  it("accepts a real gain, and its interval holds the gain", () => {
    let accepted = 0;
    let covered = 0;
    for (let seed = 0; seed < 300; seed++) {
      const draw = pairs(seed, 0.3, 0.05);
      if (run(draw, 0.1, 0.05, 80) === "accept") accepted++;
      const diffs = Array.from({ length: 60 }, draw);
      const { interval } = gainBounds(diffs, 0.1);
      if (interval[0] <= 0.25 && 0.25 <= interval[1]) covered++;
    }
    assert.ok(accepted >= 270, `accepted ${accepted} of 300`);
    assert.ok(covered >= 0.8 * 300, `covered ${covered} of 300`);
  });

  it("gives the mean as its estimate and an interval around it", () => {
    const { estimate, interval } = gainBounds([1, 1, 0, 1, 0, 1, 1, 0], 0.1);
    assert.equal(estimate, 0.625);
    assert.ok(interval[0] <= estimate && estimate <= interval[1] && interval[0] > -1 && interval[1] <= 1);
    assert.deepEqual(gainBounds([], 0.1), { estimate: 0, interval: [-1, 1] });
  });
});
