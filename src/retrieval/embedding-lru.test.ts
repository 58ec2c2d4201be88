import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EmbeddingLru } from "./embedding-lru.ts";

const vector = (x: number) => Float32Array.of(x);

describe("EmbeddingLru", () => {
  it("holds at most its capacity, evicting the least recently used", () => {
    const lru = new EmbeddingLru(3);
    for (const key of ["a", "b", "c"]) lru.set(key, vector(1));
    assert.ok(lru.get("a"), "a is used: b is now the least recent");
    lru.set("d", vector(4));
    assert.equal(lru.size, 3);
    assert.equal(lru.get("b"), undefined);
    assert.deepEqual(
      ["a", "c", "d"].map((k) => lru.get(k) !== undefined),
      [true, true, true],
    );
    for (let i = 0; i < 100; i++) lru.set(`k${i}`, vector(i));
    assert.equal(lru.size, 3);
    assert.deepEqual(lru.get("k99"), vector(99));
  });

  it("keeps nothing at capacity 0 and refuses a capacity that is not a whole number", () => {
    const lru = new EmbeddingLru(0);
    lru.set("a", vector(1));
    assert.equal(lru.get("a"), undefined);
    assert.throws(() => new EmbeddingLru(-1), /embedding cache capacity -1 is not a whole number/);
    assert.throws(() => new EmbeddingLru(1.5), /embedding cache capacity 1.5 is not a whole number/);
  });
});
