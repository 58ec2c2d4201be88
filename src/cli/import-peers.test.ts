import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../transfer/peers/fixtures/${name}`, import.meta.url), "utf8");

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

function file(name: string, text: string): string {
  const path = join(s.dir, name);
  writeFileSync(path, text);
  return path;
}

describe("engram import from peers", () => {
  it("imports a Letta agent file and says what it carried and what it did not", async () => {
    const path = file("support.af", fixture("letta-current.af"));
    const human = await s.cli(["import", path]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /name\s+support_agent/);
    assert.match(human.stdout, /from a Letta agent file: 2 blocks, 1 memory, 4 messages/);
    assert.match(
      human.stdout,
      /- tools: 2 listed, not imported \(tool code is never run\): check_order_status, send_message/,
    );
    const blocks = await s.ok(["block", "list", "support_agent"]);
    assert.deepEqual(
      blocks.blocks.map((b: { label: string; limit: number }) => [b.label, b.limit]),
      [
        ["human", 2000],
        ["persona", 5000],
      ],
    );
  });

  it("imports a Mem0 export into the agent named by --name, from stdin with --from", async () => {
    const out = await s.ok(["import", "-", "--from", "mem0", "--name", "prefs"], {
      stdin: fixture("mem0-list.json"),
    });
    assert.equal(out.name, "prefs");
    assert.deepEqual(out.report, {
      from: "mem0",
      counts: { blocks: 2, memories: 1, messages: 0, episodes: 0, experienceRecords: 0, insights: 0 },
      notes: [],
    });
    const memories = await s.ok(["memory", "list", "prefs"]);
    assert.deepEqual(
      memories.items.map((m: { text: string; userId: string }) => [m.text, m.userId]),
      [["Prefers morning meetings and async communication", "arjun"]],
    );
    const again = await s.cli(["import", "-", "--name", "prefs", "--json"], {
      stdin: fixture("mem0-list.json"),
    });
    assert.deepEqual([again.code, again.json().error.code], [1, "conflict"]);
    assert.match(again.json().error.message, /prefs/);
  });

  it("refuses a malformed file with the field named, leaving no agent", async () => {
    const letta = JSON.parse(fixture("letta-current.af"));
    delete letta.blocks[0].label;
    const bad = await s.cli(["import", file("bad.af", JSON.stringify(letta)), "--json"]);
    assert.equal(bad.code, 1);
    assert.match(bad.json().error.message, /invalid Letta agent file: blocks\.0\.label: required/);
    const unknown = await s.cli(["import", file("x.json", '{"hello": 1}'), "--json"]);
    assert.match(unknown.json().error.message, /an engram export .*a Letta agent file .*a Mem0 export/);
    const broken = await s.cli(["import", file("broken.af", '{"agents": [{"name": "x",'), "--json"]);
    assert.equal(broken.code, 1);
    assert.match(broken.json().error.message, /broken\.af is not valid JSON/);
    const from = await s.cli(["import", file("y.json", "[]"), "--from", "zep", "--json"]);
    assert.match(from.json().error.message, /from: must be one of engram, letta, mem0/);
    assert.deepEqual((await s.ok(["agent", "list"])).items, []);
  });
});
