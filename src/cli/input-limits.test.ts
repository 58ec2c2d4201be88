import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

/** `{"x":[[…]]}` as JSON text: an object nested `depth` levels, counting itself. */
const nested = (depth: number) => `{"x":${"[".repeat(depth - 1)}1${"]".repeat(depth - 1)}}`;

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "helper"]);
});
afterEach(() => s.cleanup());

/** Runs a command that must fail with invalid_input and a message matching `message`. */
async function refused(argv: string[], message: RegExp): Promise<void> {
  const outcome = await s.cli([...argv, "--json"]);
  assert.notEqual(outcome.code, 0, outcome.stdout);
  const { error } = outcome.json();
  assert.equal(error.code, "invalid_input");
  assert.match(error.message, message);
}

/** The agent's memories, log and messages: what a refused command must leave as it was. */
async function state() {
  return {
    memories: await s.ok(["memory", "list", "helper"]),
    log: await s.ok(["log", "helper"]),
    messages: await s.ok(["messages", "list", "helper"]),
  };
}

describe("CLI input limits", () => {
  it("refuses --metadata nested too deep, naming the flag and the field, and changes nothing", async () => {
    const before = await state();
    await refused(
      ["memory", "add", "helper", "a fact", "--metadata", nested(65)],
      /metadata: nested deeper than 64 levels/,
    );
    await refused(
      ["memory", "add", "helper", "a fact", "--metadata", nested(5000)],
      /--metadata: x\.0\.0\.0\.0\.0…: nested deeper than 128 levels/,
    );
    await refused(
      ["agent", "update", "helper", "--metadata", nested(65)],
      /metadata: nested deeper than 64 levels/,
    );
    assert.deepEqual(await state(), before);
  });

  it("refuses lone surrogates in JSON files and invalid UTF-8 in any file, naming where", async () => {
    const before = await state();
    const memories = join(s.dir, "memories.jsonl");
    writeFileSync(memories, '{"text":"fine"}\n{"text":"note \\ud800"}\n');
    await refused(
      ["memory", "add", "helper", "--file", memories],
      /line 2 of memories file .*: text: contains a lone surrogate \(U\+D800\) at index 5/,
    );
    const value = join(s.dir, "value.txt");
    writeFileSync(value, Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x62]));
    await refused(
      ["block", "set", "helper", "persona", "--file", value],
      /value file .*value\.txt is not valid UTF-8/,
    );
    assert.deepEqual(await state(), before);
  });

  it("refuses an import file whose document nests too deep or holds a lone surrogate, and imports nothing", async () => {
    await s.ok(["memory", "add", "helper", "a fact"]);
    const file = join(s.dir, "helper.json");
    await s.ok(["export", "helper", "--out", file]);
    const target = sandbox();
    try {
      const document = JSON.parse(readFileSync(file, "utf8"));
      document.memories[0].metadata = "DEEP";
      const deep = join(s.dir, "deep.json");
      writeFileSync(deep, JSON.stringify(document).replace('"DEEP"', nested(3000)));
      const outcome = await target.cli(["import", deep, "--json"]);
      assert.equal(outcome.json().error.code, "invalid_input");
      assert.match(
        outcome.json().error.message,
        /import file .*: memories\.0\.metadata\.x\.0\.0…: nested deeper than 128 levels/,
      );
      document.memories[0].metadata = {};
      document.commits[0].message = "note \ud800";
      const surrogate = join(s.dir, "surrogate.json");
      writeFileSync(surrogate, JSON.stringify(document));
      const second = await target.cli(["import", surrogate, "--json"]);
      assert.match(
        second.json().error.message,
        /commits\.0\.message: contains a lone surrogate \(U\+D800\) at index 5/,
      );
      // Refused before the database is opened: not even an empty one is made.
      assert.equal(existsSync(target.db), false);
    } finally {
      target.cleanup();
    }
  });
});
