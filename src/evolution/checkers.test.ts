import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../core/errors.ts";
import { CheckerRegistry, jsonIn, numberIn, valueAt } from "./checkers.ts";

const registry = new CheckerRegistry();
const check = (name: string, output: string, expected: unknown, params: Record<string, unknown> = {}) =>
  registry.check(name, output, { input: "q", expected, params });

describe("checkers", () => {
  it("exact compares trimmed text with spacing folded, and case when asked", async () => {
    assert.equal((await check("exact", "  Paris \n", "Paris")).score, 1);
    assert.equal((await check("exact", "New   York", "New York")).score, 1);
    const wrong = await check("exact", "paris", "Paris");
    assert.deepEqual(wrong, { score: 0, feedback: 'expected exactly "Paris", got "paris"' });
    assert.equal((await check("exact", "paris", "Paris", { ignoreCase: true })).score, 1);
    assert.equal((await check("exact", "42", 42)).score, 1);
  });

  it("numeric reads the whole answer or its last number, within a tolerance", async () => {
    assert.equal((await check("numeric", "2.71", 2.71)).score, 1);
    assert.equal((await check("numeric", "The answer is 1,234.", 1234)).score, 1);
    assert.equal((await check("numeric", "2 + 2 = 4", "4")).score, 1);
    assert.equal((await check("numeric", "about 3.1", 3.14, { tolerance: 0.05 })).score, 1);
    assert.deepEqual(await check("numeric", "about 3.1", 3.14, { tolerance: 0.01 }), {
      score: 0,
      feedback: "expected 3.14 (±0.01), got 3.1",
    });
    assert.match((await check("numeric", "no idea", 7)).feedback, /holds no number/);
    assert.equal(numberIn("-2.5e3"), -2500);
  });

  it("contains scores the share of expected strings found, ignoring case by default", async () => {
    assert.equal((await check("contains", "It is PARIS, France", "paris")).score, 1);
    const half = await check("contains", "Paris", ["Paris", "France"]);
    assert.equal(half.score, 0.5);
    assert.match(half.feedback, /should contain "France"/);
    assert.equal((await check("contains", "PARIS", "paris", { ignoreCase: false })).score, 0);
  });

  it("regex matches a pattern with flags", async () => {
    assert.equal(
      (await check("regex", "  2024-05-01 ", null, { pattern: "^\\d{4}-\\d{2}-\\d{2}$" })).score,
      1,
    );
    assert.equal((await check("regex", "HELLO", null, { pattern: "^hello$", flags: "i" })).score, 1);
    assert.equal((await check("regex", "nope", "^yes$")).score, 0);
  });

  it("json compares the value at a path, reading JSON from fences or braces", async () => {
    const answer = 'Here you go:\n```json\n{"user": {"tags": ["a", "b"], "age": 3}}\n```';
    assert.equal((await check("json", answer, "b", { path: "user.tags[1]" })).score, 1);
    assert.equal((await check("json", answer, { tags: ["a", "b"], age: 3 }, { path: "user" })).score, 1);
    assert.deepEqual(await check("json", answer, 4, { path: "user.age" }), {
      score: 0,
      feedback: "expected user.age to be 4, got 3",
    });
    assert.match((await check("json", "not json", 1, { path: "a" })).feedback, /none could be parsed/);
    assert.match((await check("json", '{"a": 1}', 1, { path: "b" })).feedback, /has no b/);
    assert.deepEqual(jsonIn('x {"a": [1]} y'), { a: [1] });
    assert.equal(valueAt({ a: [{ b: 2 }] }, "a.0.b"), 2);
  });

  it("validates checker settings, naming the field", () => {
    const fails = (name: string, fields: Record<string, unknown>, message: RegExp) =>
      assert.throws(
        () => registry.validate(name, fields, "line 3 of t.jsonl"),
        (e: unknown) => e instanceof InvalidInputError && message.test(e.message),
      );
    fails("numeric", { expected: "many" }, /^invalid line 3 of t\.jsonl: expected: /);
    fails("numeric", { expected: 1, tolerance: -1 }, /tolerance: must be at least 0/);
    fails("regex", {}, /pattern: a regex checker needs a pattern/);
    fails("regex", { pattern: "(" }, /pattern: .*Invalid regular expression/i);
    fails("json", { path: "a" }, /expected: required/);
    fails("exact", {}, /expected: /);
    fails("levenshtein", { expected: "x" }, /checker: unknown checker "levenshtein" \(known: exact, numeric/);
  });

  it("runs custom checkers, and turns their failures into a failed attempt", async () => {
    const custom = new CheckerRegistry();
    custom.register("even", (output) => ({ score: Number(output) % 2 === 0 ? 1 : 0, feedback: "parity" }));
    custom.register("broken", () => {
      throw new Error("boom");
    });
    custom.register("wild", () => ({ score: 7, feedback: "too much" }));
    assert.deepEqual(await custom.check("even", "4", { input: "", expected: null, params: {} }), {
      score: 1,
      feedback: "parity",
    });
    assert.deepEqual(await custom.check("broken", "4", { input: "", expected: null, params: {} }), {
      score: 0,
      feedback: 'checker "broken" failed: boom',
    });
    assert.equal((await custom.check("wild", "", { input: "", expected: null, params: {} })).score, 1);
    assert.throws(() => custom.register("exact", () => ({ score: 1, feedback: "" })), /built in/);
    assert.throws(() => custom.register("Bad Name", () => ({ score: 1, feedback: "" })), /checker name/);
    assert.deepEqual(custom.names().slice(-3), ["broken", "even", "wild"]);
    const extended = custom.extend({ odd: () => ({ score: 0, feedback: "" }) });
    assert.ok(extended.has("odd") && extended.has("even") && !custom.has("odd"));
  });
});
