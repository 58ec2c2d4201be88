import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "helper"]);
});
afterEach(() => s.cleanup());

function opsFile(name: string, value: unknown): string {
  const path = join(s.dir, name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

describe("engram insights", () => {
  it("adds rules, lists them, and applies operations from a file", async () => {
    assert.deepEqual((await s.ok(["insights", "list", "helper"])).items, []);
    const none = await s.cli(["insights", "list", "helper"]);
    assert.equal(none.stdout, "no insights\n");

    const added = await s.ok(["insights", "add", "helper", "Look before you step."]);
    assert.deepEqual(Object.keys(added).sort(), ["applied", "insights", "skipped"]);
    assert.deepEqual(added.applied, [{ op: "add", text: "Look before you step." }]);
    const rule = added.insights[0];
    assert.match(rule.id, /^ins_/);
    assert.equal(rule.count, 2);

    const again = await s.cli(["insights", "add", "helper", "look before you step"]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^not added: the rule is already there\n/);
    const human = await s.cli(["insights", "add", "helper", "Avoid the holes."]);
    assert.match(human.stdout, /^added "Avoid the holes\."\n\nID +COUNT +RULE\n/);

    const listed = (await s.ok(["insights", "list", "helper"])).items;
    assert.deepEqual(
      listed.map((r: { text: string }) => r.text),
      ["Look before you step.", "Avoid the holes."],
    );
    const holes = listed[1].id;

    const applied = await s.ok([
      "insights",
      "apply",
      "helper",
      "--file",
      opsFile("ops.json", [
        { op: "agree", id: rule.id },
        { op: "edit", id: holes, text: "Never step on a hole." },
      ]),
    ]);
    assert.equal(applied.applied.length, 2);
    assert.deepEqual(
      applied.insights.map((r: { text: string; count: number }) => [r.text, r.count]),
      [
        ["Look before you step.", 3],
        ["Never step on a hole.", 3],
      ],
    );

    // {operations: [...]} works too, and the text output says what happened.
    const out = await s.cli([
      "insights",
      "apply",
      "helper",
      "--file",
      opsFile("ops2.json", { operations: [{ op: "remove", id: holes }] }),
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^applied 1 operation\n {2}remove ins_\S+\n\nID +COUNT +RULE\n/);
    assert.match(out.stdout, /ins_\S+ +2 +Never step on a hole\./);
  });

  it("applies nothing when an operation names an unknown rule, unless --no-strict", async () => {
    const rule = (await s.ok(["insights", "add", "helper", "Look first."])).insights[0];
    const ops = opsFile("ops.json", [
      { op: "agree", id: rule.id },
      { op: "agree", id: "ins_00000000000000000000000000" },
    ]);
    const out = await s.cli(["insights", "apply", "helper", "--file", ops, "--json"]);
    assert.deepEqual([out.code, out.json().error.code], [1, "not_found"]);
    assert.equal((await s.ok(["insights", "list", "helper"])).items[0].count, 2, "nothing applied");

    const lenient = await s.ok(["insights", "apply", "helper", "--file", ops, "--no-strict"]);
    assert.equal(lenient.skipped.length, 1);
    assert.equal(lenient.insights[0].count, 3);

    const bad = await s.cli([
      "insights",
      "apply",
      "helper",
      "--file",
      opsFile("b.json", { op: "add" }),
      "--json",
    ]);
    assert.deepEqual([bad.code, bad.json().error.code], [1, "invalid_input"]);
    assert.match(bad.json().error.message, /must hold a list of operations/);
    const invalid = await s.cli([
      "insights",
      "apply",
      "helper",
      "--file",
      opsFile("c.json", [{ op: "add", text: "" }]),
      "--json",
    ]);
    assert.deepEqual([invalid.code, invalid.json().error.code], [1, "invalid_input"]);
    const missing = await s.cli(["insights", "apply", "helper", "--json"]);
    assert.deepEqual([missing.code, missing.json().error.code], [2, "usage"]);
  });

  it("extract without a language model exits 1 saying how to set ENGRAM_MODEL", async () => {
    // The harness runs with an empty environment: no ENGRAM_MODEL from the machine.
    const out = await s.cli(["insights", "extract", "helper", "--task", "reach the goal"]);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, "");
    assert.match(out.stderr, /^engram: no language model is configured: set ENGRAM_MODEL/);
    const json = await s.cli(["insights", "extract", "helper", "--json"]);
    assert.equal(json.code, 1);
    assert.equal(json.json().error.code, "unavailable");
    assert.match(json.json().error.message, /ENGRAM_MODEL/);
    const pairs = await s.cli(["insights", "extract", "helper", "--max-pairs", "0", "--json"]);
    assert.deepEqual([pairs.code, pairs.json().error.code], [2, "usage"]);
  });
});
