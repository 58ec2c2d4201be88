import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CheckerRegistry } from "./checkers.ts";
import { checkGame24, evaluateExpression, expressionIn } from "./game24.ts";
import { parseTaskJsonl } from "./task-set.ts";

const task = (input: string) => ({ input, expected: "24", params: {} });

describe("game24 checker", () => {
  it("passes an expression that uses each number once and equals 24, with exact fractions", () => {
    assert.equal(checkGame24("(10 - 4) * (13 - 9)", task("4 9 10 13")).score, 1);
    assert.equal(checkGame24("Answer: 8 / (3 - 8 / 3) = 24", task("3 3 8 8")).score, 1);
    assert.equal(checkGame24("Let me think.\n6 × 4 × 1 × 1 = 24", task("1 1 4 6")).score, 1);
    assert.equal(checkGame24("6 x 4 x (1 / 1)", task("1 1 4 6")).score, 1);
  });

  it("fails with feedback that says why: wrong numbers, wrong value, no expression, bad syntax", () => {
    const wrongNumbers = checkGame24("6 * 4", task("1 1 4 6"));
    assert.deepEqual(wrongNumbers, {
      score: 0,
      feedback: '"6 * 4" uses 6, 4, but must use 1, 1, 4, 6 once each',
    });
    assert.match(checkGame24("6 * 4 + 1 + 1", task("1 1 4 6")).feedback, /equals 26, not 24/);
    assert.match(checkGame24("8 / 3 * 3 * 1", task("1 3 3 8")).feedback, /equals 8, not 24/);
    assert.match(
      checkGame24("I cannot solve it", task("1 1 4 6")).feedback,
      /holds no arithmetic expression/,
    );
    assert.match(checkGame24("(6 * 4 * 1 * 1", task("1 1 4 6")).feedback, /not a valid expression/);
    assert.match(checkGame24("6 * 4 / (1 - 1)", task("1 1 4 6")).feedback, /divides by zero/);
    assert.equal(checkGame24("(10 - 4) * (13 - 9)", task("4 9 10 12")).score, 0);
  });

  it("reads the last line that holds an expression, and evaluates by precedence", () => {
    assert.equal(expressionIn("First 1 + 2.\nThen (1 + 1) * 12 = 24"), "(1 + 1) * 12");
    assert.deepEqual(evaluateExpression("2 + 3 * 4").value, { n: 14n, d: 1n });
    assert.deepEqual(evaluateExpression("2 + 3 * 4").numbers, [2, 3, 4]);
  });

  it("is a built-in checker whose tasks must hold four numbers", async () => {
    const checkers = new CheckerRegistry();
    const [parsed] = parseTaskJsonl('{"input": "1 1 4 6", "expected": "24", "checker": "game24"}', checkers);
    assert.equal(parsed?.kind === "text" ? parsed.checker : null, "game24");
    assert.equal((await checkers.check("game24", "6 * 4 / (1 * 1)", task("1 1 4 6"))).score, 1);
    assert.throws(
      () => parseTaskJsonl('{"input": "1 4 6", "checker": "game24"}\n', checkers, "g.jsonl"),
      /invalid line 1 of g.jsonl: input: a game24 task's input must hold its four numbers/,
    );
  });
});
