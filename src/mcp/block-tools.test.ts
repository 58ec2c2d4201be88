import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { call, failure, state, useMcpTestbed } from "./test-support.ts";

const t = useMcpTestbed();

describe("block tools", () => {
  it("reads blocks and edits them as one commit authored by the agent, with the message given", async () => {
    const agent = await t.engram.agents.create({ name: "helper" });
    await t.engram.blocks.set(agent.id, "human", "Name: Ada\nPlan: Pro");
    const client = await t.connect("helper");

    const listed = await call(client, "block_list");
    assert.equal(listed.agentId, agent.id);
    assert.deepEqual(
      listed.blocks.map((b: { label: string }) => b.label),
      ["human", "persona"],
    );
    const persona = (await t.engram.blocks.get(agent.id, "persona")).value;
    const read = await call(client, "block_read", { label: "human" });
    assert.equal(read.block.value, "Name: Ada\nPlan: Pro");
    assert.equal(read.commit, listed.commit);

    const edited = await call(client, "block_edit", {
      edits: [
        { op: "replace", label: "human", old: "Plan: Pro", new: "Plan: Enterprise" },
        { op: "append", label: "persona", text: "Keep answers short." },
        { op: "rethink", label: "goals", value: "Renew in March." },
      ],
      message: "learned about Ada",
      expectedHead: read.commit.slice(0, 12),
    });
    assert.equal(edited.changed, true);
    assert.deepEqual(
      Object.fromEntries(edited.blocks.map((b: { label: string; value: string }) => [b.label, b.value])),
      {
        goals: "Renew in March.",
        human: "Name: Ada\nPlan: Enterprise",
        persona: persona === "" ? "Keep answers short." : `${persona}\nKeep answers short.`,
      },
    );
    const [head] = (await t.engram.history.log(agent.id, { limit: 1 })).items;
    assert.equal(head?.id, edited.commit);
    assert.equal(head?.parentId, read.commit);
    assert.equal(head?.author, "agent");
    assert.equal(head?.message, "learned about Ada");
    assert.equal((await t.engram.blocks.get(agent.id, "goals")).value, "Renew in March.");

    const described = await call(client, "block_edit", {
      edits: [{ op: "append", label: "goals", text: "x" }],
    });
    assert.equal(described.message, "append goals");
  });

  it("refuses block edits that cannot apply, naming why, and changes nothing", async () => {
    const agent = await t.engram.agents.create({
      name: "helper",
      blocks: [
        { label: "rules", value: "Be kind.", readOnly: true },
        { label: "human", value: "Name: Ada. Name: Ada.", limit: 30 },
      ],
    });
    const client = await t.connect("helper");
    const before = await state(t.engram, agent.id);
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { edits: [{ op: "replace", label: "human", old: "Bob", new: "x" }] },
        /^invalid_input: replace: .*not found in block "human"/,
      ],
      [{ edits: [{ op: "replace", label: "human", old: "Ada", new: "x" }] }, /occurs more than once/],
      [
        { edits: [{ op: "rethink", label: "rules", value: "Be rude." }] },
        /^forbidden: block "rules" is read-only/,
      ],
      [{ edits: [{ op: "append", label: "human", text: "y".repeat(40) }] }, /over its limit of 30/],
      [{ edits: [{ op: "append", label: "missing", text: "y" }] }, /^not_found: block "missing" not found/],
      [
        { edits: [{ op: "append", label: "human", text: "ok" }], expectedHead: "0".repeat(64) },
        /^conflict: branch "main" is at/,
      ],
      [
        {
          edits: [
            { op: "append", label: "human", text: "a" },
            { op: "append", label: "human", text: "b" },
          ],
        },
        /block "human" is edited twice: edit each block at most once per call .* at edits\[1\]\.label/,
      ],
      // Wrong shapes never reach the engine: the SDK checks the schema and names the field.
      [
        { edits: [{ op: "delete", label: "human" }] },
        /Invalid arguments for tool block_edit: .*edits\[0\]\.op/,
      ],
      [{ edits: [] }, /must name at least one edit at edits/],
      [
        { edits: [{ op: "append", label: "human", text: "x" }], expectedHead: "HEAD" },
        /must be a commit id, or a prefix of at least 7 of its hex digits at expectedHead/,
      ],
      [{ edits: [{ op: "append", label: "human", text: "x", extra: 1 }] }, /Unrecognized key: "extra"/],
      [{ edits: [{ op: "append", label: "bad label!", text: "x" }] }, /edits\[0\]\.label/],
      [{ edits: "append" }, /expected array, received string at edits/],
    ];
    for (const [args, expected] of cases) assert.match(await failure(client, "block_edit", args), expected);
    assert.deepEqual(await state(t.engram, agent.id), before);
  });

  it("edits a shared block like a private one: the edit reaches every agent it is attached to", async () => {
    const a = await t.engram.agents.create({ name: "sharer" });
    const b = await t.engram.agents.create({ name: "watcher" });
    const block = await t.engram.sharedBlocks.create({ label: "team", value: "Facts:" });
    await t.engram.sharedBlocks.attach(a.id, block.id);
    await t.engram.sharedBlocks.attach(b.id, block.id, { readOnly: true });
    const client = await t.connect("sharer");
    const listed = await call(client, "block_list");
    assert.ok(listed.blocks.some((x: { label: string }) => x.label === "team"));
    await call(client, "block_edit", { edits: [{ op: "append", label: "team", text: "Ada likes tea." }] });
    assert.equal((await t.engram.blocks.get(b.id, "team")).value, "Facts:\nAda likes tea.");
    const watcher = await t.connect("watcher");
    const before = await state(t.engram, b.id);
    const refused = await failure(watcher, "block_edit", {
      edits: [{ op: "append", label: "team", text: "x" }],
    });
    assert.match(refused, /read-only/);
    assert.deepEqual(await state(t.engram, b.id), before);
  });
});
