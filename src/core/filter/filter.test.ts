import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../../test/index.ts";
import { InvalidInputError } from "../errors.ts";
import { MAX_FILTER_DEPTH } from "../input-limits.ts";

async function seeded() {
  const engram = createTestEngram();
  const agent = await engram.agents.create({ name: "filters" });
  const add = (text: string, fields: Record<string, unknown>) =>
    engram.memories.add(agent.id, { text, ...fields });
  await add("billing question about the invoice", { metadata: { topic: "billing", n: 2, vip: true } });
  await add("billing reminder about the invoice", { metadata: { topic: "billing", n: "2" }, tags: ["x"] });
  await add("shipping question about the parcel", {
    metadata: { topic: "shipping", n: 5, labels: ["urgent", "eu"], nested: { level: "deep" } },
    importance: 0.9,
    kind: "note",
  });
  await add("old address fact", {
    metadata: {},
    validFrom: "2020-01-01T00:00:00Z",
    validTo: "2021-01-01T00:00:00Z",
    userId: "ada",
  });
  const list = async (filter: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    (await engram.memories.list(agent.id, { filter, ...extra })).items.map((m) => m.text).sort();
  const search = async (query: string, filter: Record<string, unknown>) =>
    (await engram.search(agent.id, { query, filter })).results.map((r) => r.text).sort();
  return { engram, agent, list, search };
}

describe("metadata filters", () => {
  it("match metadata keys by type: the string '2' is not the number 2, true is not 1", async () => {
    const { list } = await seeded();
    assert.deepEqual(await list({ "metadata.n": 2 }), ["billing question about the invoice"]);
    assert.deepEqual(await list({ "metadata.n": "2" }), ["billing reminder about the invoice"]);
    assert.deepEqual(await list({ "metadata.vip": true }), ["billing question about the invoice"]);
    assert.deepEqual(await list({ "metadata.vip": 1 }), []);
    assert.deepEqual(await list({ "metadata.n": { gt: 1, lt: 5 } }), ["billing question about the invoice"]);
    assert.deepEqual(await list({ "metadata.n": { in: [5, "2"] } }), [
      "billing reminder about the invoice",
      "shipping question about the parcel",
    ]);
  });

  it("combine operators with AND, OR and NOT over metadata and built-in fields", async () => {
    const { list } = await seeded();
    assert.deepEqual(await list({ "metadata.labels": { contains: "eu" } }), [
      "shipping question about the parcel",
    ]);
    assert.deepEqual(await list({ "metadata.topic": { contains: "bill" }, tags: { contains: "x" } }), [
      "billing reminder about the invoice",
    ]);
    assert.deepEqual(await list({ "metadata.nested.level": "deep" }), ["shipping question about the parcel"]);
    assert.deepEqual(await list({ "metadata.topic": { exists: false } }), ["old address fact"]);
    assert.deepEqual(await list({ OR: [{ kind: "note" }, { userId: "ada" }] }), [
      "old address fact",
      "shipping question about the parcel",
    ]);
    assert.deepEqual(await list({ NOT: { "metadata.topic": "billing" } }), [
      "old address fact",
      "shipping question about the parcel",
    ]);
    assert.deepEqual(await list({ "metadata.topic": { ne: "billing" }, importance: { gte: 0.9 } }), [
      "shipping question about the parcel",
    ]);
    assert.deepEqual(await list({ userId: null, "metadata.topic": { nin: ["billing"] } }), [
      "shipping question about the parcel",
    ]);
  });

  it("apply before ranking in search", async () => {
    const { search } = await seeded();
    assert.deepEqual(await search("question", { "metadata.topic": "shipping" }), [
      "shipping question about the parcel",
    ]);
    assert.deepEqual(await search("invoice", { "metadata.n": "2" }), ["billing reminder about the invoice"]);
  });

  it("fill a page and keep its cursor stable when the filter is selective", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "paging" });
    await engram.memories.addMany(
      agent.id,
      Array.from({ length: 300 }, (_, i) => ({ text: `note number ${i}`, metadata: { pick: i % 10 === 0 } })),
    );
    const filter = { "metadata.pick": true };
    const first = await engram.memories.list(agent.id, { filter, limit: 20 });
    assert.equal(first.items.length, 20);
    assert.ok(first.nextCursor !== null);
    const second = await engram.memories.list(agent.id, { filter, limit: 20, cursor: first.nextCursor });
    assert.equal(second.items.length, 10);
    assert.equal(second.nextCursor, null);
    const all = [...first.items, ...second.items].map((m) => m.text);
    assert.equal(new Set(all).size, 30);
    assert.ok(all.every((text) => Number(text.split(" ")[2]) % 10 === 0));
    const found = await engram.search(agent.id, { query: "note", k: 30, filter, candidates: 30 });
    assert.equal(found.results.length, 30);
    assert.ok(found.results.every((r) => r.memory?.metadata.pick === true));
  });

  it("let a condition on validity replace validAt, and refuse both together", async () => {
    const { engram, agent, list } = await seeded();
    assert.deepEqual(await list({ validTo: { lt: "2022-01-01T00:00:00Z" } }), ["old address fact"]);
    assert.deepEqual(await list({ validFrom: { lt: "2021-01-01T00:00:00Z" } }), ["old address fact"]);
    // A date alone is the start of that day in UTC: the fact ended at 2021-01-01T00:00:00Z.
    assert.deepEqual(await list({ validTo: { lte: "2021-01-01" } }), ["old address fact"]);
    assert.deepEqual(await list({ validTo: { lt: "2021-01-01" } }), []);
    assert.deepEqual(await list({ kind: "fact" }, { validAt: "2020-12-31" }), ["old address fact"]);
    await assert.rejects(
      engram.memories.list(agent.id, { validAt: "2020-06-01T00:00:00Z", filter: { validTo: null } }),
      (error: unknown) => error instanceof InvalidInputError && /filter: .*validAt/.test(error.message),
    );
  });

  it("never widen the user scope", async () => {
    const { list } = await seeded();
    assert.deepEqual(
      await list({ OR: [{ userId: "ada" }, { kind: "note" }] }, { userId: "bob", includeShared: false }),
      [],
    );
  });

  it("apply to messages' metadata", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "log" });
    await engram.messages.append(agent.id, {
      role: "user",
      content: "by email",
      metadata: { channel: "email" },
    });
    await engram.messages.append(agent.id, {
      role: "user",
      content: "by phone",
      metadata: { channel: "phone" },
    });
    const page = await engram.messages.list(agent.id, { filter: { "metadata.channel": "phone" } });
    assert.deepEqual(
      page.items.map((m) => m.content),
      ["by phone"],
    );
    const found = await engram.search(agent.id, {
      query: "by",
      sources: ["messages"],
      filter: { "metadata.channel": "email" },
    });
    assert.deepEqual(
      found.results.map((r) => r.message?.content),
      ["by email"],
    );
    await assert.rejects(
      engram.search(agent.id, { query: "by", sources: ["messages"], filter: { kind: "fact" } }),
      /filter: messages have no kind/,
    );
  });

  it("apply to episodes' metadata and fields", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "episodes" });
    const step = { observation: "o", availableActions: ["a"], action: "a", reward: 1 };
    await engram.experience.recordEpisode(agent.id, {
      task: "easy walk",
      steps: [step],
      metadata: { level: "easy" },
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "hard walk",
      steps: [step, step, step],
      metadata: { level: "hard" },
    });
    const tasks = async (filter: Record<string, unknown>) =>
      (await engram.experience.listEpisodes(agent.id, { filter })).items.map((e) => e.task);
    assert.deepEqual(await tasks({ "metadata.level": "hard" }), ["hard walk"]);
    assert.deepEqual(await tasks({ totalReward: { lt: 2 } }), ["easy walk"]);
    await assert.rejects(
      engram.experience.listEpisodes(agent.id, { filter: { kind: "fact" } }),
      /invalid episode list: filter: kind: unknown field/,
    );
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ["an unknown operator", { "metadata.a": { like: "x" } }, /filter\.metadata\.a\.like: unknown operator/],
    ["an unknown field", { color: "red" }, /filter\.color: unknown field/],
    [
      "a number field given a string",
      { importance: { gt: "high" } },
      /filter\.importance\.gt: must be a number/,
    ],
    [
      "a time that is not one",
      { createdAt: { gt: "yesterday" } },
      /filter\.createdAt\.gt: must be an ISO 8601/,
    ],
    ["an ordered comparison with a boolean", { "metadata.a": { gt: true } }, /must be a number or a string/],
    ["a list where one value goes", { "metadata.a": ["x"] }, /use in for a list/],
    ["an empty filter", {}, /filter: must hold at least one condition/],
    ["exists with a string", { "metadata.a": { exists: "yes" } }, /must be true or false/],
    ["a quote in a metadata key", { 'metadata.a"b': 1 }, /no quote/],
    ["null on a field that is always set", { kind: null }, /must not be null/],
  ];
  for (const [what, filter, message] of refused) {
    it(`refuse ${what}, naming the field`, async () => {
      const { engram, agent } = await seeded();
      await assert.rejects(
        engram.memories.list(agent.id, { filter }),
        (error: unknown) => error instanceof InvalidInputError && message.test(error.message),
      );
    });
  }

  it("refuse nesting beyond the depth limit", async () => {
    const { engram, agent, list } = await seeded();
    let deep: Record<string, unknown> = { kind: "note" };
    for (let i = 0; i < MAX_FILTER_DEPTH; i++) deep = { NOT: deep };
    assert.ok(Array.isArray(await list(deep)));
    await assert.rejects(
      engram.memories.list(agent.id, { filter: { NOT: deep } }),
      /filter(\.NOT)+: nested deeper than 8 levels/,
    );
    let huge: Record<string, unknown> = { kind: "note" };
    for (let i = 0; i < 10_000; i++) huge = { AND: [huge] };
    await assert.rejects(engram.memories.list(agent.id, { filter: huge }), /filter: nested deeper/);
  });
});
