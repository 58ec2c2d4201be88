import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, InvalidInputError, UnsupportedFormatError } from "../core/errors.ts";
import type { Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import type { ExportDocument } from "./format.ts";

async function agentWithHistory(engram: Engram) {
  const agent = await engram.agents.create({
    name: "a",
    model: "openai:gpt-4o-mini",
    metadata: { k: [1, 2] },
  });
  await engram.blocks.set(agent.id, "human", "Ada");
  await engram.history.createBranch(agent.id, "idea");
  await engram.blocks.set(agent.id, "persona", "curious", { branch: "idea", author: "agent" });
  await engram.blocks.set(agent.id, "human", "Ada Lovelace");
  return agent;
}

const clone = (doc: ExportDocument): ExportDocument => structuredClone(doc);

describe("export and import", () => {
  it("reproduces an agent exactly in another database: same id, commits, branches and blocks", async () => {
    const source = createTestEngram();
    const agent = await agentWithHistory(source);
    const doc = await source.transfer.export(agent.id);
    assert.equal(doc.format, "engram.agent");
    assert.equal(doc.version, 2);
    assert.equal(doc.commits.length, 4);
    assert.deepEqual(
      [doc.memories, doc.messages, doc.episodes, doc.experience, doc.insights],
      [[], [], [], { version: 0, records: [] }, []],
    );

    const target = createTestEngram({ start: Date.UTC(2027, 0, 1) });
    const imported = await target.transfer.import(JSON.parse(JSON.stringify(doc)));
    assert.equal(imported.id, agent.id);
    const again = await target.transfer.export(agent.id);
    assert.deepEqual({ ...again, exportedAt: "" }, { ...doc, exportedAt: "" });
    assert.deepEqual(
      await target.blocks.list(agent.id, { branch: "idea" }),
      await source.blocks.list(agent.id, { branch: "idea" }),
    );
    assert.deepEqual((await target.history.log(agent.id)).items, (await source.history.log(agent.id)).items);
  });

  it("imports a copy beside the original with --new-ids, keeping the commit ids", async () => {
    const engram = createTestEngram();
    const agent = await agentWithHistory(engram);
    const doc = await engram.transfer.export(agent.id);
    await assert.rejects(engram.transfer.import(doc), ConflictError);
    const copy = await engram.transfer.import(doc, { newIds: true });
    assert.notEqual(copy.id, agent.id);
    // Names are unique in a project: the copy takes the first free one.
    assert.equal(copy.name, `${agent.name}-2`);
    assert.equal((await engram.transfer.import(doc, { newIds: true })).name, `${agent.name}-3`);
    const copyDoc = await engram.transfer.export(copy.id);
    assert.deepEqual(copyDoc.commits, doc.commits);
    await engram.blocks.set(copy.id, "human", "changed in the copy");
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "Ada Lovelace");
    const events = (await engram.events.list({ agentId: copy.id })).items;
    assert.equal(events[0]?.kind, "agent.imported");
  });

  it("refuses an import under a name the project has (409 naming it), writing nothing; new ids take a free one", async () => {
    const source = createTestEngram();
    const doc = await source.transfer.export((await agentWithHistory(source)).id);
    const target = createTestEngram();
    const other = await target.agents.create({ name: doc.agent.name });
    const refused = await target.transfer.import(doc).catch((error: unknown) => error);
    assert.ok(refused instanceof ConflictError);
    assert.match(
      refused.message,
      new RegExp(`an agent named "${doc.agent.name}" already exists in this project`),
    );
    assert.deepEqual(
      (await target.agents.list()).items.map((a) => a.id),
      [other.id],
    );
    const copy = await target.transfer.import(doc, { newIds: true });
    assert.equal(copy.name, `${doc.agent.name}-2`);
  });

  it("rejects malformed, tampered or newer documents with a clear error and writes nothing", async () => {
    const engram = createTestEngram();
    const agent = await agentWithHistory(engram);
    const doc = await engram.transfer.export(agent.id);
    const target = createTestEngram();

    const cases: [unknown, RegExp | (new (...args: never[]) => Error)][] = [
      [null, /not a format engram reads/],
      [[1, 2], /not a format engram reads/],
      [{ ...doc, format: "other" }, /format: must be "engram.agent"/],
      [{ ...doc, version: 3 }, UnsupportedFormatError],
      [{ ...doc, version: "1" }, /version: must be a positive integer/],
      [{ ...doc, agent: { ...doc.agent, name: 5 } }, /agent\.name/],
      [{ ...doc, commits: [] }, /commits/],
      // Version 2 holds everything the agent learned: a document without it is incomplete.
      [{ ...doc, memories: undefined }, /memories: required/],
    ];
    const tamperedBlob = clone(doc);
    (tamperedBlob.blobs[0] as { value: string }).value += "!";
    cases.push([tamperedBlob, /blobs\.0\.hash: does not match the value/]);
    const tamperedMessage = clone(doc);
    (tamperedMessage.commits[1] as { message: string }).message = "rewritten";
    cases.push([tamperedMessage, /commits\.1\.id: does not match/]);
    const reordered = clone(doc);
    reordered.commits.reverse();
    cases.push([reordered, /does not come earlier/]);
    const danglingBranch = clone(doc);
    (danglingBranch.branches[0] as { head: string }).head = "a".repeat(64);
    cases.push([danglingBranch, /branches\.0\.head/]);
    const missingBlob = clone(doc);
    missingBlob.blobs = missingBlob.blobs.slice(1);
    cases.push([missingBlob, /no blob has this hash/]);

    for (const [input, expected] of cases) {
      await assert.rejects(target.transfer.import(input), expected as RegExp);
    }
    await assert.rejects(target.transfer.import({ ...doc, version: 3 }), /newer than this engram reads/);
    await assert.rejects(target.transfer.import(null), InvalidInputError);
    assert.equal((await target.agents.list()).items.length, 0);
    assert.equal((await target.events.list()).items.filter((e) => e.kind === "agent.imported").length, 0);
  });

  it("an agent deleted and imported again keeps the exported access counts, not the deleted one's pending ones", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const memory = await engram.memories.add(agent.id, { text: "Ada drinks green tea" });
    // A search counts an access; it waits in memory to be written with others.
    await engram.search(agent.id, { query: "green tea", sources: ["memories"] });
    const doc = await engram.transfer.export(agent.id);
    assert.equal(doc.memories[0]?.accessCount, 1);
    await engram.agents.delete(agent.id);
    await engram.transfer.import(doc);
    assert.equal((await engram.memories.get(agent.id, memory.id)).accessCount, 1);
    await engram.close();
  });

  it("still reads version 1 documents (blocks only), exactly as before", async () => {
    const source = createTestEngram();
    const agent = await agentWithHistory(source);
    const {
      memories: _m,
      messages: _s,
      episodes: _e,
      experience: _x,
      insights: _i,
      images: _im,
      graph: _g,
      ...blocks
    } = await source.transfer.export(agent.id);
    const v1 = { ...blocks, version: 1 };
    const target = createTestEngram();
    assert.equal((await target.transfer.import(structuredClone(v1))).id, agent.id);
    const again = await target.transfer.export(agent.id);
    assert.deepEqual(
      { ...again, exportedAt: "", version: 1 },
      {
        ...v1,
        exportedAt: "",
        memories: [],
        messages: [],
        episodes: [],
        experience: { version: 0, records: [] },
        insights: [],
        images: [],
        graph: { entities: [], relations: [], mentions: [] },
      },
    );
    // A version-1 document has nothing but blocks: the sections of version 2 are unknown to it.
    await assert.rejects(
      createTestEngram().transfer.import({ ...v1, memories: [] }),
      /unrecognized key.*memories/i,
    );
    await assert.rejects(target.transfer.import(v1), ConflictError);
  });
});
