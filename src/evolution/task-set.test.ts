import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../core/errors.ts";
import { CheckerRegistry } from "./checkers.ts";
import { parseTaskJsonl, parseTasks, splitTasks, type Task } from "./task-set.ts";

const checkers = new CheckerRegistry();

describe("task sets", () => {
  it("reads text and environment tasks from JSON Lines, defaulting the checker and id", () => {
    const tasks = parseTaskJsonl(
      [
        '{"input": "2+2", "expected": "4"}',
        "",
        '{"id": "pi", "input": "pi?", "checker": "numeric", "expected": 3.14, "tolerance": 0.01, "split": "test"}',
        '{"environment": "frozenlake-4x4", "seed": 3, "maxSteps": 20}',
      ].join("\n"),
      checkers,
      "tasks.jsonl",
    );
    assert.deepEqual(tasks, [
      { id: "task-1", kind: "text", input: "2+2", checker: "exact", expected: "4", params: {}, split: null },
      {
        id: "pi",
        kind: "text",
        input: "pi?",
        checker: "numeric",
        expected: 3.14,
        params: { tolerance: 0.01 },
        split: "test",
      },
      {
        id: "frozenlake-4x4#3",
        kind: "environment",
        environment: "frozenlake-4x4",
        seed: 3,
        maxSteps: 20,
        split: null,
      },
    ]);
  });

  it("names the line and the field of a bad task", () => {
    const bad = (text: string, message: RegExp) =>
      assert.throws(
        () => parseTaskJsonl(text, checkers, "tasks.jsonl"),
        (e: unknown) => e instanceof InvalidInputError && message.test(e.message),
      );
    bad('{"input": "a", "expected": "b"}\n{"input": "c"', /^line 2 of tasks\.jsonl is not valid JSON/);
    bad(
      '{"input": "a", "expected": "b"}\n\n[1, 2]',
      /^invalid line 3 of tasks\.jsonl: must be a JSON object$/,
    );
    bad('{"input": "", "expected": "b"}', /^invalid line 1 of tasks\.jsonl: input: must not be empty$/);
    bad('{"input": "a"}', /^invalid line 1 of tasks\.jsonl: expected: required \(or name a checker\)$/);
    bad('{"input": "a", "expected": 1, "split": "dev"}', /split: must be one of train, validation, test/);
    bad(
      '{"input": "a", "checker": "numeric", "expected": "x"}',
      /^invalid line 1 of tasks\.jsonl: expected: /,
    );
    bad(
      '{"environment": "chess"}',
      /^invalid line 1 of tasks\.jsonl: environment: must be one of frozenlake-4x4/,
    );
    bad(
      '{"id": "x", "input": "a", "expected": 1}\n{"id": "x", "input": "b", "expected": 2}',
      /^invalid line 2 of tasks\.jsonl: id: "x" is also the id of line 1 of tasks\.jsonl$/,
    );
    bad("\n\n", /holds no tasks/);
    assert.throws(() => parseTasks([{ input: "a", checker: "mine" }], checkers), /unknown checker "mine"/);
  });

  it("accepts custom checkers by name, without expected", () => {
    const custom = new CheckerRegistry();
    custom.register("mine", () => ({ score: 1, feedback: "" }));
    const [task] = parseTasks([{ input: "a", checker: "mine", rubric: "be kind" }], custom);
    assert.deepEqual(task, {
      id: "task-1",
      kind: "text",
      input: "a",
      checker: "mine",
      expected: null,
      params: { rubric: "be kind" },
      split: null,
    });
  });

  it("splits by seed, keeping named splits, and refuses an empty split", () => {
    const tasks = parseTasks(
      Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, input: `q${i}`, expected: "x" })),
      checkers,
    );
    const ids = (list: Task[]) => list.map((t) => t.id);
    const a = splitTasks(tasks, 5, { holdout: 0.3, validation: 0.2 });
    assert.deepEqual([a.test.length, a.validation.length, a.train.length], [3, 2, 5]);
    assert.deepEqual(splitTasks(tasks, 5, { holdout: 0.3, validation: 0.2 }), a, "same seed, same split");
    const b = splitTasks(tasks, 6, { holdout: 0.3, validation: 0.2 });
    assert.notDeepEqual(ids(b.test), ids(a.test));
    assert.deepEqual(new Set([...ids(a.train), ...ids(a.validation), ...ids(a.test)]).size, 10);

    const named = parseTasks(
      [
        { id: "h", input: "q", expected: "x", split: "test" },
        { id: "v", input: "q", expected: "x", split: "validation" },
        { id: "t", input: "q", expected: "x" },
      ],
      checkers,
    );
    const c = splitTasks(named, 1, { holdout: 0.3, validation: 0.3 });
    assert.deepEqual([ids(c.train), ids(c.validation), ids(c.test)], [["t"], ["v"], ["h"]]);
    assert.throws(
      () => splitTasks(named.slice(0, 2), 1, { holdout: 0.3, validation: 0.3 }),
      /the train split is empty \(2 tasks\)/,
    );
  });
});
