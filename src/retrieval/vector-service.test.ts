import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createIdGenerator } from "../core/ids.ts";
import { createEngram } from "../engram.ts";
import type { Embedder } from "../models/embedder.ts";
import { createHashEmbedder } from "../models/hash-embedder.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-vectors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The hash embedder, failing while `down` is set (an outage of the embedding provider). */
function flaky(dimensions: number): Embedder & { down: boolean } {
  const inner = createHashEmbedder(dimensions);
  return {
    id: inner.id,
    down: false,
    async embed(texts) {
      if (this.down) throw new Error("connection refused");
      return inner.embed(texts);
    },
  };
}

const open = (path: string, embedder: Embedder | null) =>
  createEngram({ path, embedder, generateId: createIdGenerator(), env: {} });

/** Whether the item has a vector: a vector search for its own text finds it at distance 0. */
async function foundByVector(
  engram: ReturnType<typeof open>,
  agentId: string,
  text: string,
  source: "memories" | "messages" = "memories",
) {
  const { results, warnings } = await engram.search(agentId, {
    query: text,
    sources: [source],
    weights: { lexical: 0 },
    k: 5,
  });
  assert.deepEqual(warnings, []);
  const hit = results.find((r) => r.text === text);
  const distance = hit?.components.vectorDistance;
  return typeof distance === "number" && distance < 1e-6;
}

describe("vectors written with their items", () => {
  it("commits each new or rewritten text's vector in the transaction that writes it", async () => {
    const engram = open(join(dir, "together.db"), createHashEmbedder(32));
    const agent = await engram.agents.create({ name: "a" });
    // The kinds of operation in each unit of work the engine commits.
    const units: string[][] = [];
    const unitOfWork = engram.store.unitOfWork.bind(engram.store);
    engram.store.unitOfWork = () => {
      const work = unitOfWork();
      const commit = work.commit.bind(work);
      work.commit = () => {
        units.push(work.operations.map((op) => op.kind));
        return commit();
      };
      return work;
    };
    const memory = await engram.memories.add(agent.id, { text: "the harbour opens at dawn" });
    await engram.memories.update(agent.id, memory.id, { text: "the harbour opens at noon" });
    await engram.memories.update(agent.id, memory.id, { importance: 0.9 });
    await engram.messages.append(agent.id, { role: "user", content: "when does the harbour open?" });
    assert.deepEqual(
      units.map((kinds) => kinds.filter((kind) => kind !== "graph.record")),
      [
        ["memories.insert", "vectors.upsert"],
        ["memories.update", "vectors.upsert"],
        ["memories.update"],
        ["messages.append", "vectors.upsert"],
      ],
    );
    assert.equal(await foundByVector(engram, agent.id, "the harbour opens at noon"), true);
    assert.equal(await foundByVector(engram, agent.id, "when does the harbour open?", "messages"), true);
    assert.deepEqual((await engram.vectors.reindex()).embedded, { memories: 0, messages: 0 });
    await engram.close();
  });
});

describe("vector maintenance (engram memory reindex)", () => {
  it("embeds the memories and messages the model failed on, and only those", async () => {
    const embedder = flaky(32);
    const engram = open(join(dir, "outage.db"), embedder);
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, { text: "embedded before the outage" });
    embedder.down = true;
    const added = await engram.memories.addMany(agent.id, [{ text: "written during the outage" }]);
    assert.match(added.warnings[0] ?? "", /connection refused.*engram memory reindex/);
    await engram.messages.append(agent.id, { role: "user", content: "a message during the outage" });
    embedder.down = false;
    assert.equal(await foundByVector(engram, agent.id, "written during the outage"), false);

    const progress: number[] = [];
    const result = await engram.vectors.reindex({ onProgress: (p) => progress.push(p.embedded) });
    assert.deepEqual(result.embedded, { memories: 1, messages: 1 });
    assert.deepEqual(result.agents[0]?.embedded, { memories: 1, messages: 1 });
    assert.equal(result.rebuilt, false);
    assert.deepEqual(progress, [1, 1]);
    assert.equal(await foundByVector(engram, agent.id, "written during the outage"), true);
    assert.equal(await foundByVector(engram, agent.id, "a message during the outage", "messages"), true);
    // Nothing is left to embed: a second run does nothing.
    assert.deepEqual((await engram.vectors.reindex()).embedded, { memories: 0, messages: 0 });
    await engram.close();
  });

  it("stops at an embedding failure with the error, and carries on from there when run again", async () => {
    const embedder = flaky(16);
    const engram = open(join(dir, "resume.db"), embedder);
    const agent = await engram.agents.create({ name: "a" });
    embedder.down = true;
    await engram.memories.addMany(agent.id, [{ text: "one" }, { text: "two" }]);
    await assert.rejects(engram.vectors.reindex(), /connection refused/);
    embedder.down = false;
    assert.deepEqual((await engram.vectors.reindex()).embedded, { memories: 2, messages: 0 });
    await engram.close();
  });

  it("re-embeds everything for a new model with rebuild, after the old vectors made it refuse to start", async () => {
    const path = join(dir, "switch.db");
    const before = open(path, createHashEmbedder(32));
    const a = await before.agents.create({ name: "a" });
    const b = await before.agents.create({ name: "b" });
    await before.memories.addMany(a.id, [{ text: "the blue whale" }, { text: "a red fox" }]);
    await before.memories.add(b.id, { text: "green tea" });
    await before.messages.append(b.id, { role: "user", content: "hello there" });
    await before.close();

    const after = open(path, createHashEmbedder(48));
    await assert.rejects(after.ready(), /made by embedding model hash:32, but hash:48.*reindex --rebuild/);
    // Without rebuild, nothing is mixed: the same refusal, and nothing changes.
    await assert.rejects(after.vectors.reindex(), /hash:32, but hash:48/);
    assert.equal((await after.vectors.status()).dimensions, 32);

    const result = await after.vectors.reindex({ rebuild: true });
    assert.equal(result.rebuilt, true);
    assert.deepEqual(result.embedded, { memories: 3, messages: 1 });
    assert.deepEqual(await after.vectors.status(), {
      available: true,
      model: "hash:48",
      storedModel: "hash:48",
      dimensions: 48,
    });
    await after.ready();
    assert.equal(await foundByVector(after, a.id, "the blue whale"), true);
    assert.equal(await foundByVector(after, b.id, "hello there", "messages"), true);
    // Each agent's search still sees only its own vectors.
    const { results } = await after.search(a.id, { query: "green tea", weights: { lexical: 0 }, k: 5 });
    assert.deepEqual(results.map((r) => r.text).sort(), ["a red fox", "the blue whale"]);
    await after.close();
  });

  it("retrains an agent's index lists on demand", async () => {
    const engram = open(join(dir, "train.db"), createHashEmbedder(16));
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(
      agent.id,
      Array.from({ length: 40 }, (_, i) => ({ text: `memory number ${i} about topic ${i % 7}` })),
    );
    const untrained = await engram.vectors.reindex({ agentId: agent.id });
    assert.equal(untrained.agents[0]?.index.memories.method, "exact");
    assert.equal(untrained.agents[0]?.index.memories.details.lists, 0);
    const trained = await engram.vectors.reindex({ agentId: agent.id, train: true });
    assert.equal(trained.agents[0]?.index.memories.method, "ivf");
    assert.equal(trained.agents[0]?.index.memories.details.lists, 16);
    assert.equal(trained.agents[0]?.index.memories.details.trained, 40);
    assert.match(trained.agents[0]?.index.memories.summary ?? "", /^16 lists trained at 40 vectors/);
    assert.equal(await foundByVector(engram, agent.id, "memory number 12 about topic 5"), true);
    await engram.close();
  });

  it("refuses clearly without a model, and keeps a project view to its own agents", async () => {
    const lexical = open(":memory:", null);
    await assert.rejects(
      lexical.vectors.reindex(),
      /no embedding model is configured: set ENGRAM_EMBEDDING_MODEL/,
    );
    await lexical.close();

    const embedder = flaky(16);
    const engram = open(join(dir, "projects.db"), embedder);
    const project = await engram.projects.create({ name: "other" });
    const mine = await engram.agents.create({ name: "mine" });
    const theirs = await engram.agents.create({ name: "theirs", project: project.id });
    embedder.down = true;
    await engram.memories.add(mine.id, { text: "mine" });
    await engram.memories.add(theirs.id, { text: "theirs" });
    embedder.down = false;
    const view = engram.forProject(project.id);
    await assert.rejects(view.vectors.reindex({ agentId: mine.id }), /not found/);
    await assert.rejects(view.vectors.reindex({ rebuild: true }), /run it on the whole database/);
    await assert.rejects(engram.vectors.reindex({ rebuild: true, agentId: mine.id }), /leave out agentId/);
    const result = await view.vectors.reindex();
    assert.deepEqual(
      result.agents.map((a) => a.agentId),
      [theirs.id],
    );
    assert.equal(await foundByVector(engram, mine.id, "mine"), false);
    await engram.close();
  });
});
