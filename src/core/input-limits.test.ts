import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { InvalidInputError } from "./errors.ts";
import {
  checkInput,
  findInputProblem,
  MAX_INPUT_DEPTH,
  MAX_JSON_DEPTH,
  unstorableCharacter,
  wellFormedPrefix,
} from "./input-limits.ts";
import { jsonObject } from "./json-object.ts";

/** Arrays nested `depth` levels, built from JSON text (no recursion). */
const arrays = (depth: number): unknown => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`);

describe("findInputProblem", () => {
  it("counts every object and array as a level, and allows exactly the limit", () => {
    assert.equal(findInputProblem(arrays(10), 10), undefined);
    assert.deepEqual(findInputProblem(arrays(11), 10), {
      kind: "too_deep",
      path: Array(10).fill(0),
      message: "nested deeper than 10 levels",
    });
    assert.equal(findInputProblem({ a: { b: [1] } }, 3), undefined);
    assert.equal(findInputProblem({ a: { b: [1] } }, 2)?.kind, "too_deep");
    assert.equal(findInputProblem("a scalar", 0), undefined);
  });

  it("walks a million levels without running out of stack", () => {
    const problem = findInputProblem(arrays(1_000_000), MAX_INPUT_DEPTH);
    assert.equal(problem?.path.length, MAX_INPUT_DEPTH);
  });

  it("names the first lone surrogate in reading order, in a value or a key", () => {
    const input = { ok: "🦀", list: ["fine", { deep: "x\udfff", later: "\ud800" }], z: "\ud800" };
    assert.deepEqual(findInputProblem(input, 64), {
      kind: "unstorable_character",
      path: ["list", 1, "deep"],
      message: "contains a lone surrogate (U+DFFF) at index 1",
    });
    assert.deepEqual(findInputProblem({ a: { "b\ud800": 1 } }, 64)?.path, ["a"]);
    assert.match(findInputProblem({ a: { "b\ud800": 1 } }, 64)?.message ?? "", /^a key contains/);
  });

  it("enters only plain objects and arrays, and each once (a caller may pass models, cycles)", () => {
    class Model {
      name = "\ud800";
    }
    const cycle: Record<string, unknown> = { text: "ok" };
    cycle.self = cycle;
    assert.equal(findInputProblem({ model: new Model(), when: new Date(), cycle }, 64), undefined);
  });
});

describe("unstorableCharacter and wellFormedPrefix", () => {
  it("find a lone half of either kind or a NUL, and never a pair", () => {
    const noNul = fc.string({ unit: "binary" }).map((s) => s.replaceAll("\u0000", ""));
    fc.assert(fc.property(noNul, (s) => assert.equal(unstorableCharacter(s), undefined)));
    assert.equal(unstorableCharacter("a\u0000b"), "contains a NUL character (U+0000) at index 1");
    assert.equal(unstorableCharacter("note \ud800"), "contains a lone surrogate (U+D800) at index 5");
    assert.equal(unstorableCharacter("\udc00\ud800"), "contains a lone surrogate (U+DC00) at index 0");
    assert.equal(unstorableCharacter("🦀\ud83d"), "contains a lone surrogate (U+D83D) at index 2");
  });

  it("cut text without splitting a pair, and replace lone halves and NULs", () => {
    assert.equal(wellFormedPrefix("ab🦀", 3), "ab");
    assert.equal(wellFormedPrefix("ab🦀", 4), "ab🦀");
    assert.equal(wellFormedPrefix("a\ud800b"), "a\uFFFDb");
    assert.equal(wellFormedPrefix("a\u0000b"), "a\uFFFDb");
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.nat(40), (s, n) => {
        const cut = wellFormedPrefix(s, n);
        assert.equal(unstorableCharacter(cut), undefined);
        const kept = s.replaceAll("\u0000", "\uFFFD");
        assert.ok(kept.startsWith(cut) && cut.length >= Math.min(n, s.length) - 1);
      }),
    );
  });
});

describe("jsonObject and checkInput", () => {
  it("report a deep field at the field, and a bad string where it is", () => {
    const deep = jsonObject.safeParse({ x: arrays(MAX_JSON_DEPTH) });
    assert.equal(deep.success, false);
    assert.deepEqual(
      deep.error?.issues.map((i) => [i.path, i.message]),
      [[[], `nested deeper than ${MAX_JSON_DEPTH} levels`]],
    );
    assert.equal(jsonObject.safeParse({ x: arrays(MAX_JSON_DEPTH - 1) }).success, true);
    const bad = jsonObject.safeParse({ a: ["\ud800"] });
    assert.deepEqual(bad.error?.issues[0]?.path, ["a", 0]);
  });

  it("throws InvalidInputError naming what and where", () => {
    assert.throws(
      () => checkInput({ message: "note \ud800" }, "commit"),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.message === "invalid commit: message: contains a lone surrogate (U+D800) at index 5",
    );
    assert.throws(
      () => checkInput(arrays(MAX_INPUT_DEPTH + 1), "body"),
      /invalid body: 0\.0\.0\.0\.0\.0…: nested deeper than 128 levels/,
    );
    checkInput({ fine: ["text", 1, null, { "🦀": true }] }, "anything");
  });
});
