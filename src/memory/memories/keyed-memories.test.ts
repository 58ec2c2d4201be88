import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../../test/index.ts";
import { markOf } from "./memory-mark.ts";

async function setup() {
  const engram = createTestEngram();
  const agent = await engram.agents.create({ name: "keyed" });
  return { engram, agent };
}

describe("keyed facts", () => {
  it("keeps a closed fact's text searchable for history; an edit of tags alone re-indexes them", async () => {
    const { engram, agent } = await setup();
    const berlin = await engram.memories.add(agent.id, {
      text: "Ada lives in Berlin",
      key: "user.city",
      tags: ["home"],
    });
    await engram.memories.add(agent.id, { text: "Ada lives in Lisbon", key: "user.city" });
    const found = async (query: string, options: { includeSuperseded?: boolean } = {}) =>
      (await engram.search(agent.id, { query, recordAccess: false, ...options })).results.map((r) => r.id);
    assert.deepEqual(await found("Berlin"), []);
    assert.deepEqual(await found("Berlin", { includeSuperseded: true }), [berlin.id]);
    assert.deepEqual(await found("home", { includeSuperseded: true }), [berlin.id]);
    await engram.memories.update(agent.id, berlin.id, { tags: ["old-flat"] });
    assert.deepEqual(await found("home", { includeSuperseded: true }), []);
    assert.deepEqual(await found("flat", { includeSuperseded: true }), [berlin.id]);
    await engram.memories.archive(agent.id, berlin.id);
    assert.deepEqual(await found("Berlin", { includeSuperseded: true }), []);
    await engram.memories.restore(agent.id, berlin.id);
    assert.deepEqual(await found("Berlin", { includeSuperseded: true }), [berlin.id]);
  });

  it("closes the open fact of the same key and user when a newer one is written", async () => {
    const { engram, agent } = await setup();
    const berlin = await engram.memories.add(agent.id, {
      text: "Ada lives in Berlin",
      key: "user.city",
      userId: "ada",
      validFrom: "2025-01-01T00:00:00Z",
    });
    const lisbon = await engram.memories.add(agent.id, {
      text: "Ada lives in Lisbon",
      key: "user.city",
      userId: "ada",
      validFrom: "2025-09-01T00:00:00Z",
    });
    const closed = await engram.memories.get(agent.id, berlin.id);
    assert.equal(closed.validTo, "2025-09-01T00:00:00.000Z");
    assert.equal(closed.version, 2);
    assert.equal(markOf(closed).supersededBy, lisbon.id);
    assert.deepEqual(markOf(lisbon).supersedes, [berlin.id]);
    assert.equal(lisbon.validTo, null);
    const history = await engram.memories.history(agent.id, berlin.id);
    assert.deepEqual(
      history.map((v) => [v.operation, v.memory.validTo]),
      [
        ["create", null],
        ["update", "2025-09-01T00:00:00.000Z"],
      ],
    );
    const events = await engram.events.list({ agentId: agent.id, limit: 100 });
    assert.deepEqual(
      events.items.filter((e) => e.targetId === berlin.id).map((e) => e.kind),
      ["memory.created", "memory.updated"],
    );

    const search = async (input: Record<string, unknown>) =>
      (await engram.search(agent.id, { query: "Ada lives", userId: "ada", ...input })).results
        .map((r) => r.text)
        .sort();
    assert.deepEqual(await search({}), ["Ada lives in Lisbon"]);
    assert.deepEqual(await search({ validAt: "2025-05-01T00:00:00Z" }), ["Ada lives in Berlin"]);
    assert.deepEqual(await search({ includeSuperseded: true }), [
      "Ada lives in Berlin",
      "Ada lives in Lisbon",
    ]);
  });

  it("keeps keys apart by user, and by key", async () => {
    const { engram, agent } = await setup();
    const ada = await engram.memories.add(agent.id, { text: "Paris", key: "user.city", userId: "ada" });
    const bob = await engram.memories.add(agent.id, { text: "Rome", key: "user.city", userId: "bob" });
    const own = await engram.memories.add(agent.id, { text: "Oslo", key: "user.city" });
    const job = await engram.memories.add(agent.id, { text: "ACME", key: "user.employer", userId: "ada" });
    for (const memory of [ada, bob, own, job])
      assert.equal((await engram.memories.get(agent.id, memory.id)).validTo, null);
    await engram.memories.add(agent.id, { text: "Madrid", key: "user.city", userId: "ada" });
    assert.notEqual((await engram.memories.get(agent.id, ada.id)).validTo, null);
    for (const memory of [bob, own, job])
      assert.equal((await engram.memories.get(agent.id, memory.id)).validTo, null);
  });

  it("records an older fact written late as history, closed by the current one", async () => {
    const { engram, agent } = await setup();
    const now = await engram.memories.add(agent.id, {
      text: "works at Initech",
      key: "user.employer",
      validFrom: "2025-06-01T00:00:00Z",
    });
    const before = await engram.memories.add(agent.id, {
      text: "works at Globex",
      key: "user.employer",
      validFrom: "2024-01-01T00:00:00Z",
    });
    assert.equal(before.validTo, "2025-06-01T00:00:00.000Z");
    assert.equal(markOf(before).supersededBy, now.id);
    assert.equal((await engram.memories.get(agent.id, now.id)).validTo, null);
  });

  it("fits a fact written late between the closed facts it falls within", async () => {
    const { engram, agent } = await setup();
    const fact = (text: string, day: string) =>
      engram.memories.add(agent.id, { text, key: "user.city", validFrom: `2025-${day}T00:00:00Z` });
    const a = await fact("lives in Accra", "01-01");
    const c = await fact("lives in Cairo", "09-01");
    const b = await fact("lives in Bamako", "05-01");
    const get = (id: string) => engram.memories.get(agent.id, id);
    assert.equal((await get(a.id)).validTo, "2025-05-01T00:00:00.000Z");
    assert.equal(markOf(await get(a.id)).supersededBy, b.id);
    assert.equal(b.validTo, "2025-09-01T00:00:00.000Z");
    assert.equal((await get(c.id)).validTo, null);
    const at = async (validAt: string) =>
      (await engram.search(agent.id, { query: "lives", validAt })).results.map((r) => r.text);
    assert.deepEqual(await at("2025-03-01T00:00:00Z"), ["lives in Accra"]);
    assert.deepEqual(await at("2025-06-01T00:00:00Z"), ["lives in Bamako"]);
    assert.deepEqual(await at("2025-10-01T00:00:00Z"), ["lives in Cairo"]);
  });

  it("chains the facts of one key within a batch", async () => {
    const { engram, agent } = await setup();
    const { value } = await engram.memories.addMany(agent.id, [
      { text: "likes jazz", key: "user.music", validFrom: "2025-03-01T00:00:00Z" },
      { text: "likes rock", key: "user.music", validFrom: "2025-01-01T00:00:00Z" },
      { text: "likes folk", key: "user.music", validFrom: "2025-05-01T00:00:00Z" },
    ]);
    assert.deepEqual(
      value.map((m) => m.validTo),
      ["2025-05-01T00:00:00.000Z", "2025-03-01T00:00:00.000Z", null],
    );
    const open = await engram.search(agent.id, { query: "likes" });
    assert.deepEqual(
      open.results.map((r) => r.text),
      ["likes folk"],
    );
  });

  it("leaves one open fact when writes of a key race", async () => {
    const { engram, agent } = await setup();
    await Promise.all(
      ["Lima", "Quito", "Bogota", "Caracas"].map((city) =>
        engram.memories.add(agent.id, { text: `lives in ${city}`, key: "user.city", userId: "ada" }),
      ),
    );
    const all = await engram.memories.list(agent.id, { userId: "ada", limit: 10 });
    assert.equal(all.items.length, 4);
    assert.equal(all.items.filter((m) => m.validTo === null).length, 1);
  });

  it("lets batches that share keys, in opposite orders, race: one open fact a key", async () => {
    const { engram, agent } = await setup();
    const users = ["ada", "bob", "cleo", "dan"];
    const batch = (city: string, order: string[]) =>
      engram.memories.addMany(
        agent.id,
        order.map((userId) => ({ text: `${userId} lives in ${city}`, key: "user.city", userId })),
      );
    for (let round = 0; round < 5; round++)
      await Promise.all([batch(`Lima${round}`, users), batch(`Oslo${round}`, [...users].reverse())]);
    for (const userId of users) {
      const facts = (await engram.memories.list(agent.id, { userId, limit: 20 })).items;
      assert.equal(facts.length, 10);
      assert.equal(facts.filter((m) => m.validTo === null).length, 1, userId);
    }
  });

  it("refuses a key of the wrong shape and a validity that ends before it starts, writing nothing", async () => {
    const { engram, agent } = await setup();
    for (const key of ["User.City", "user city", "user..city", ".city", "city.", "1user", ""]) {
      await assert.rejects(
        engram.memories.add(agent.id, { text: "x", key }),
        (error: Error) => /key: must be lower-case dotted segments/.test(error.message),
        key,
      );
    }
    await assert.rejects(
      engram.memories.add(agent.id, {
        text: "x",
        key: "user.city",
        validFrom: "2025-02-01T00:00:00Z",
        validTo: "2025-01-01T00:00:00Z",
      }),
      /validTo: must not be before validFrom/,
    );
    await assert.rejects(engram.search(agent.id, { query: "x", validAt: "yesterday" }), /validAt/);
    await assert.rejects(
      engram.search(agent.id, { query: "x", validAt: "2025-01-01T00:00:00Z", includeSuperseded: true }),
      /includeSuperseded: .*give one or the other/,
    );
    assert.equal((await engram.memories.list(agent.id)).items.length, 0);
  });

  it("gives every new memory a validFrom: the time given, else its creation time", async () => {
    const { engram, agent } = await setup();
    const plain = await engram.memories.add(agent.id, { text: "plain" });
    assert.equal(plain.validFrom, plain.createdAt);
    const backfilled = await engram.memories.add(agent.id, {
      text: "old",
      createdAt: "2020-05-05T00:00:00Z",
    });
    assert.equal(backfilled.validFrom, "2020-05-05T00:00:00.000Z");
    // Drawn from a conversation: true from when the latest of its messages was sent.
    const said = await engram.messages.append(agent.id, {
      role: "user",
      content: "I moved to Lisbon",
      createdAt: "2024-03-03T10:00:00Z",
    });
    const drawn = await engram.memories.add(agent.id, {
      text: "lives in Lisbon",
      provenance: { messageIds: [said.id] },
    });
    assert.equal(drawn.validFrom, "2024-03-03T10:00:00.000Z");
    assert.notEqual(drawn.createdAt, drawn.validFrom);
    const endedBefore = await engram.memories.add(agent.id, {
      text: "lived in Porto",
      provenance: { messageIds: [said.id] },
      validTo: "2024-01-01T00:00:00Z",
    });
    assert.equal(endedBefore.validFrom, null);
    // A fact said to have ended before it was written has no known start.
    const ended = await engram.memories.add(agent.id, { text: "ended", validTo: "2019-01-01T00:00:00Z" });
    assert.equal(ended.validFrom, null);
  });

  it("keeps one open fact a key: reopening or restoring a second is refused, changing nothing", async () => {
    const { engram, agent } = await setup();
    const fact = (text: string, validFrom: string) =>
      engram.memories.add(agent.id, { text, key: "user.city", userId: "ada", validFrom });
    const berlin = await fact("Ada lives in Berlin", "2025-01-01T00:00:00Z");
    const lisbon = await fact("Ada lives in Lisbon", "2025-09-01T00:00:00Z");
    const closed = await engram.memories.get(agent.id, berlin.id);
    const events = async () => (await engram.events.list({ agentId: agent.id, limit: 100 })).items.length;
    const eventsBefore = await events();
    await assert.rejects(engram.memories.update(agent.id, berlin.id, { validTo: null }), {
      name: "ConflictError",
      message: new RegExp(
        `^invalid memory update: validTo: memory ${berlin.id} cannot be open while memory ${lisbon.id} ` +
          "of key user.city \\(user ada\\), true since 2025-09-01T00:00:00.000Z, is: a key has one open fact",
      ),
    });
    assert.deepEqual(await engram.memories.get(agent.id, berlin.id), closed);
    assert.equal(await events(), eventsBefore);
    const now = async () =>
      (await engram.search(agent.id, { query: "lives", userId: "ada", recordAccess: false })).results.map(
        (r) => r.id,
      );
    assert.deepEqual(await now(), [lisbon.id]);

    // An open fact archived, then another written: bringing the first back would make two.
    const porto = await engram.memories.add(agent.id, {
      text: "Ada works in Porto",
      key: "user.job",
      userId: "ada",
    });
    await engram.memories.archive(agent.id, porto.id);
    const faro = await engram.memories.add(agent.id, {
      text: "Ada works in Faro",
      key: "user.job",
      userId: "ada",
    });
    await assert.rejects(engram.memories.restore(agent.id, porto.id), {
      name: "ConflictError",
      message: new RegExp(
        `^invalid memory restore: memory ${porto.id} cannot come back open while memory ${faro.id} `,
      ),
    });
    assert.notEqual((await engram.memories.get(agent.id, porto.id)).archivedAt, null);

    // Once the open one is closed, the older can be open again, and is no longer marked superseded.
    await engram.memories.update(agent.id, lisbon.id, { validTo: "2025-12-01T00:00:00Z" });
    const reopened = (await engram.memories.update(agent.id, berlin.id, { validTo: null })).value;
    assert.equal(reopened.validTo, null);
    assert.equal(markOf(reopened).supersededBy, undefined);
    assert.deepEqual(await now(), [berlin.id]);
    // Another user's open fact of the key, and an unkeyed fact, are no obstacle.
    const other = await engram.memories.add(agent.id, {
      text: "Bo lives in Rome",
      key: "user.city",
      userId: "bo",
    });
    await engram.memories.update(agent.id, other.id, { validTo: "2026-02-01T00:00:00Z" });
    assert.equal((await engram.memories.update(agent.id, other.id, { validTo: null })).value.validTo, null);
  });
});
