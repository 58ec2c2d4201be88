import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../core/errors.ts";
import { createRandom } from "./random.ts";

const draw = (seed: number, count: number) => {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => random.next());
};

describe("createRandom", () => {
  it("repeats a sequence for a seed and differs between seeds, including ones past 32 bits", () => {
    assert.deepEqual(draw(42, 50), draw(42, 50));
    assert.notDeepEqual(draw(0, 50), draw(1, 50));
    assert.notDeepEqual(draw(1, 50), draw(2 ** 32 + 1, 50));
  });

  it("draws floats in [0, 1) and integers spread evenly below the count", () => {
    const random = createRandom(7);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 50_000; i++) {
      const value = random.next();
      assert.ok(value >= 0 && value < 1);
      const index = random.integer(5);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    for (const count of counts) assert.ok(Math.abs(count - 10_000) < 400, `count ${count}`);
  });

  it("refuses a seed that is not a non-negative safe integer", () => {
    for (const seed of [-1, 1.5, Number.NaN, 2 ** 53]) {
      assert.throws(
        () => createRandom(seed),
        (error: unknown) => {
          return error instanceof InvalidInputError && error.message.startsWith("seed must be");
        },
      );
    }
  });
});
