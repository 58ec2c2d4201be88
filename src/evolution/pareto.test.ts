import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../environments/random.ts";
import { dominates, type PoolMember, paretoFront, prunePool, selectParent } from "./pareto.ts";

const member = (id: string, scores: Record<string, number>): PoolMember => ({
  id,
  scores,
  aggregate: Object.values(scores).reduce((s, x) => s + x, 0) / Object.keys(scores).length,
});
const tasks = ["a", "b", "c"];

describe("Pareto pool", () => {
  it("keeps on the front only candidates best on a task and not dominated, weighted by their wins", () => {
    const seed = member("seed", { a: 0, b: 0, c: 0 });
    const left = member("left", { a: 1, b: 1, c: 0 });
    const right = member("right", { a: 0, b: 0, c: 1 });
    const weaker = member("weaker", { a: 1, b: 0, c: 0 });
    assert.ok(
      dominates(left, weaker, tasks) && !dominates(left, right, tasks) && !dominates(left, left, tasks),
    );
    assert.deepEqual(
      paretoFront([seed, left, right, weaker], tasks).map((f) => [f.member.id, f.wins]),
      [
        ["left", 2],
        ["right", 1],
      ],
    );
  });

  it("draws parents in proportion to their wins, reproducibly from a seed", () => {
    const pool = [member("left", { a: 1, b: 1, c: 0 }), member("right", { a: 0, b: 0, c: 1 })];
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 3000 }, () => selectParent(pool, tasks, random).id);
    };
    const picks = draw(1);
    assert.deepEqual(draw(1), picks);
    const share = picks.filter((id) => id === "left").length / picks.length;
    assert.ok(Math.abs(share - 2 / 3) < 0.03, `left drawn ${share}`);
  });

  it("prunes off-front members first, lowest aggregate first, and never the kept one", () => {
    const pool = [
      member("seed", { a: 0, b: 0, c: 0 }),
      member("x", { a: 1, b: 0, c: 0 }),
      member("y", { a: 1, b: 1, c: 0 }),
      member("z", { a: 0, b: 0, c: 1 }),
    ];
    assert.deepEqual(
      prunePool(pool, tasks, 3, new Set(["z"])).map((m) => m.id),
      ["x", "y", "z"],
    );
    assert.deepEqual(
      prunePool(pool, tasks, 2, new Set(["seed"])).map((m) => m.id),
      ["seed", "y"],
    );
    assert.deepEqual(
      prunePool(pool, tasks, 1, new Set(["seed"])).map((m) => m.id),
      ["seed"],
    );
  });
});
