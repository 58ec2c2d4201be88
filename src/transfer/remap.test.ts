import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { remapIds } from "./remap.ts";

describe("remapIds", () => {
  const ids = new Map([["mem_a", "mem_b"]]);

  it("replaces exact ids anywhere, keeping key order, other strings and a __proto__ key as they are", () => {
    const value = JSON.parse(
      '{"z":1,"ref":"mem_a","__proto__":{"x":"mem_a"},"list":["mem_a",{"k":"not mem_a"},null,2,true]}',
    );
    const copy = remapIds(value, ids);
    assert.equal(
      JSON.stringify(copy),
      '{"z":1,"ref":"mem_b","__proto__":{"x":"mem_b"},"list":["mem_b",{"k":"not mem_a"},null,2,true]}',
    );
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.equal(value.ref, "mem_a");
  });

  it("walks any depth without recursion", () => {
    const depth = 200_000;
    const copy = remapIds(JSON.parse(`${"[".repeat(depth)}"mem_a"${"]".repeat(depth)}`), ids);
    let at: unknown = copy;
    let levels = 0;
    while (Array.isArray(at)) {
      at = at[0];
      levels++;
    }
    assert.deepEqual([levels, at], [depth, "mem_b"]);
  });
});
