import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { call, failure, state, useMcpTestbed } from "./test-support.ts";

const t = useMcpTestbed();

describe("memory and conversation tools", () => {
  it("inserts keyed facts that close the one they replace; search shows history only when asked", async () => {
    const agent = await t.engram.agents.create({ name: "keeper" });
    const client = await t.connect("keeper");
    const first = await call(client, "memory_insert", {
      text: "Ada lives in Berlin",
      key: "user.city",
      userId: "ada",
      validFrom: "2025-01-01T00:00:00Z",
    });
    assert.equal(first.memory.key, "user.city");
    await call(client, "memory_insert", { text: "Ada lives in Lisbon", key: "user.city", userId: "ada" });
    const texts = async (args: Record<string, unknown>) =>
      (await call(client, "memory_search", { query: "Ada lives", userId: "ada", ...args })).results
        .map((r: { text: string }) => r.text)
        .sort();
    assert.deepEqual(await texts({}), ["Ada lives in Lisbon"]);
    assert.deepEqual(await texts({ includeSuperseded: true }), [
      "Ada lives in Berlin",
      "Ada lives in Lisbon",
    ]);
    assert.deepEqual(await texts({ validAt: "2025-02-01T00:00:00Z" }), ["Ada lives in Berlin"]);
    // A fact no longer true says so in words, with what replaced it.
    const history = await call(client, "memory_search", {
      query: "Ada lives",
      userId: "ada",
      includeSuperseded: true,
    });
    const berlin = history.results.find((r: { text: string }) => r.text === "Ada lives in Berlin");
    assert.match(
      berlin.validity,
      /^valid 2025-01-01 to \d{4}-\d\d-\d\d, no longer true, superseded by mem_\w+$/,
    );
    const before = await state(t.engram, agent.id);
    assert.match(await failure(client, "memory_insert", { text: "x", key: "User City" }), /key/);
    assert.match(await failure(client, "memory_search", { query: "x", validAt: "soon" }), /validAt/);
    assert.deepEqual(await state(t.engram, agent.id), before);
  });

  it("says whether a fact is true yet, or still, by the engine's clock rather than the wall clock", async () => {
    // An engine whose present is 2020 and one whose present is 2100: the wall clock is neither.
    for (const [year, expected] of [
      [2020, { began: "valid from 2023-05-01, not yet true", ended: "valid 2019-01-01 to 2090-01-01" }],
      [2100, { began: "since 2023-05-01", ended: "valid 2019-01-01 to 2090-01-01, no longer true" }],
    ] as const) {
      const engram = createTestEngram({ start: Date.UTC(year, 0, 1) });
      try {
        await engram.agents.create({ name: "clocked" });
        const client = await t.connect("clocked", { engram });
        await call(client, "memory_insert", { text: "Ada lives in Porto", validFrom: "2023-05-01" });
        await call(client, "memory_insert", {
          text: "Ada works at Initech",
          validFrom: "2019-01-01",
          validTo: "2090-01-01",
        });
        const found = await call(client, "memory_search", { query: "Ada", includeSuperseded: true });
        const note = (text: string) =>
          found.results.find((r: { text: string }) => r.text === text)?.validity ?? "";
        assert.equal(note("Ada lives in Porto"), expected.began, `${year}: Porto`);
        assert.equal(note("Ada works at Initech"), expected.ended, `${year}: Initech`);
      } finally {
        await engram.close();
      }
    }
  });

  it("judges validity at the validAt searched at, else at the engine's now", async () => {
    const engram = createTestEngram({ start: Date.UTC(2026, 5, 1) });
    try {
      await engram.agents.create({ name: "dated" });
      const client = await t.connect("dated", { engram });
      const insert = (text: string, validFrom: string) =>
        call(client, "memory_insert", { text, key: "user.city", userId: "ada", validFrom });
      await call(client, "memory_insert", {
        text: "Ada moves to Tokyo",
        userId: "ada",
        validFrom: "2030-01-01",
      });
      await insert("Ada lives in Berlin", "2025-01-01");
      await insert("Ada lives in Berlin", "2025-05-01");
      await insert("Ada lives in Lisbon", "2026-01-01");
      const notes = async (args: Record<string, unknown>) =>
        (await call(client, "memory_search", { query: "Ada", userId: "ada", ...args })).results
          .map((r: { text: string; validity?: string }) => `${r.text}: ${r.validity ?? ""}`)
          .sort();
      const history = await notes({ includeSuperseded: true });
      assert.ok(
        history.includes("Ada moves to Tokyo: valid from 2030-01-01, not yet true"),
        history.join("\n"),
      );
      assert.deepEqual(await notes({ validAt: "2031-01-01" }), [
        "Ada lives in Lisbon: since 2026-01-01, true on 2031-01-01",
        "Ada moves to Tokyo: since 2030-01-01, true on 2031-01-01",
      ]);
      // The restatement of May is true since January: at June 2025 it held, whatever it is now.
      const june = await notes({ validAt: "2025-06-01" });
      assert.equal(june.length, 1, june.join("\n"));
      assert.match(
        june[0],
        /^Ada lives in Berlin: valid 2025-01-01 to 2026-01-01, true on 2025-06-01, superseded by mem_\w+$/,
      );
      assert.ok(
        history.some((n: string) =>
          /^Ada lives in Berlin: valid 2025-01-01 to 2026-01-01, no longer true, superseded by mem_\w+$/.test(
            n,
          ),
        ),
        history.join("\n"),
      );
    } finally {
      await engram.close();
    }
  });

  it("inserts memories as the agent and finds them again by search, with filters", async () => {
    const agent = await t.engram.agents.create({ name: "helper" });
    const client = await t.connect("helper");
    const inserted = await call(client, "memory_insert", {
      text: "Ada's company renews its contract every March",
      kind: "fact",
      tags: ["billing"],
      importance: 0.8,
      userId: "ada",
    });
    assert.match(inserted.memory.id, /^mem_/);
    await call(client, "memory_insert", {
      text: "Bob's company renews its contract every June",
      userId: "bob",
    });
    await call(client, "memory_insert", {
      text: "The contract renewal form lives on the wiki",
      kind: "note",
    });

    const found = await call(client, "memory_search", {
      query: "when does the contract renew?",
      userId: "ada",
    });
    const texts = found.results.map((r: { text: string }) => r.text);
    assert.equal(texts[0], "Ada's company renews its contract every March");
    assert.ok(!texts.some((t: string) => t.startsWith("Bob")), "another user's memory must not show");
    assert.ok(found.results[0].score > 0);
    const notes = await call(client, "memory_search", { query: "contract", kinds: ["note"] });
    assert.deepEqual(
      notes.results.map((r: { kind: string }) => r.kind),
      ["note"],
    );
    const tagged = await call(client, "memory_search", { query: "contract", tags: ["billing"], limit: 1 });
    assert.equal(tagged.results.length, 1);
    assert.equal(tagged.results[0].id, inserted.memory.id);

    const created = (await t.engram.events.list({ agentId: agent.id, kind: "memory.created" })).items;
    assert.deepEqual(
      created.map((e) => e.actor),
      ["agent", "agent", "agent"],
    );
    const before = await state(t.engram, agent.id);
    assert.match(await failure(client, "memory_insert", { text: "  " }), /text/);
    assert.match(await failure(client, "memory_insert", { text: "x", importance: 2 }), /importance/);
    assert.match(await failure(client, "memory_insert", { text: "x", kind: "Big Kind" }), /kind/);
    assert.match(
      await failure(client, "memory_insert", { text: 42 }),
      /expected string, received number at text/,
    );
    assert.match(await failure(client, "memory_search", {}), /query/);
    assert.deepEqual(await state(t.engram, agent.id), before);
  });

  it("writes project memory when the agent may, finds it from every agent of the project and no other", async () => {
    const acme = await t.engram.projects.create({ name: "acme" });
    const other = await t.engram.projects.create({ name: "other" });
    const inAcme = t.engram.forProject(acme.id);
    const writer = await inAcme.agents.create({ name: "writer", metadata: { projectMemory: "write" } });
    const reader = await inAcme.agents.create({ name: "reader" });
    const stranger = await t.engram.forProject(other.id).agents.create({ name: "stranger" });
    const asWriter = await t.connect("writer", { engram: inAcme });
    const inserted = await call(asWriter, "memory_insert", {
      text: "Deploys freeze on Fridays",
      scope: "project",
    });
    assert.equal(inserted.memory.scope, "project");
    const asReader = await t.connect("reader", { engram: inAcme });
    const found = await call(asReader, "memory_search", { query: "deploys freeze" });
    assert.deepEqual(
      found.results.map((r: { id: string; scope: string; writtenBy: string }) => [
        r.id,
        r.scope,
        r.writtenBy,
      ]),
      [[inserted.memory.id, "project", writer.id]],
    );
    // The reader may not write project memory: refused, nothing written.
    const before = await state(t.engram, reader.id);
    assert.match(
      await failure(asReader, "memory_insert", { text: "A rumour", scope: "project" }),
      /may not write project memory/,
    );
    assert.deepEqual(await state(t.engram, reader.id), before);
    const foreign = await t.connect("stranger", { engram: t.engram.forProject(other.id) });
    assert.deepEqual((await call(foreign, "memory_search", { query: "deploys freeze" })).results, []);
    assert.match(
      await failure(foreign, "memory_search", { query: "deploys", agent: reader.id }),
      /not found/,
    );
    assert.equal(stranger.projectId, other.id);
  });

  it("logs messages and searches the conversation", async () => {
    const agent = await t.engram.agents.create({ name: "helper" });
    const client = await t.connect("helper");
    await call(client, "message_append", {
      role: "user",
      content: "Can I move to annual billing?",
      name: "Ada",
    });
    await call(client, "message_append", { role: "assistant", content: "Yes, from the next renewal." });
    await t.engram.messages.append(agent.id, { role: "user", content: "What colour is the logo?" });
    const found = await call(client, "conversation_search", { query: "annual billing" });
    assert.equal(found.results[0].content, "Can I move to annual billing?");
    assert.equal(found.results[0].name, "Ada");
    const assistant = await call(client, "conversation_search", { query: "renewal", roles: ["assistant"] });
    assert.deepEqual(
      assistant.results.map((r: { role: string }) => r.role),
      ["assistant"],
    );
    assert.match(await failure(client, "message_append", { role: "robot", content: "hi" }), /role/);
    assert.equal((await t.engram.messages.list(agent.id)).items.length, 3);
  });
});
