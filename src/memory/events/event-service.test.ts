import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Engram } from "../../engram.ts";
import { createTestEngram } from "../../test/index.ts";

describe("events.list: kind patterns", () => {
  let engram: Engram;
  let agentId: string;

  before(async () => {
    engram = createTestEngram();
    agentId = (await engram.agents.create({ name: "helper" })).id;
    const memory = await engram.memories.add(agentId, { text: "Ada likes tea" });
    await engram.blocks.set(agentId, "persona", "Terse.");
    await engram.memories.archive(agentId, memory.id);
  });
  after(() => engram.close());

  const kinds = async (kind: string) =>
    (await engram.events.list({ agentId, kind })).items.map((event) => event.kind);

  it("lists a family's events for memory.*, as following the log does", async () => {
    assert.deepEqual(await kinds("memory.*"), ["memory.created", "memory.archived"]);
    assert.deepEqual(await kinds("memory.archived"), ["memory.archived"]);
    const all = (await engram.events.list({ agentId })).items.map((event) => event.kind);
    assert.deepEqual(await kinds("*"), all);
    assert.ok(all.includes("blocks.committed"));
  });

  it("pages through a family, newest first too", async () => {
    const first = await engram.events.list({ agentId, kind: "memory.*", limit: 1, newestFirst: true });
    assert.deepEqual(
      first.items.map((event) => event.kind),
      ["memory.archived"],
    );
    const rest = await engram.events.list({
      agentId,
      kind: "memory.*",
      newestFirst: true,
      cursor: first.nextCursor ?? undefined,
    });
    assert.deepEqual(
      rest.items.map((event) => event.kind),
      ["memory.created"],
    );
  });

  it("refuses a kind that is none, naming the field and the kinds it may mean", async () => {
    await assert.rejects(engram.events.list({ agentId, kind: "nosuch.kind" }), {
      code: "invalid_input",
      message: /^invalid event list: kind: "nosuch.kind" is not an event kind: .*memory\.\*/,
    });
    await assert.rejects(engram.events.list({ agentId, kind: "memory.create" }), {
      message: /did you mean memory\.created\?.*the memory kinds are memory\.created, memory\.updated/,
    });
    await assert.rejects(engram.events.follow({ agentId, kinds: ["memory.*", "bogus"] }), {
      code: "invalid_input",
      message: /^invalid event follow: kinds: 1: "bogus" is not an event kind/,
    });
  });

  it("refuses a webhook for a kind that is none, writing nothing", async () => {
    const end = await engram.events.list({ newestFirst: true, limit: 1 });
    const url = "https://hooks.example.com/engram";
    await assert.rejects(engram.webhooks.create({ url, events: ["memory.*", "nosuch.kind"] }), {
      code: "invalid_input",
      message: /^invalid webhook: events: 1: "nosuch.kind" is not an event kind/,
    });
    assert.deepEqual((await engram.webhooks.list()).items, []);
    assert.deepEqual(await engram.events.list({ newestFirst: true, limit: 1 }), end);
    const hook = await engram.webhooks.create({ url, events: ["memory.*"] });
    await assert.rejects(engram.webhooks.update(hook.id, { events: ["memory.nope"] }), {
      message: /^invalid webhook update: events: 0: "memory.nope" is not an event kind/,
    });
    assert.deepEqual((await engram.webhooks.get(hook.id)).events, ["memory.*"]);
  });
});
