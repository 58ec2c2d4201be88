import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import { createTestEngram } from "../../test/index.ts";

describe("memories", () => {
  it("adds one and many, gets, lists newest first with a cursor", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const one = await engram.memories.add(agent.id, {
      text: "Ada prefers tea",
      kind: "fact",
      tags: ["prefs", "prefs"],
      importance: 0.8,
      userId: "ada",
      provenance: { externalIds: ["D1:3"] },
    });
    assert.match(one.id, /^mem_/);
    assert.deepEqual(one.tags, ["prefs"]);
    assert.deepEqual(one.provenance, { messageIds: [], externalIds: ["D1:3"] });
    const { value: batch } = await engram.memories.addMany(agent.id, [
      { text: "second" },
      { text: "third", kind: "note" },
    ]);
    assert.equal(batch.length, 2);
    assert.deepEqual(await engram.memories.get(agent.id, one.id), one);
    const page1 = await engram.memories.list(agent.id, { limit: 2 });
    assert.deepEqual(
      page1.items.map((m) => m.text),
      ["third", "second"],
    );
    const page2 = await engram.memories.list(agent.id, { limit: 2, cursor: page1.nextCursor ?? "" });
    assert.deepEqual(
      page2.items.map((m) => m.text),
      ["Ada prefers tea"],
    );
    const oldest = await engram.memories.list(agent.id, { limit: 2, oldestFirst: true });
    assert.deepEqual(
      oldest.items.map((m) => m.text),
      ["Ada prefers tea", "second"],
    );
    const rest = await engram.memories.list(agent.id, {
      limit: 2,
      oldestFirst: true,
      cursor: oldest.nextCursor ?? "",
    });
    assert.deepEqual([rest.items.map((m) => m.text), rest.nextCursor], [["third"], null]);
    assert.deepEqual(
      (await engram.memories.list(agent.id, { kinds: ["note"] })).items.map((m) => m.text),
      ["third"],
    );
    assert.deepEqual(
      (await engram.memories.list(agent.id, { tags: ["prefs"] })).items.map((m) => m.id),
      [one.id],
    );
  });

  it("indexes and graphs a large batch (analysed on the helper thread) as the same memories added one by one", async () => {
    const engram = createTestEngram();
    const [batched, single] = await Promise.all([
      engram.agents.create({ name: "batched" }),
      engram.agents.create({ name: "single" }),
    ]);
    const people = ["Ada Lovelace", "Bea Smith", "Carl Jung", "Dora Maar"];
    const places = ["Lisbon", "Oslo", "Kyoto", "Lima"];
    const texts = Array.from(
      { length: 40 },
      (_, i) =>
        `${people[i % 4]} moved to ${places[(i >> 2) % 4]} and likes ${["pottery", "camping", "chess"][i % 3]} (note ${i})`,
    );
    await engram.memories.addMany(
      batched.id,
      texts.map((text) => ({ text, tags: ["moves"] })),
    );
    for (const text of texts) await engram.memories.add(single.id, { text, tags: ["moves"] });
    const found = async (agentId: string, query: string) =>
      (await engram.search(agentId, { query, k: 50, recordAccess: false })).results.map((r) => r.text).sort();
    for (const query of ["pottery", "Kyoto camping", "moves", "note 17", "Lovelace"]) {
      const expected = await found(single.id, query);
      assert.ok(expected.length > 0, query);
      assert.deepEqual(await found(batched.id, query), expected, query);
    }
    const entities = async (agentId: string) =>
      (await engram.entities.list(agentId, { limit: 100 })).items.map((e) => [e.name, e.type, e.mentions]);
    assert.deepEqual(await entities(batched.id), await entities(single.id));
    assert.ok((await entities(batched.id)).some(([name]) => name === "Kyoto"));
  });

  it("keeps every version on update and records the deletion in history and events", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const memory = await engram.memories.add(agent.id, { text: "lives in Paris" });
    const { value: updated } = await engram.memories.update(agent.id, memory.id, {
      text: "lives in Lyon",
      expectedVersion: 1,
    });
    assert.equal(updated.version, 2);
    await assert.rejects(
      engram.memories.update(agent.id, memory.id, { text: "x", expectedVersion: 1 }),
      ConflictError,
    );
    await engram.memories.delete(agent.id, memory.id);
    await assert.rejects(engram.memories.get(agent.id, memory.id), NotFoundError);
    const history = await engram.memories.history(agent.id, memory.id);
    assert.deepEqual(
      history.map((v) => [v.version, v.operation, v.memory.text]),
      [
        [1, "create", "lives in Paris"],
        [2, "update", "lives in Lyon"],
        [3, "delete", "lives in Lyon"],
      ],
    );
    const kinds = (await engram.events.list({ agentId: agent.id })).items.map((e) => e.kind);
    assert.deepEqual(kinds.slice(-3), ["memory.created", "memory.updated", "memory.deleted"]);
    assert.equal((await engram.search(agent.id, { query: "Lyon" })).results.length, 0);
  });

  it("rejects bad memories naming the field, adding none of a batch", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await assert.rejects(engram.memories.add(agent.id, { text: "   " }), /text: must not be empty/);
    await assert.rejects(
      engram.memories.add(agent.id, { text: "x".repeat(8001) }),
      /text: must be at most 8000/,
    );
    await assert.rejects(engram.memories.add(agent.id, { text: "x", importance: 2 }), /importance/);
    await assert.rejects(engram.memories.add(agent.id, { text: "x", kind: "Not A Kind" }), /kind/);
    await assert.rejects(engram.memories.add(agent.id, { text: "x", validFrom: "yesterday" }), /validFrom/);
    await assert.rejects(
      engram.memories.add(agent.id, {
        text: "x",
        validFrom: "2025-01-02T00:00:00Z",
        validTo: "2025-01-01T00:00:00Z",
      }),
      /validTo: must not be before validFrom/,
    );
    await assert.rejects(
      engram.memories.addMany(agent.id, [{ text: "good" }, { text: "" }]),
      /memory 1: text/,
    );
    await assert.rejects(engram.memories.addMany(agent.id, []), InvalidInputError);
    await assert.rejects(engram.memories.add("agt_00000000000000000000000000", { text: "x" }), NotFoundError);
    await assert.rejects(engram.memories.update(agent.id, "mem_missing", { text: "x" }), NotFoundError);
    await assert.rejects(engram.memories.history(agent.id, "mem_missing"), NotFoundError);
    assert.equal((await engram.memories.list(agent.id)).items.length, 0);
  });

  it("takes null as not given for the fields a memory reads back as null, so a memory read can be sent back", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const read = await engram.memories.add(agent.id, { text: "Ada likes tea", createdAt: "2025-01-01" });
    const { text, kind, tags, importance, userId, validFrom, validTo, key, createdAt } = read;
    assert.deepEqual([userId, validTo, key], [null, null, null]);
    const again = await engram.memories.add(agent.id, {
      text,
      kind,
      tags,
      importance,
      userId,
      validTo,
      key,
      createdAt,
    });
    const absent = await engram.memories.add(agent.id, { text, createdAt });
    const nullStart = await engram.memories.add(agent.id, { text, validFrom: null, createdAt });
    const fields = ({ userId, validFrom, validTo, key }: typeof read) => ({
      userId,
      validFrom,
      validTo,
      key,
    });
    for (const memory of [again, absent, nullStart]) assert.deepEqual(fields(memory), fields(read));
    assert.equal(validFrom, "2025-01-01T00:00:00.000Z");
    // A field that never reads back as null still refuses it.
    await assert.rejects(
      engram.memories.add(agent.id, { text, kind: null as unknown as string }),
      /invalid memory: kind: /,
    );
    // In an update, null still clears: the start is no longer known.
    const { value: cleared } = await engram.memories.update(agent.id, read.id, { validFrom: null });
    assert.equal(cleared.validFrom, null);
  });

  it("keeps its place when the cursor's memory is deleted, and refuses a foreign cursor", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const { value } = await engram.memories.addMany(agent.id, [
      { text: "one" },
      { text: "two" },
      { text: "three" },
    ]);
    const first = await engram.memories.list(agent.id, { limit: 1 });
    assert.deepEqual(
      first.items.map((m) => m.text),
      ["three"],
    );
    await engram.memories.delete(agent.id, value[2]?.id ?? "");
    const next = await engram.memories.list(agent.id, { limit: 5, cursor: first.nextCursor ?? "" });
    assert.deepEqual(
      next.items.map((m) => m.text),
      ["two", "one"],
    );
    await assert.rejects(engram.memories.list(agent.id, { cursor: "garbage" }), /cursor/);
  });

  it("makes no new version for an empty update", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const memory = await engram.memories.add(agent.id, { text: "x" });
    const { value, changed } = await engram.memories.update(agent.id, memory.id, {});
    assert.deepEqual([value.version, changed], [1, false]);
    assert.equal((await engram.memories.history(agent.id, memory.id)).length, 1);
  });

  it("writes nothing for an update that gives every field its stored value, yet refuses a stale version", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const memory = await engram.memories.add(agent.id, {
      text: "Ada lives in Lisbon",
      kind: "fact",
      tags: ["home", "city"],
      importance: 0.7,
      validFrom: "2025-01-01",
      provenance: { externalIds: ["D1:2"] },
      metadata: { source: "chat", detail: { n: 1, list: [1, 2] } },
    });
    const events = async () => (await engram.events.list({ agentId: agent.id })).items.length;
    const before = await events();
    const restatements = [
      { text: "Ada lives in Lisbon" },
      { text: "  Ada lives in Lisbon  ", expectedVersion: 1 },
      {
        text: "Ada lives in Lisbon",
        kind: "fact",
        tags: ["home", "city", "home"],
        importance: 0.7,
        validFrom: "2025-01-01T01:00:00+01:00",
        validTo: null,
        provenance: { messageIds: [], externalIds: ["D1:2"] },
        metadata: { detail: { list: [1, 2], n: 1 }, source: "chat" },
      },
    ];
    for (const patch of restatements) {
      const result = await engram.memories.update(agent.id, memory.id, patch);
      assert.deepEqual(result, { value: memory, warnings: [], changed: false }, JSON.stringify(patch));
    }
    assert.deepEqual(await engram.memories.get(agent.id, memory.id), memory);
    assert.equal((await engram.memories.history(agent.id, memory.id)).length, 1);
    assert.equal(await events(), before);
    // Tags are compared as given: another order is a change, as is any other field.
    const reordered = await engram.memories.update(agent.id, memory.id, { tags: ["city", "home"] });
    assert.deepEqual([reordered.changed, reordered.value.version], [true, 2]);
    // A stale expectedVersion is refused even when the patch would change nothing.
    await assert.rejects(
      engram.memories.update(agent.id, memory.id, { text: "Ada lives in Lisbon", expectedVersion: 1 }),
      (e: unknown) => e instanceof ConflictError && /at version 2, not the expected 1/.test(e.message),
    );
    await assert.rejects(engram.memories.update(agent.id, memory.id, { expectedVersion: 1 }), ConflictError);
    const same = await engram.memories.update(agent.id, memory.id, {
      tags: ["city", "home"],
      expectedVersion: 2,
    });
    assert.deepEqual([same.changed, same.value.version], [false, 2]);
    assert.equal(await events(), before + 1);
  });

  it("never shows one agent's memories to another", async () => {
    const engram = createTestEngram();
    const a = await engram.agents.create({ name: "a" });
    const b = await engram.agents.create({ name: "b" });
    const secret = await engram.memories.add(a.id, { text: "the launch code is swordfish" });
    await assert.rejects(engram.memories.get(b.id, secret.id), NotFoundError);
    await assert.rejects(engram.memories.update(b.id, secret.id, { text: "x" }), NotFoundError);
    await assert.rejects(engram.memories.delete(b.id, secret.id), NotFoundError);
    await assert.rejects(engram.memories.history(b.id, secret.id), NotFoundError);
    assert.equal((await engram.search(b.id, { query: "launch code swordfish" })).results.length, 0);
    assert.equal((await engram.memories.list(b.id)).items.length, 0);
  });
});

describe("messages", () => {
  it("appends, lists with a cursor and filters by role and time", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.messages.appendMany(agent.id, [
      { role: "user", content: "hello", createdAt: "2025-01-01T10:00:00Z" },
      { role: "assistant", content: "hi there", createdAt: "2025-01-01T10:00:01Z" },
      { role: "user", content: "tell me about tea", createdAt: "2025-01-02T10:00:00Z" },
    ]);
    const first = await engram.messages.list(agent.id, { limit: 2 });
    assert.deepEqual(
      first.items.map((m) => m.content),
      ["hello", "hi there"],
    );
    const rest = await engram.messages.list(agent.id, { limit: 2, cursor: first.nextCursor ?? "" });
    assert.deepEqual(
      rest.items.map((m) => m.content),
      ["tell me about tea"],
    );
    assert.equal((await engram.messages.list(agent.id, { roles: ["assistant"] })).items.length, 1);
    assert.equal((await engram.messages.list(agent.id, { after: "2025-01-02T00:00:00Z" })).items.length, 1);
    assert.deepEqual(
      (await engram.messages.list(agent.id, { newestFirst: true, limit: 1 })).items.map((m) => m.content),
      ["tell me about tea"],
    );
    await assert.rejects(engram.messages.append(agent.id, { role: "robot" as "user", content: "x" }), /role/);
    await assert.rejects(
      engram.messages.append(agent.id, { role: "user", content: "" }),
      /content: must not be empty/,
    );
  });

  it("takes null as not given for the fields a message reads back as null", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const read = await engram.messages.append(agent.id, { role: "user", content: "hello" });
    assert.deepEqual([read.userId, read.name, read.sessionId], [null, null, null]);
    const { role, content, userId, name, sessionId } = read;
    const again = await engram.messages.append(agent.id, { role, content, userId, name, sessionId });
    assert.deepEqual([again.userId, again.name, again.sessionId], [null, null, null]);
    await assert.rejects(
      engram.messages.append(agent.id, { role, content: null as unknown as string }),
      /invalid message 0: content: /,
    );
  });

  it("searches the conversation by words, roles and dates", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.messages.appendMany(agent.id, [
      { role: "user", content: "I adopted a puppy named Rex", createdAt: "2025-03-01T10:00:00Z" },
      { role: "assistant", content: "Congratulations on the new dog!", createdAt: "2025-03-01T10:00:05Z" },
      { role: "user", content: "We went hiking in the Alps", createdAt: "2025-04-01T10:00:00Z" },
    ]);
    const found = await engram.search(agent.id, {
      query: "What is the puppy called?",
      sources: ["messages"],
    });
    assert.equal(found.results[0]?.text, "I adopted a puppy named Rex");
    assert.ok((found.results[0]?.components.bm25 ?? 0) > 0);
    const byRole = await engram.search(agent.id, {
      query: "puppy dog",
      sources: ["messages"],
      roles: ["assistant"],
    });
    assert.deepEqual(
      byRole.results.map((r) => r.message?.role),
      ["assistant"],
    );
    const byDate = await engram.search(agent.id, {
      query: "hiking puppy",
      sources: ["messages"],
      after: "2025-03-15T00:00:00Z",
    });
    assert.deepEqual(
      byDate.results.map((r) => r.text),
      ["We went hiking in the Alps"],
    );
  });
});
