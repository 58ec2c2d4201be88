import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Memory } from "../../core/types.ts";
import { createTestEngram } from "../../test/index.ts";
import { markOf } from "./memory-mark.ts";
import { validityNote } from "./validity-note.ts";

const NOW = "2026-06-01T00:00:00.000Z";

async function setup() {
  const engram = createTestEngram();
  const agent = await engram.agents.create({ name: "keyed" });
  const add = (text: string, validFrom: string, extra: Record<string, unknown> = {}) =>
    engram.memories.add(agent.id, { text, key: "user.city", userId: "ada", validFrom, ...extra });
  const get = (id: string) => engram.memories.get(agent.id, id);
  return { engram, agent, add, get };
}

/** Each fact's text, end and links, in the order given. */
const chain = (facts: readonly Memory[]) =>
  facts.map((m) => ({
    text: m.text,
    validTo: m.validTo,
    supersededBy: markOf(m).supersededBy ?? null,
    supersedes: markOf(m).supersedes ?? [],
    trueSince: markOf(m).trueSince ?? null,
  }));

describe("keyed facts said again", () => {
  it("show a value said again as true since it was first said, its start staying when it was said", async () => {
    const { add, get } = await setup();
    const first = await add("Ada lives in Berlin.", "2025-01-01T00:00:00Z");
    const again = await add("ada lives in  Berlin", "2025-03-01T00:00:00Z");
    const third = await add("Ada lives in Berlin", "2025-05-01T00:00:00Z");
    assert.equal(third.validFrom, "2025-05-01T00:00:00.000Z");
    assert.equal(markOf(again).trueSince, "2025-01-01T00:00:00.000Z");
    assert.equal(markOf(third).trueSince, "2025-01-01T00:00:00.000Z");
    assert.equal(validityNote(third, { now: NOW }), "since 2025-01-01");
    // The closed statements read as they were written: history and validAt are unchanged.
    assert.equal((await get(first.id)).validTo, "2025-03-01T00:00:00.000Z");
    assert.equal((await get(again.id)).validTo, "2025-05-01T00:00:00.000Z");
  });

  it("starts again when another value came between, and follows a value written late", async () => {
    const { add, get } = await setup();
    const berlin = await add("Ada lives in Berlin", "2025-01-01T00:00:00Z");
    const back = await add("Ada lives in Berlin", "2025-05-01T00:00:00Z");
    assert.equal(validityNote(back, { now: NOW }), "since 2025-01-01");
    // Lisbon, in March, written late: Berlin in May is a move back, true since May.
    const lisbon = await add("Ada lives in Lisbon", "2025-03-01T00:00:00Z");
    const facts = await Promise.all([berlin, lisbon, back].map((m) => get(m.id)));
    assert.deepEqual(
      facts.map((m) => [m.text, m.validTo, markOf(m).trueSince ?? null]),
      [
        ["Ada lives in Berlin", "2025-03-01T00:00:00.000Z", null],
        ["Ada lives in Lisbon", "2025-05-01T00:00:00.000Z", null],
        ["Ada lives in Berlin", null, null],
      ],
    );
    assert.equal(validityNote(facts[2] as Memory, { now: NOW }), "since 2025-05-01");
  });
});

describe("deleting a keyed fact", () => {
  it("makes the fact it closed current again, for its key and user alone", async () => {
    const { engram, agent, add, get } = await setup();
    const berlin = await add("Ada lives in Berlin", "2025-01-01T00:00:00Z");
    const other = await engram.memories.add(agent.id, {
      text: "Bo lives in Oslo",
      key: "user.city",
      userId: "bo",
      validFrom: "2025-02-01T00:00:00Z",
    });
    const lisbon = await add("Ada lives in Lisbon", "2025-09-01T00:00:00Z");
    await engram.memories.delete(agent.id, lisbon.id);
    const reopened = await get(berlin.id);
    assert.deepEqual(chain([reopened]), [
      { text: "Ada lives in Berlin", validTo: null, supersededBy: null, supersedes: [], trueSince: null },
    ]);
    assert.equal(reopened.version, 3);
    const history = await engram.memories.history(agent.id, berlin.id);
    assert.deepEqual(
      history.map((v) => [v.operation, v.memory.validTo]),
      [
        ["create", null],
        ["update", "2025-09-01T00:00:00.000Z"],
        ["update", null],
      ],
    );
    const found = await engram.search(agent.id, { query: "Ada lives", userId: "ada", recordAccess: false });
    assert.deepEqual(
      found.results.map((r) => r.text),
      ["Ada lives in Berlin"],
    );
    assert.equal((await get(other.id)).version, 1);
    // A new value closes it again, as any current fact.
    const porto = await add("Ada lives in Porto", "2025-10-01T00:00:00Z");
    assert.equal((await get(berlin.id)).validTo, "2025-10-01T00:00:00.000Z");
    assert.equal(markOf(await get(berlin.id)).supersededBy, porto.id);
  });

  it("in the middle of a chain joins the facts on either side", async () => {
    const { engram, agent, add, get } = await setup();
    const berlin = await add("Ada lives in Berlin", "2025-01-01T00:00:00Z");
    const lisbon = await add("Ada lives in Lisbon", "2025-03-01T00:00:00Z");
    const again = await add("Ada lives in Berlin", "2025-05-01T00:00:00Z");
    assert.equal(markOf(again).trueSince, undefined);
    await engram.memories.delete(agent.id, lisbon.id);
    const facts = await Promise.all([berlin, again].map((m) => get(m.id)));
    assert.deepEqual(chain(facts), [
      {
        text: "Ada lives in Berlin",
        validTo: "2025-05-01T00:00:00.000Z",
        supersededBy: again.id,
        supersedes: [],
        trueSince: null,
      },
      {
        text: "Ada lives in Berlin",
        validTo: null,
        supersededBy: null,
        supersedes: [berlin.id],
        trueSince: "2025-01-01T00:00:00.000Z",
      },
    ]);
    assert.equal(validityNote(facts[1] as Memory, { now: NOW }), "since 2025-01-01");
  });

  it("of the first statement leaves its successor without the link, and since when it was said", async () => {
    const { engram, agent, add, get } = await setup();
    const first = await add("Ada lives in Berlin", "2025-01-01T00:00:00Z");
    const again = await add("Ada lives in Berlin", "2025-05-01T00:00:00Z");
    await engram.memories.delete(agent.id, first.id);
    assert.deepEqual(chain([await get(again.id)]), [
      { text: "Ada lives in Berlin", validTo: null, supersededBy: null, supersedes: [], trueSince: null },
    ]);
  });

  it("leaves a fact closed by hand closed", async () => {
    const { engram, agent, add, get } = await setup();
    const berlin = await add("Ada lives in Berlin", "2025-01-01T00:00:00Z");
    const lisbon = await add("Ada lives in Lisbon", "2025-09-01T00:00:00Z");
    await engram.memories.update(agent.id, berlin.id, { validTo: "2025-08-01T00:00:00Z" });
    await engram.memories.delete(agent.id, lisbon.id);
    assert.equal((await get(berlin.id)).validTo, "2025-08-01T00:00:00.000Z");
  });
});

describe("deleting an archived keyed fact", () => {
  it("leaves one current fact when another value was written while it was archived", async () => {
    const { engram, agent, add, get } = await setup();
    const berlin = await add("Ada lives in Berlin", "2025-01-01T00:00:00Z");
    const lisbon = await add("Ada lives in Lisbon", "2025-03-01T00:00:00Z");
    await engram.memories.archive(agent.id, lisbon.id);
    const porto = await add("Ada lives in Porto", "2025-09-01T00:00:00Z");
    await engram.memories.delete(agent.id, lisbon.id);
    const facts = await Promise.all([berlin, porto].map((m) => get(m.id)));
    assert.deepEqual(chain(facts), [
      {
        text: "Ada lives in Berlin",
        validTo: "2025-09-01T00:00:00.000Z",
        supersededBy: porto.id,
        supersedes: [],
        trueSince: null,
      },
      {
        text: "Ada lives in Porto",
        validTo: null,
        supersededBy: null,
        supersedes: [berlin.id],
        trueSince: null,
      },
    ]);
    const found = await engram.search(agent.id, { query: "Ada lives", userId: "ada", recordAccess: false });
    assert.deepEqual(
      found.results.map((r) => r.text),
      ["Ada lives in Porto"],
    );
  });
});
