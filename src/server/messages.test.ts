import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { refuses, testApp } from "./test-support.ts";

const MISSING_AGENT = "agt_00000000000000000000000000";

function setup() {
  return testApp({ engram: createTestEngram() });
}

describe("messages", () => {
  test("append one, append a batch, list in order and filtered, page", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/messages`;

    const one = await t.post(base, {
      role: "user",
      content: "Hello, I am Ada",
      name: "Ada",
      userId: "ada",
      createdAt: "2025-01-01T10:00:00Z",
      metadata: { channel: "web" },
    });
    assert.equal(one.status, 201, JSON.stringify(one.body));
    assert.match(one.body.id, /^msg_/);
    assert.equal(one.body.agentId, agent.id);
    assert.equal(one.body.role, "user");
    assert.equal(one.body.name, "Ada");
    assert.equal(one.body.userId, "ada");
    assert.equal(one.body.content, "Hello, I am Ada");
    assert.equal(one.body.createdAt, "2025-01-01T10:00:00.000Z");
    assert.deepEqual(one.body.metadata, { channel: "web" });
    assert.deepEqual(one.body.provenance, { messageIds: [], externalIds: [] });

    const batch = await t.post(base, {
      messages: [
        {
          role: "assistant",
          content: "Hi Ada, how can I help?",
          userId: "ada",
          createdAt: "2025-01-01T10:00:01Z",
        },
        { role: "user", content: "I am Bob", userId: "bob", createdAt: "2025-01-02T10:00:00Z" },
        { role: "tool", content: "lookup: ok", createdAt: "2025-01-03T10:00:00Z" },
      ],
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    assert.deepEqual(Object.keys(batch.body), ["messages"]);
    assert.deepEqual(
      batch.body.messages.map((m: { role: string }) => m.role),
      ["assistant", "user", "tool"],
    );

    const contents = async (query: string) => {
      const reply = await t.get(`${base}?${query}`);
      assert.equal(reply.status, 200, `${query}: ${JSON.stringify(reply.body)}`);
      return reply.body.items.map((m: { content: string }) => m.content);
    };
    const all = ["Hello, I am Ada", "Hi Ada, how can I help?", "I am Bob", "lookup: ok"];
    assert.deepEqual(await contents(""), all);
    assert.deepEqual(await contents("order=asc"), all);
    assert.deepEqual(await contents("order=desc"), [...all].reverse());
    assert.deepEqual(await contents("userId=ada"), all.slice(0, 2));
    assert.deepEqual(await contents("role=user"), ["Hello, I am Ada", "I am Bob"]);
    assert.deepEqual(await contents("role=user,tool"), ["Hello, I am Ada", "I am Bob", "lookup: ok"]);
    assert.deepEqual(await contents("role=assistant&role=tool"), ["Hi Ada, how can I help?", "lookup: ok"]);
    assert.deepEqual(await contents("after=2025-01-01T10:00:01.000Z&before=2025-01-03T10:00:00.000Z"), [
      "Hi Ada, how can I help?",
      "I am Bob",
    ]);

    const first = await t.get(`${base}?limit=3`);
    assert.equal(first.body.items.length, 3);
    assert.equal(typeof first.body.nextCursor, "string");
    const second = await t.get(`${base}?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    assert.deepEqual(
      second.body.items.map((m: { content: string }) => m.content),
      ["lookup: ok"],
    );
    assert.equal(second.body.nextCursor, null);
    const newest = await t.get(`${base}?limit=2&order=desc`);
    const older = await t.get(
      `${base}?limit=2&order=desc&cursor=${encodeURIComponent(newest.body.nextCursor)}`,
    );
    assert.deepEqual(
      older.body.items.map((m: { content: string }) => m.content),
      ["Hi Ada, how can I help?", "Hello, I am Ada"],
    );

    assert.equal((await t.get(`/v1/agents/helper/messages`)).body.items.length, 4);
  });

  test("list by session: only that conversation's messages; a too long session id is 400", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/messages`;
    await t.post(base, {
      messages: [
        { role: "user", content: "first thread", sessionId: "s1" },
        { role: "user", content: "second thread", sessionId: "s2" },
        { role: "assistant", content: "still first", sessionId: "s1" },
        { role: "user", content: "no thread" },
      ],
    });
    const s1 = await t.get(`${base}?sessionId=s1`);
    assert.deepEqual(
      s1.body.items.map((m: { content: string }) => m.content),
      ["first thread", "still first"],
    );
    const bad = await t.get(`${base}?sessionId=${"x".repeat(201)}`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /sessionId/);
  });

  test("message search covers messages only, with score components and filters", async () => {
    const t = setup();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/memories`, { text: "Ada likes the violin" });
    await t.post(`/v1/agents/${agent.id}/messages`, {
      messages: [
        { role: "user", content: "I started violin lessons", userId: "ada" },
        { role: "assistant", content: "Violin is a lovely instrument", userId: "ada" },
        { role: "user", content: "My violin teacher is strict", userId: "bob" },
        { role: "user", content: "What is the weather like?", userId: "ada" },
      ],
    });
    const search = async (body: Record<string, unknown>) => {
      const reply = await t.post(`/v1/agents/${agent.id}/messages/search`, body);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body;
    };

    const found = await search({ query: "violin" });
    assert.ok(found.results.length >= 3);
    assert.ok(found.results.every((r: { source: string }) => r.source === "message"));
    const top = found.results[0];
    assert.equal(top.message.id, top.id);
    assert.equal(top.memory, undefined);
    assert.equal(typeof top.components.bm25, "number");
    assert.equal(top.components.lexicalRank, 1);
    assert.equal(top.components.importance, 0);

    const onlyAda = await search({ query: "violin", userId: "ada" });
    // Bob's message about his violin teacher is left out. Ada's about the weather is found through
    // the neighbouring text it is indexed with (which is Bob's message), but only hers are shown.
    assert.deepEqual(onlyAda.results.map((r: { message: { content: string } }) => r.message.content).sort(), [
      "I started violin lessons",
      "Violin is a lovely instrument",
      "What is the weather like?",
    ]);
    assert.ok(onlyAda.results.every((r: { message: { userId: string } }) => r.message.userId === "ada"));
    const assistant = await search({ query: "violin", roles: ["assistant"] });
    assert.deepEqual(
      assistant.results.map((r: { message: { content: string } }) => r.message.content),
      ["Violin is a lovely instrument"],
    );
    assert.ok((await search({ query: "violin", k: 1 })).results.length <= 1);
    assert.deepEqual((await search({ query: "violin", after: "2999-01-01T00:00:00.000Z" })).results, []);
    assert.deepEqual((await search({ query: "violin", before: "2000-01-01T00:00:00.000Z" })).results, []);
  });

  test("any query text is safe: operators, quotes, unicode and 10 KB all answer 200; a NUL is 400 naming it", async () => {
    const t = setup();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/messages`, {
      messages: [
        { role: "user", content: "tea OR coffee?" },
        { role: "assistant", content: "茶 please, with crème" },
      ],
    });
    const queries = [
      "",
      '"',
      'say "hi',
      "tea AND NOT coffee",
      "NEAR(tea coffee)",
      "content: tea",
      "te* ^x -y",
      "🍵 茶 العربية",
      "\0",
      "tea ".repeat(2560),
    ];
    for (const query of queries) {
      const reply = await t.post(`/v1/agents/${agent.id}/messages/search`, { query });
      if (query.includes("\0")) {
        // No backend can hold a NUL, so text with one is refused wherever it enters, queries included.
        assert.equal(reply.status, 400);
        assert.match(reply.body.error.message, /query: contains a NUL character/);
        continue;
      }
      assert.equal(reply.status, 200, `${JSON.stringify(query.slice(0, 40))}: ${JSON.stringify(reply.body)}`);
      assert.ok(reply.body.results.every((r: { source: string }) => r.source === "message"));
    }
    assert.deepEqual(t.internalErrors, []);
  });
});

describe("a message sent back as it was read", () => {
  test("is appended: a null where a message reads null means not given", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/messages`;
    const read = (await t.post(base, { role: "user", content: "hello" })).body;
    const { role, content, userId, name, sessionId, provenance, metadata } = read;
    assert.deepEqual([userId, name, sessionId], [null, null, null]);
    const again = await t.post(base, { role, content, userId, name, sessionId, provenance, metadata });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.deepEqual([again.body.userId, again.body.name, again.body.sessionId], [null, null, null]);
    const batch = await t.post(base, { messages: [{ role, content, userId: null, sessionId: null }] });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
  });
});

describe("message errors", () => {
  test("a body without a role runs the agent: with no model configured, 503 with set-up help and nothing written", async () => {
    const t = testApp({ engram: createTestEngram({ env: {} }) });
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/messages`, { role: "user", content: "first" });
    for (const body of [{ content: "run, please" }, { content: "run", stream: true }]) {
      await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/messages`, body), {
        status: 503,
        code: "unavailable",
        message: /^no language model is configured: set ENGRAM_MODEL/,
      });
    }
    await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/messages`, {}), {
      status: 400,
      code: "invalid_input",
      message: /^invalid request body: content: required/,
    });
  });

  test("bad bodies are 400 naming the field, and append nothing", async () => {
    const t = setup();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/messages`, { role: "user", content: "first" });
    const base = `/v1/agents/${agent.id}/messages`;
    const cases: [unknown, RegExp][] = [
      [{ role: "bot", content: "hi" }, /^invalid request body: role: /],
      [{ role: "user", content: "" }, /content: must not be empty/],
      [{ role: "user" }, /content: required/],
      [{ role: "user", content: "x".repeat(100_001) }, /content: must be at most 100000 characters/],
      [{ role: "user", content: "hi", createdAt: "yesterday" }, /createdAt: must be an ISO 8601 date-time/],
      [{ role: "user", content: "hi", stream: true }, /stream/],
      [{ messages: [] }, /messages: must not be empty/],
      [
        {
          messages: [
            { role: "user", content: "ok" },
            { role: "user", content: "" },
          ],
        },
        /messages\.1\.content/,
      ],
      [{ messages: [{ content: "ok" }] }, /messages\.0\.role/],
      [[{ role: "user", content: "hi" }], /expected object/],
    ];
    for (const [body, message] of cases) {
      await refuses(t, agent.id, () => t.post(base, body), { status: 400, code: "invalid_input", message });
    }
    await refuses(t, agent.id, () => t.post(base, '{"role": "user",'), {
      status: 400,
      code: "invalid_input",
      message: /malformed JSON/,
    });
  });

  test("bad list parameters and search bodies are 400 naming the field", async () => {
    const t = setup();
    const agent = await t.agent();
    const listCases: [string, RegExp][] = [
      ["order=sideways", /^invalid query: order: must be asc or desc$/],
      ["role=bot", /role/],
      ["role=user,", /role/],
      ["after=yesterday", /after: must be an ISO 8601 date-time/],
      ["before=2025-02-30", /before/],
      ["limit=-1", /limit/],
    ];
    for (const [query, message] of listCases) {
      const reply = await t.get(`/v1/agents/${agent.id}/messages?${query}`);
      assert.equal(reply.status, 400, `${query}: ${JSON.stringify(reply.body)}`);
      assert.match(reply.body.error.message, message, query);
    }
    const searchCases: [unknown, RegExp][] = [
      [{}, /query: required/],
      [{ query: "x", roles: ["bot"] }, /roles\.0/],
      [{ query: "x", k: 1000 }, /k:/],
      [{ query: "x", after: "yesterday" }, /after:/],
      [{ query: "x", sources: ["memories"] }, /sources/],
      [{ query: "x", kinds: ["fact"] }, /kinds/],
    ];
    for (const [body, message] of searchCases) {
      await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/messages/search`, body), {
        status: 400,
        code: "invalid_input",
        message,
      });
    }
  });

  test("an unknown agent is 404 on every message route", async () => {
    const t = setup();
    const base = `/v1/agents/${MISSING_AGENT}/messages`;
    for (const reply of [
      await t.post(base, { role: "user", content: "x" }),
      await t.post(base, { messages: [{ role: "user", content: "x" }] }),
      await t.get(base),
      await t.post(`${base}/search`, { query: "x" }),
      await t.get("/v1/agents/nobody/messages"),
    ]) {
      assert.equal(reply.status, 404, JSON.stringify(reply.body));
      assert.equal(reply.body.error.code, "not_found");
    }
  });
});
