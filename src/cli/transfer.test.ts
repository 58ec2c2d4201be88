import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { agentWhoLearned } from "../transfer/test-fixture.ts";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
let target: CliSandbox;
let agent: { id: string; name: string };
beforeEach(async () => {
  s = sandbox();
  target = sandbox();
  agent = await s.ok(["agent", "create", "--name", "helper"]);
  await s.ok(["block", "set", "helper", "persona", "I learn."]);
  await s.ok(["branch", "create", "helper", "draft"]);
  await s.ok(["block", "set", "helper", "human", "Ada", "--branch", "draft"]);
});
afterEach(() => {
  s.cleanup();
  target.cleanup();
});

describe("engram export", () => {
  it("writes the document to --out and prints where, the agent and the commit count", async () => {
    const file = join(s.dir, "helper.json");
    const out = await s.ok(["export", "helper", "--out", file]);
    const none = { memories: 0, messages: 0, episodes: 0, experienceRecords: 0, insights: 0 };
    assert.deepEqual(out, { path: file, agent: agent.id, commits: 3, ...none });
    const doc = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(doc.format, "engram.agent");
    assert.equal(doc.version, 2);
    assert.equal(doc.agent.id, agent.id);
    assert.deepEqual(doc.branches.map((b: { name: string }) => b.name).sort(), ["draft", "main"]);
    const human = await s.cli(["export", "helper", "--out", file]);
    assert.equal(
      human.stdout,
      `exported agent helper (${agent.id}): 3 commits, 0 memories, 0 messages, 0 episodes, 0 experience records, 0 insights, to ${file}\n`,
    );
  });

  it("writes the document to stdout without --out, with or without --json", async () => {
    const plain = JSON.parse((await s.cli(["export", "helper"])).stdout);
    const json = await s.ok(["export", "helper"]);
    assert.equal(plain.format, "engram.agent");
    assert.deepEqual(plain.commits, json.commits);
  });
});

describe("engram import", () => {
  it("reproduces the agent exactly in another database", async () => {
    const file = join(s.dir, "helper.json");
    await s.ok(["export", "helper", "--out", file]);
    const imported = await target.ok(["import", file]);
    assert.equal(imported.id, agent.id);
    assert.equal(imported.name, "helper");
    assert.deepEqual((await target.ok(["log", "helper"])).items, (await s.ok(["log", "helper"])).items);
    // Branches carry name and head across; their updatedAt is the import's time.
    const heads = (list: { name: string; head: string }[]) => list.map((b) => [b.name, b.head]);
    assert.deepEqual(
      heads((await target.ok(["branch", "list", "helper"])).items),
      heads((await s.ok(["branch", "list", "helper"])).items),
    );
    assert.deepEqual(
      await target.ok(["block", "list", "helper", "--branch", "draft"]),
      await s.ok(["block", "list", "helper", "--branch", "draft"]),
    );
  });

  it("refuses a second copy under the same id, and makes one with --new-ids", async () => {
    const file = join(s.dir, "helper.json");
    await s.ok(["export", "helper", "--out", file]);
    const same = await s.cli(["import", file, "--json"]);
    assert.deepEqual([same.code, same.json().error.code], [1, "conflict"]);
    const copy = await s.ok(["import", file, "--new-ids"]);
    assert.notEqual(copy.id, agent.id);
    assert.equal(copy.name, "helper-2");
    assert.deepEqual((await s.ok(["log", "helper-2"])).items, (await s.ok(["log", "helper"])).items);
    const again = await s.cli(["import", file, "--new-ids"]);
    assert.equal(again.code, 0);
    assert.match(
      again.stdout,
      /^imported as "helper-3": an agent named "helper" already exists in this project\n/,
    );
  });

  it("reads the document from stdin with '-', into a chosen project", async () => {
    const doc = (await s.cli(["export", "helper"])).stdout;
    const project = await target.ok(["project", "create", "lab"]);
    const imported = await target.ok(["import", "-", "--project", "lab"], { stdin: doc });
    assert.equal(imported.projectId, project.id);
    assert.equal(
      (await target.ok(["block", "get", "helper", "persona", "--project", "lab"])).value,
      "I learn.",
    );
  });

  it("rejects a malformed file with exit 1, naming it, and imports nothing", async () => {
    const file = join(s.dir, "broken.json");
    writeFileSync(file, "{ this is not json");
    const out = await target.cli(["import", file, "--json"]);
    assert.equal(out.code, 1);
    assert.equal(out.json().error.code, "invalid_input");
    assert.match(
      out.json().error.message,
      new RegExp(`^import file ${file.replace(/[.\\/]/g, "\\$&")} is not valid JSON`),
    );
    const human = await target.cli(["import", file]);
    assert.match(human.stderr, /^engram: import file .*broken\.json is not valid JSON/);

    writeFileSync(file, JSON.stringify({ format: "something.else", version: 1 }));
    const wrong = await target.cli(["import", file, "--json"]);
    assert.deepEqual([wrong.code, wrong.json().error.code], [1, "invalid_input"]);
    const missing = await target.cli(["import", join(s.dir, "absent.json"), "--json"]);
    assert.equal(missing.code, 1);
    assert.match(missing.json().error.message, /cannot read import file .*absent\.json: no such file/);
    assert.deepEqual((await target.ok(["agent", "list"])).items, []);
  });

  it("rejects a tampered document and a newer version", async () => {
    const doc = await s.ok(["export", "helper"]);
    const file = join(s.dir, "tampered.json");
    doc.blobs[0].value = "tampered";
    writeFileSync(file, JSON.stringify(doc));
    const tampered = await target.cli(["import", file, "--json"]);
    assert.equal(tampered.code, 1);
    assert.match(tampered.json().error.message, /does not match the value/);
    writeFileSync(file, JSON.stringify({ ...doc, version: 99 }));
    const newer = await target.cli(["import", file, "--json"]);
    assert.deepEqual([newer.code, newer.json().error.code], [1, "unsupported_format"]);
  });

  it("rejects what a live write would: an action not available, a count below 1, a version out of step", async () => {
    const source = createTestEngram({ path: s.db });
    await agentWhoLearned(source);
    await source.close();
    const doc = await s.ok(["export", "learner"]);
    const file = join(s.dir, "edited.json");
    const edits: [(d: typeof doc) => void, RegExp][] = [
      [
        (d) => (d.episodes[0].steps[1].action = "fly"),
        /episodes\.0\.steps\.1\.action: must be one of availableActions/,
      ],
      [(d) => (d.insights[0].count = -1), /insights\.0\.count: must be at least 1/],
      [
        (d) => (d.memories[0].version = 1e9),
        /memories\.0\.version: must be \d+, the number of its newest version/,
      ],
    ];
    for (const [edit, message] of edits) {
      const copy = structuredClone(doc);
      edit(copy);
      writeFileSync(file, JSON.stringify(copy));
      const out = await target.cli(["import", file, "--json"]);
      assert.deepEqual([out.code, out.json().error.code], [1, "invalid_input"]);
      assert.match(out.json().error.message, message);
    }
    assert.deepEqual(await target.ok(["agent", "list"]), { items: [], nextCursor: null });
  });
});

describe("engram export and import of an agent that has learned", () => {
  it("carries memories, the conversation, experience and insights to another database", async () => {
    const source = createTestEngram({ path: s.db });
    const learned = await agentWhoLearned(source);
    await source.close();
    const file = join(s.dir, "learner.json");
    const out = await s.ok(["export", "learner", "--out", file]);
    assert.deepEqual(out, {
      path: file,
      agent: learned.agent.id,
      commits: 4,
      memories: 3,
      messages: learned.messages.length,
      episodes: 2,
      experienceRecords: out.experienceRecords,
      insights: 2,
    });
    assert.ok(out.experienceRecords >= 2);
    const human = await s.cli(["export", "learner", "--out", file]);
    assert.match(
      human.stdout,
      /: 4 commits, 3 memories, 10 messages, 2 episodes, \d+ experience records, 2 insights, to /,
    );

    const imported = await target.ok(["import", file]);
    assert.equal(imported.id, learned.agent.id);
    const written = JSON.parse(readFileSync(file, "utf8"));
    const again = await target.ok(["export", "learner"]);
    assert.deepEqual({ ...again, exportedAt: "" }, { ...written, exportedAt: "" });

    const memories = await target.ok(["memory", "search", "learner", "refractor telescope"]);
    // The telescope memory, and the one its carried sleep-time mark links to as related.
    assert.deepEqual(
      memories.results.map((r: { id: string; components: { relatedTo: string[] } }) => [
        r.id,
        r.components.relatedTo,
      ]),
      [
        [learned.telescope.id, []],
        [learned.sourdough.id, [learned.telescope.id]],
      ],
    );
    const messages = await target.ok(["messages", "search", "learner", "sourdough starter"]);
    assert.ok(messages.results.some((r: { id: string }) => r.id === learned.messages[2]?.id));
    const advice = await target.ok([
      "advise",
      "learner",
      "--task",
      "find the Andromeda galaxy",
      "--observation",
      "a dark sky",
    ]);
    assert.equal(advice.items[0].encouraged[0].action, "point north");
    assert.equal((await target.ok(["insights", "list", "learner"])).items.length, 2);

    // A copy beside the original, from stdin: its own ids, its own search results.
    const copy = await s.ok(["import", "-", "--new-ids"], { stdin: readFileSync(file, "utf8") });
    const copied = await s.ok(["memory", "search", copy.id, "refractor telescope"]);
    // Its telescope memory, and its own copy of the memory linked as related (the link follows the ids).
    assert.equal(copied.results.length, 2);
    assert.notEqual(copied.results[0].id, learned.telescope.id);
    assert.deepEqual(copied.results[1].components.relatedTo, [copied.results[0].id]);
    assert.notEqual(copied.results[1].id, learned.sourdough.id);
  });
});
