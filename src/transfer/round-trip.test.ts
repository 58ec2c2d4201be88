import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { queryTerms } from "../retrieval/query-terms.ts";
import { MESSAGE_FIELDS, type MessageWeights } from "../store/store.ts";
import { createTestEngram } from "../test/index.ts";
import type { ExportDocument } from "./format.ts";
import { agentWhoLearned } from "./test-fixture.ts";

const withoutTime = (doc: ExportDocument) => ({ ...doc, exportedAt: "" });

/** The ids a search of the agent finds by their text, sorted. */
async function found(engram: Engram, agentId: string, query: string, sources: ("memories" | "messages")[]) {
  const { results } = await engram.search(agentId, { query, sources, recordAccess: false, k: 50 });
  return results
    .filter((r) => r.components.bm25 !== null)
    .map((r) => r.id)
    .sort();
}

/**
 * What the full-text index holds for a query, column by column: the memories it matches, and the
 * messages each message column (own text, caption, neighbours, window, date) matches. Ids only: FTS5
 * keeps deleted rows in its totals, so a database that saw updates scores terms a little differently.
 */
async function indexed(engram: Engram, agentId: string, query: string) {
  const terms = queryTerms(query);
  const memories = await engram.store.memories.searchText({ agentId }, terms, 100);
  const columns: Record<string, string[]> = { memories: memories.map((h) => h.item.id).sort() };
  for (const field of MESSAGE_FIELDS) {
    const weights = Object.fromEntries(MESSAGE_FIELDS.map((f) => [f, f === field ? 1 : 0])) as MessageWeights;
    const hits = await engram.store.messages.searchText({ agentId }, { terms, weights }, 100);
    columns[field] = hits.map((h) => h.item.id).sort();
  }
  return columns;
}

/** Every id an export names, of every kind. */
function idsOf(doc: ExportDocument): string[] {
  return [
    ...doc.memories.map((m) => m.id),
    ...doc.messages.map((m) => m.id),
    ...doc.episodes.map((e) => e.id),
    ...doc.experience.records.map((r) => r.id),
    ...doc.insights.map((i) => i.id),
  ];
}

describe("export and import of everything an agent has learned", () => {
  it("exports memories with their versions, the conversation, episodes, experience and insights", async () => {
    const engram = createTestEngram();
    const learned = await agentWhoLearned(engram);
    const doc = await engram.transfer.export(learned.agent.id);
    assert.equal(doc.version, 2);
    assert.deepEqual(
      doc.memories.map((m) => [m.id, m.versions.length, m.archivedAt !== null]),
      [
        [learned.telescope.id, 3, false],
        [learned.sourdough.id, 1, false],
        [learned.archived.id, 2, true],
      ],
    );
    const telescope = doc.memories[0];
    assert.deepEqual(
      telescope?.versions.map((v) => [v.version, v.operation, v.memory.text]),
      [
        [1, "create", "Ada owns a 200 mm dobsonian telescope"],
        [2, "update", "Ada owns a 200 mm dobsonian telescope and a small refractor"],
        [3, "update", "Ada owns a 200 mm dobsonian telescope and a small refractor"],
      ],
    );
    assert.ok((doc.memories[1]?.accessCount ?? 0) > 0, "retrievals are counted and carried");
    assert.deepEqual(
      doc.messages.map((m) => m.id),
      learned.messages.map((m) => m.id),
    );
    const call = doc.messages.find((m) => Array.isArray(m.metadata.toolCalls));
    assert.equal(call?.metadata.turnId, "trn_01jvzzzzzzzzzzzzzzzzzzzzzz");
    assert.ok(doc.messages.some((m) => m.role === "tool" && m.metadata.toolCallId === "call_1"));
    assert.deepEqual(
      doc.episodes.map((e) => [e.status, e.steps.length]),
      [
        ["finished", 2],
        ["running", 1],
      ],
    );
    assert.ok(doc.experience.records.length >= 2);
    assert.equal(doc.experience.version, await engram.store.experience.version(learned.agent.id));
    assert.equal(doc.insights.length, 2);
    // Nothing in the document names an agent or a project: everything in it is the agent's.
    assert.doesNotMatch(JSON.stringify(doc.memories), /agentId|projectId/);
  });

  it("reproduces the agent in a fresh database: the same document, searches, advice and history", async () => {
    const source = createTestEngram();
    const learned = await agentWhoLearned(source);
    const id = learned.agent.id;
    const doc = await source.transfer.export(id);

    const target = createTestEngram({ start: Date.UTC(2027, 0, 1) });
    const imported = await target.transfer.import(JSON.parse(JSON.stringify(doc)));
    assert.equal(imported.id, id);
    assert.deepEqual(withoutTime(await target.transfer.export(id)), withoutTime(doc));

    // The full-text indexes are built as live writes build them: each column holds the same texts.
    const queries = ["dobsonian telescope refractor", "Paris", "sourdough starter", "Andromeda galaxy"];
    for (const query of [...queries, "bubbling jar", "Saturn eyepiece", "Friday January 2026"]) {
      assert.deepEqual(await indexed(target, id, query), await indexed(source, id, query), query);
    }
    assert.deepEqual((await indexed(target, id, "bubbling")).caption, [learned.messages[3]?.id]);
    assert.deepEqual(
      await found(target, id, "Paris", ["memories"]),
      [],
      "archived memories are not searched",
    );
    assert.deepEqual(await found(target, id, "refractor", ["memories"]), [learned.telescope.id]);
    // A reply is found by what it answers (its neighbours' text), as before the move.
    assert.ok(
      (await found(target, id, "Andromeda", ["messages"])).includes(learned.messages[1]?.id as string),
    );

    const query = { task: "find the Andromeda galaxy", observation: "a dark sky" };
    const advice = await target.experience.advise(id, query);
    assert.deepEqual(advice, await source.experience.advise(id, query));
    assert.equal(advice.items[0]?.encouraged[0]?.action, "point north");
    assert.deepEqual(await target.insights.list(id), await source.insights.list(id));
    assert.deepEqual(
      await target.memories.history(id, learned.telescope.id),
      await source.memories.history(id, learned.telescope.id),
    );
    assert.deepEqual(
      await target.messages.list(id, { userId: "bob" }),
      await source.messages.list(id, { userId: "bob" }),
    );

    // The imported agent goes on learning: the running episode continues where it stopped.
    const step = { observation: "a faint smudge", availableActions: ["focus"], action: "focus", reward: 1 };
    await target.experience.recordStep(id, learned.runningEpisodeId, step);
    await target.experience.finishEpisode(id, learned.runningEpisodeId, { success: true });
    assert.equal((await target.experience.getEpisode(id, learned.runningEpisodeId)).steps.length, 2);
    const added = await target.messages.append(id, {
      role: "user",
      userId: "ada",
      content: "clear skies tonight",
    });
    assert.equal((await target.messages.list(id, { newestFirst: true, limit: 1 })).items[0]?.id, added.id);
  });

  it("carries keyed facts and their closes, and reads a document from before keys as keyless", async () => {
    const source = createTestEngram();
    const agent = await source.agents.create({ name: "keys" });
    const old = await source.memories.add(agent.id, {
      text: "Ada lives in Berlin",
      key: "user.city",
      validFrom: "2025-01-01T00:00:00Z",
    });
    await source.memories.add(agent.id, { text: "Ada lives in Lisbon", key: "user.city" });
    const doc = await source.transfer.export(agent.id);
    assert.deepEqual(
      doc.memories.map((m) => [m.text, m.key, m.validTo === null]),
      [
        ["Ada lives in Berlin", "user.city", false],
        ["Ada lives in Lisbon", "user.city", true],
      ],
    );
    assert.deepEqual(
      doc.memories[0]?.versions.map((v) => v.memory.key),
      ["user.city", "user.city"],
    );
    const target = createTestEngram();
    await target.transfer.import(JSON.parse(JSON.stringify(doc)));
    assert.deepEqual(
      await target.memories.history(agent.id, old.id),
      await source.memories.history(agent.id, old.id),
    );

    const before = JSON.parse(JSON.stringify(doc));
    for (const m of before.memories) {
      delete m.key;
      for (const v of m.versions) delete v.memory.key;
    }
    const keyless = createTestEngram();
    await keyless.transfer.import(before);
    assert.deepEqual(
      (await keyless.memories.list(agent.id)).items.map((m) => m.key),
      [null, null],
    );
  });

  it("imports a copy beside its original with new ids for everything, references following", async () => {
    const engram = createTestEngram();
    const learned = await agentWhoLearned(engram);
    const original = learned.agent.id;
    const doc = await engram.transfer.export(original);
    const copy = await engram.transfer.import(doc, { newIds: true });
    const copyDoc = await engram.transfer.export(copy.id);

    // The original is untouched, and the copy shares no id with it but its commits'.
    assert.deepEqual(withoutTime(await engram.transfer.export(original)), withoutTime(doc));
    const originalIds = new Set(idsOf(doc));
    assert.equal(idsOf(copyDoc).length, originalIds.size);
    assert.ok(idsOf(copyDoc).every((i) => !originalIds.has(i)));
    assert.deepEqual(copyDoc.commits, doc.commits);

    // Mapping the copy's ids back item by item gives the original document: every reference inside
    // (a summary's throughMessageId, provenance, sleep-time links) moved with the item it names.
    const back = new Map<string, string>([
      [copy.id, original],
      [copy.name, doc.agent.name],
    ]);
    assert.equal(
      copy.name,
      `${doc.agent.name}-2`,
      "names are unique in a project: the copy takes a free one",
    );
    const pair = (a: { id: string }[], b: { id: string }[]) => {
      for (const [i, x] of a.entries()) back.set(x.id, b[i]?.id ?? "");
    };
    pair(copyDoc.memories, doc.memories);
    pair(copyDoc.messages, doc.messages);
    pair(copyDoc.episodes, doc.episodes);
    pair(copyDoc.experience.records, doc.experience.records);
    pair(copyDoc.insights, doc.insights);
    const restored = JSON.parse(JSON.stringify(copyDoc), (_, v) =>
      typeof v === "string" ? (back.get(v) ?? v) : v,
    );
    assert.deepEqual(withoutTime(restored), withoutTime(JSON.parse(JSON.stringify(doc))));
    const summary = copyDoc.messages.find((m) => m.role === "system");
    assert.deepEqual(summary?.metadata.summary, {
      scope: "ada",
      throughMessageId: copyDoc.messages[1]?.id,
      covered: 2,
      previousSummaryId: null,
    });
    assert.deepEqual(copyDoc.memories[0]?.metadata, { sleeptime: { related: [copyDoc.memories[1]?.id] } });

    // Each agent finds only its own items, as many as the other finds of its own.
    const copyIds = new Set(idsOf(copyDoc));
    for (const [source, query] of [
      ["memories", "dobsonian telescope"],
      ["memories", "sourdough starter"],
      ["messages", "sourdough starter"],
      ["messages", "Andromeda"],
    ] as const) {
      const mine = await found(engram, copy.id, query, [source]);
      const theirs = await found(engram, original, query, [source]);
      assert.ok(mine.length > 0 && mine.length === theirs.length, `${source}: "${query}"`);
      assert.ok(mine.every((i) => copyIds.has(i)));
      assert.ok(theirs.every((i) => originalIds.has(i)));
    }
    const advice = await engram.experience.advise(copy.id, {
      task: "find the Andromeda galaxy",
      observation: "a dark sky",
    });
    assert.ok(advice.items.every((item) => copyIds.has(item.recordId)));

    // Changing the copy leaves the original as it was.
    await engram.memories.update(copy.id, copyDoc.memories[0]?.id as string, {
      text: "Ada sold her telescope",
    });
    await engram.insights.apply(copy.id, [{ op: "remove", id: copyDoc.insights[0]?.id as string }]);
    assert.deepEqual(withoutTime(await engram.transfer.export(original)), withoutTime(doc));
    const event = (await engram.events.list({ agentId: copy.id })).items[0];
    assert.equal(event?.kind, "agent.imported");
    assert.deepEqual(event?.after, {
      ...(event?.after as object),
      from: original,
      version: 2,
      memories: 3,
      messages: doc.messages.length,
      episodes: 2,
    });
  });
});
