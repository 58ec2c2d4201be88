import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError, NotFoundError } from "../core/errors.ts";
import { scriptedModel } from "../sleeptime/test-support.ts";
import { createTestEngram, scriptedModel as scriptedTurnModel } from "../test/index.ts";
import { namesAny } from "./graph-expansion.ts";

const query = "Where does Ada's sister live?";

async function sisters(extra: { userId?: string } = {}) {
  const engram = createTestEngram();
  const agent = await engram.agents.create({ name: "a" });
  // The answer is written first: of the facts the text ranks alike, the newest come first, so
  // without the graph it is last of the "lives in" ones.
  await engram.memories.add(agent.id, { text: "Bea lives in Lisbon.", ...extra });
  for (const text of [
    "Ada's sister is Bea.",
    "Cleo lives in Berlin.",
    "Dan lives in Rome.",
    "Eve lives in Oslo.",
  ])
    await engram.memories.add(agent.id, { text, ...extra });
  return { engram, agent };
}

describe("entity graph", () => {
  it("brings in a named entity's neighbours: a two-hop question finds the neighbour's memory, explained", async () => {
    const { engram, agent } = await sisters();
    const ranks = async (graph: boolean) => {
      const { results } = await engram.search(agent.id, { query, graph, recordAccess: false });
      return results;
    };
    const withGraph = await ranks(true);
    assert.deepEqual(
      withGraph.slice(0, 2).map((r) => r.text),
      ["Bea lives in Lisbon.", "Ada's sister is Bea."],
      "the neighbour's memory, the answer, comes first, then the one that names both",
    );
    assert.ok((withGraph[0]?.components.graph ?? 0) > 0);
    assert.deepEqual(withGraph[0]?.components.graphEntities, ["bea"]);
    // The memory that names Ada herself is the text ranking's: the neighbour it names adds nothing.
    assert.equal(withGraph[1]?.components.graph, 0);
    assert.equal(withGraph[1]?.components.lexicalRank, 1);
    assert.equal(withGraph[2]?.components.graph, 0);
    const without = await ranks(false);
    assert.ok(
      without.findIndex((r) => r.text === "Bea lives in Lisbon.") > 1,
      "lexical ranking alone ties it with the others",
    );
    assert.ok(without.every((r) => r.components.graph === 0 && r.components.graphEntities.length === 0));
    const zero = await engram.search(agent.id, { query, weights: { graph: 0 }, recordAccess: false });
    assert.deepEqual(
      zero.results.map((r) => r.id),
      without.map((r) => r.id),
    );
  });

  it("gives no graph part to a memory that names the query's entity: its neighbours do not lift it over the answer", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, { text: "Ada works at Siemens in Berlin with Bea and Cleo." });
    await engram.memories.add(agent.id, { text: "Ada lives in Lisbon." });
    const { results } = await engram.search(agent.id, { query: "where does Ada live", recordAccess: false });
    assert.deepEqual(
      results.map((r) => [r.text, r.components.graph]),
      [
        ["Ada lives in Lisbon.", 0],
        ["Ada works at Siemens in Berlin with Bea and Cleo.", 0],
      ],
    );
    // The graph holds Ada's neighbours all the same, for items that name them and not her.
    const ada = await engram.entities.get(agent.id, "Ada");
    assert.ok(ada.relations.some((r) => r.target === "bea" || r.source === "bea"));
  });

  it("get names the entities at the other end of each relation as they are written", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, { text: "Ada Lovelace met Charles Babbage in London." });
    const ada = await engram.entities.get(agent.id, "ada lovelace");
    assert.deepEqual(ada.names, { "charles babbage": "Charles Babbage", london: "London" });
    const london = await engram.entities.get(agent.id, "London");
    assert.deepEqual(london.names, { "ada lovelace": "Ada Lovelace", "charles babbage": "Charles Babbage" });
  });

  it("namesAny reads a text's words as entity keys are made: whole words, possessives, several words", () => {
    assert.equal(namesAny("Ada's sister is Bea.", ["ada"]), true);
    assert.equal(namesAny("ADA LOVELACE wrote notes", ["ada lovelace"]), true);
    assert.equal(namesAny("Adam lives here", ["ada"]), false);
    assert.equal(namesAny("Lovelace, Ada", ["ada lovelace"]), false);
    assert.equal(namesAny("anything", []), false);
  });

  it("keeps relations true as memories change: a superseded fact's relation closes, an edited one counts once, a deleted one's goes", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const relations = async () =>
      (await engram.entities.get(agent.id, "Ada", { userId: "u1" })).relations.map((r) => ({
        target: r.target,
        weight: r.weight,
        validTo: r.validTo,
      }));
    const fact = { kind: "fact" as const, key: "user.city", userId: "u1" };
    const berlin = await engram.memories.add(agent.id, { text: "Ada lives in Berlin.", ...fact });
    const lisbon = await engram.memories.add(agent.id, { text: "Ada lives in Lisbon.", ...fact });
    assert.deepEqual(await relations(), [
      { target: "berlin", weight: 1, validTo: lisbon.validFrom },
      { target: "lisbon", weight: 1, validTo: null },
    ]);
    for (const text of ["Ada lives in Lisbon, Portugal.", "Ada lives in Lisbon now."])
      await engram.memories.update(agent.id, lisbon.id, { text });
    assert.deepEqual((await relations()).find((r) => r.target === "lisbon")?.weight, 1);
    await engram.memories.delete(agent.id, berlin.id);
    assert.deepEqual(
      (await relations()).map((r) => r.target),
      ["lisbon"],
    );
    // Archived, it leaves the graph as a rebuild would leave it out (Ada, named by nothing else,
    // with it); restored, it is back.
    await engram.memories.archive(agent.id, lisbon.id);
    await assert.rejects(engram.entities.get(agent.id, "Ada", { userId: "u1" }), NotFoundError);
    assert.deepEqual(await engram.entities.dump(agent.id), { entities: [], relations: [], mentions: [] });
    await engram.memories.restore(agent.id, lisbon.id);
    assert.deepEqual(await relations(), [{ target: "lisbon", weight: 1, validTo: null }]);
  });

  it("narrows a relation to what its remaining sources state: the memory that held it open goes, it closes", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const berlin = async () =>
      (await engram.entities.get(agent.id, "Ada", { userId: "u1" })).relations
        .filter((r) => r.target === "berlin")
        .map((r) => ({ weight: r.weight, validFrom: r.validFrom, validTo: r.validTo }));
    const fact = { kind: "fact" as const, key: "user.city", userId: "u1" };
    const lived = await engram.memories.add(agent.id, {
      text: "Ada lives in Berlin.",
      ...fact,
      validFrom: "2025-01-01T00:00:00.000Z",
    });
    const visit = await engram.memories.add(agent.id, {
      text: "Ada met Bea in Berlin.",
      userId: "u1",
      validFrom: "2026-06-01T00:00:00.000Z",
    });
    const moved = await engram.memories.add(agent.id, {
      text: "Ada lives in Lisbon.",
      ...fact,
      validFrom: "2026-09-01T00:00:00.000Z",
    });
    // Still open: the visit says nothing of an end.
    assert.deepEqual(await berlin(), [{ weight: 2, validFrom: lived.validFrom, validTo: null }]);
    await engram.memories.delete(agent.id, visit.id);
    assert.deepEqual(await berlin(), [{ weight: 1, validFrom: lived.validFrom, validTo: moved.validFrom }]);
    // Narrowed from the start too: the earliest source left is later than the one that went.
    const again = await engram.memories.add(agent.id, {
      text: "Ada was in Berlin for work.",
      userId: "u1",
      validFrom: "2026-10-01T00:00:00.000Z",
    });
    await engram.memories.delete(agent.id, lived.id);
    assert.deepEqual(await berlin(), [{ weight: 1, validFrom: again.validFrom, validTo: null }]);
  });

  it("keeps an entity's first and last sightings to the memories that still name it", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const at = (date: string) => `${date}T00:00:00.000Z`;
    const [first, , last] = await Promise.all(
      ["2025-01-01", "2026-06-01", "2026-09-01"].map((date) =>
        engram.memories.add(agent.id, { text: `Ada wrote on ${date.slice(0, 4)}.`, validFrom: at(date) }),
      ),
    );
    const seen = async () => {
      const { entity } = await engram.entities.get(agent.id, "Ada");
      return [entity.mentions, entity.firstSeen, entity.lastSeen];
    };
    assert.deepEqual(await seen(), [3, at("2025-01-01"), at("2026-09-01")]);
    await engram.memories.delete(agent.id, first?.id ?? "");
    assert.deepEqual(await seen(), [2, at("2026-06-01"), at("2026-09-01")]);
    // Edited, the last one still names Ada then.
    await engram.memories.update(agent.id, last?.id ?? "", { text: "Ada wrote again." });
    assert.deepEqual(await seen(), [2, at("2026-06-01"), at("2026-09-01")]);
    await engram.memories.delete(agent.id, last?.id ?? "");
    assert.deepEqual(await seen(), [1, at("2026-06-01"), at("2026-06-01")]);
  });

  it("never follows a relation learned from another user's memories", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, { text: "Ada's sister is Bea.", userId: "u1" });
    await engram.memories.add(agent.id, { text: "Cleo lives in Berlin.", userId: "u2" });
    await engram.memories.add(agent.id, { text: "Bea lives in Lisbon.", userId: "u2" });
    const { results } = await engram.search(agent.id, { query, userId: "u2", recordAccess: false });
    assert.equal(results.length, 2);
    assert.ok(results.every((r) => r.components.graph === 0));
    const own = await engram.search(agent.id, { query, userId: "u1", recordAccess: false });
    assert.deepEqual(
      own.results.map((r) => r.text),
      ["Ada's sister is Bea."],
    );
  });

  it("items the graph brings in are held to the search's filters", async () => {
    const { engram, agent } = await sisters();
    const note = await engram.memories.add(agent.id, { text: "Bea plays the cello.", kind: "note" });
    const { results } = await engram.search(agent.id, { query, kinds: ["fact"], recordAccess: false });
    assert.ok(results.some((r) => r.text === "Bea lives in Lisbon."));
    assert.ok(!results.some((r) => r.id === note.id));
    const all = await engram.search(agent.id, { query, recordAccess: false });
    assert.ok(
      all.results.some((r) => r.id === note.id && r.components.graph > 0),
      "found only through the graph",
    );
  });

  it("lists entities in pages and reads one with its relations over time; unknown names are 404", async () => {
    const { engram, agent } = await sisters();
    await engram.memories.add(agent.id, {
      text: "Ada worked with Cleo.",
      validFrom: "2020-01-01T00:00:00Z",
      validTo: "2022-01-01T00:00:00Z",
    });
    const first = await engram.entities.list(agent.id, { limit: 3 });
    assert.deepEqual(
      first.items.map((e) => e.key),
      ["ada", "bea", "berlin"],
    );
    assert.equal(first.nextCursor, "berlin");
    const next = await engram.entities.list(agent.id, { limit: 3, cursor: first.nextCursor ?? "" });
    assert.deepEqual(
      next.items.map((e) => e.key),
      ["cleo", "dan", "eve"],
    );
    const ada = await engram.entities.get(agent.id, "ADA's");
    assert.equal(ada.entity.name, "Ada");
    assert.equal(ada.entity.mentions, 2);
    assert.deepEqual(
      ada.relations.map((r) => [r.source, r.target, r.validFrom, r.validTo]),
      [
        ["ada", "cleo", "2020-01-01T00:00:00.000Z", "2022-01-01T00:00:00.000Z"],
        ["ada", "bea", ada.relations[1]?.validFrom, null],
      ],
    );
    assert.equal(ada.relations[1]?.provenance[0]?.source, "memory");
    // Read back in one key order on both backends, so that exports of one graph are the same bytes.
    assert.deepEqual(Object.keys(ada.relations[1]?.provenance[0] ?? {}), ["source", "id"]);
    await assert.rejects(
      engram.entities.get(agent.id, "Zed"),
      (error: unknown) =>
        error instanceof NotFoundError &&
        /entity "Zed" not found in agent \S+'s own graph \(an end user's entities are in that user's graph: userId\)/.test(
          error.message,
        ),
    );
    await assert.rejects(
      engram.entities.get(agent.id, "Zed", { userId: "u1" }),
      (error: unknown) =>
        error instanceof NotFoundError && /entity "Zed" not found in .* for user u1$/.test(error.message),
    );
    await assert.rejects(
      engram.entities.list(agent.id, { limit: 0 }),
      (error: unknown) => error instanceof InvalidInputError && /limit/.test(error.message),
    );
    await assert.rejects(
      engram.entities.get(agent.id, "a\u0000b"),
      (error: unknown) => error instanceof InvalidInputError,
    );
  });

  it("a closed relation is not followed now, but is for a search of the time it held", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, {
      text: "Ada's sister is Bea.",
      validFrom: "2020-01-01T00:00:00Z",
      validTo: "2021-01-01T00:00:00Z",
    });
    // True since before the relation held, so that a search of that time may find it.
    await engram.memories.add(agent.id, { text: "Bea lives in Lisbon.", validFrom: "2019-01-01T00:00:00Z" });
    const now = await engram.search(agent.id, { query: "Ada", recordAccess: false });
    assert.ok(now.results.every((r) => r.components.graph === 0));
    const then = await engram.search(agent.id, {
      query: "Ada",
      recordAccess: false,
      validAt: "2020-06-01T00:00:00Z",
    });
    const bea = then.results.find((r) => r.text === "Bea lives in Lisbon.");
    assert.ok((bea?.components.graph ?? 0) > 0, "reached through the relation that held then");
  });

  it("follows changes: a deleted memory's mentions go; rebuild merges a short name into the one full name", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const gone = await engram.memories.add(agent.id, { text: "Ada met Bea in Paris." });
    await engram.memories.add(agent.id, { text: "Ada Lovelace wrote the first program." });
    await engram.memories.delete(agent.id, gone.id);
    // Named by nothing now, Paris and Bea go at once, as a rebuild would leave them out.
    await assert.rejects(engram.entities.get(agent.id, "Paris"), NotFoundError);
    await assert.rejects(engram.entities.get(agent.id, "Bea"), NotFoundError);
    assert.equal((await engram.entities.get(agent.id, "Ada Lovelace")).entity.mentions, 1);
    await engram.memories.add(agent.id, { text: "Ada studied with De Morgan." });
    const graph = await engram.entities.rebuild(agent.id);
    assert.deepEqual(
      graph.entities.map((e) => e.key),
      ["ada lovelace", "de morgan"],
    );
    assert.deepEqual(
      graph.relations.map((r) => [r.source, r.target]),
      [["ada lovelace", "de morgan"]],
    );
    await assert.rejects(engram.entities.get(agent.id, "Paris"), NotFoundError);
  });

  it("records messages: speakers mention what they name", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.messages.appendMany(agent.id, [
      { role: "user", name: "Gina", content: "I lost my job at Door Dash." },
      { role: "assistant", name: "Jon", content: "Sorry Gina, I lost mine at the bank too." },
    ]);
    const gina = await engram.entities.get(agent.id, "gina");
    assert.equal(gina.entity.type, "person");
    assert.deepEqual(gina.relations.map((r) => [r.source, r.target, r.type]).sort(), [
      ["gina", "door dash", "mentions"],
      ["jon", "gina", "mentions"],
    ]);
    assert.deepEqual(
      gina.mentions.map((m) => m.source),
      ["message", "message"],
    );
  });

  it("learns nothing from tool calls and results: a turn's graph is what its user and assistant said", async () => {
    const model = scriptedTurnModel([
      {
        toolCalls: [
          { name: "memory_append", input: { label: "human", text: "Drinks green tea. Lives in Porto." } },
        ],
      },
      { text: "Got it, Ada: green tea, in Porto." },
    ]);
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a" });
    await engram.runtime.send(agent.id, { content: "I'm Ada and I moved to Porto.", userId: "u1" });
    const roles = (await engram.messages.list(agent.id, { userId: "u1" })).items.map((m) => m.role);
    assert.deepEqual(roles, ["user", "assistant", "tool", "assistant"]);
    const names = (await engram.entities.list(agent.id, { userId: "u1" })).items.map((e) => e.name).sort();
    assert.deepEqual(names, ["Ada", "Porto"]);
    // A rebuild reads the same messages the same way.
    await engram.entities.rebuild(agent.id);
    const rebuilt = (await engram.entities.list(agent.id, { userId: "u1" })).items.map((e) => e.name).sort();
    assert.deepEqual(rebuilt, ["Ada", "Porto"]);
  });

  it("keeps a message's graph part when it names the person asked about: conversation search does not search speakers' names", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const [own, other] = await engram.messages.appendMany(agent.id, [
      { role: "user", name: "Gina", content: "Door Dash let me go, so Jon and I are looking for work." },
      { role: "assistant", name: "Tom", content: "Gina, Door Dash is hiring drivers again, I heard." },
      ...[
        "The weather was lovely today.",
        "We planted tomatoes in the garden.",
        "My sister bakes bread.",
      ].map((content) => ({ role: "user" as const, name: "Ruth", content })),
    ]);
    const { results } = await engram.search(agent.id, {
      query: "What happened to Gina?",
      sources: ["messages"],
      recordAccess: false,
    });
    const parts = (id: string | undefined) => results.find((r) => r.id === id)?.components;
    // Neither turn is ranked by its words ("Gina" is a speaker's name, not searched for): both are
    // reached through the neighbours they name, Gina's own turn and Tom's, which says her name.
    for (const id of [own?.id, other?.id]) {
      assert.equal(parts(id)?.lexicalRank, null);
      assert.ok((parts(id)?.graph ?? 0) > 0);
    }
  });

  it("sleep-time consolidation maintains the graph: a contradicted fact's relation closes, a duplicate's mention goes", async () => {
    const model = scriptedModel((prompt) => ({
      pairs: [...prompt.matchAll(/Pair (\d+):/g)].map((m) => ({
        pair: Number(m[1]),
        relation: "contradiction",
      })),
    }));
    const engram = createTestEngram({ model });
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, { text: "Ada lives in Paris." });
    await engram.memories.add(agent.id, { text: "Ada lives in Paris!" });
    const berlin = await engram.memories.add(agent.id, { text: "Ada lives in Berlin." });
    const before = await engram.entities.get(agent.id, "Paris");
    assert.equal(before.entity.mentions, 2);
    assert.equal(before.relations[0]?.validTo, null);
    const { jobs } = await engram.sleeptime.run(agent.id, { jobs: ["consolidate"] });
    assert.equal(jobs[0]?.status, "succeeded", JSON.stringify(jobs[0]?.error));
    const paris = await engram.entities.get(agent.id, "Paris");
    assert.equal(paris.entity.mentions, 1, "the archived duplicate no longer counts");
    assert.deepEqual(
      paris.relations.map((r) => [r.source, r.target, r.validTo]),
      [["ada", "paris", berlin.createdAt]],
    );
    const now = await engram.entities.get(agent.id, "Berlin");
    assert.equal(now.relations[0]?.validTo, null);
  });
});
