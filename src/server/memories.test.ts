import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { type Reply, refuses, testApp } from "./test-support.ts";

const MISSING_AGENT = "agt_00000000000000000000000000";
const MISSING_MEMORY = "mem_00000000000000000000000000";

function setup() {
  return testApp({ engram: createTestEngram() });
}

/** Query strings that full-text syntax, quoting or size could trip over. */
const NASTY_QUERIES = [
  "",
  "   ",
  '"',
  '"unbalanced quote',
  "tea OR coffee AND NOT milk",
  "NEAR(tea coffee, 2)",
  "te* -coffee +milk ^start",
  "text: tea {text tags}: tea",
  "(((tea",
  "'; DROP TABLE memories; --",
  "\\ \0 \u0001 %_",
  "茶 ☕ crème brûlée 🍵 Ελληνικά مرحبا",
  "tea ".repeat(2560),
  "x".repeat(10_240),
];

describe("memories", () => {
  test("add one, add a batch, get, list, patch, delete, history", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/memories`;

    const one = await t.post(base, {
      text: "Ada prefers green tea",
      kind: "observation",
      tags: ["drink", "drink"],
      importance: 0.8,
      userId: "ada",
      provenance: { externalIds: ["turn-1"] },
      metadata: { source: "chat" },
    });
    assert.equal(one.status, 201, JSON.stringify(one.body));
    assert.deepEqual(Object.keys(one.body).sort(), ["memory", "warnings"]);
    assert.deepEqual(one.body.warnings, []);
    const memory = one.body.memory;
    assert.match(memory.id, /^mem_/);
    assert.equal(memory.agentId, agent.id);
    assert.equal(memory.text, "Ada prefers green tea");
    assert.equal(memory.kind, "observation");
    assert.deepEqual(memory.tags, ["drink"]);
    assert.equal(memory.importance, 0.8);
    assert.equal(memory.userId, "ada");
    assert.deepEqual(memory.provenance, { messageIds: [], externalIds: ["turn-1"] });
    assert.deepEqual(memory.metadata, { source: "chat" });
    assert.equal(memory.version, 1);

    const batch = await t.post(base, {
      memories: [
        { text: "The office is in Lyon" },
        { text: "Ada's birthday is in May", userId: "ada", kind: "fact", createdAt: "2025-05-01T00:00:00Z" },
      ],
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    assert.deepEqual(Object.keys(batch.body).sort(), ["memories", "warnings"]);
    assert.deepEqual(
      batch.body.memories.map((m: { text: string; kind: string }) => [m.text, m.kind]),
      [
        ["The office is in Lyon", "fact"],
        ["Ada's birthday is in May", "fact"],
      ],
    );
    assert.equal(batch.body.memories[1].createdAt, "2025-05-01T00:00:00.000Z");

    const got = await t.get(`${base}/${memory.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, memory);
    // The agent may be named instead of given by id.
    assert.deepEqual((await t.get(`/v1/agents/helper/memories/${memory.id}`)).body, memory);

    const listed = await t.get(base);
    assert.equal(listed.status, 200);
    assert.equal(listed.body.items.length, 3);
    assert.equal(listed.body.nextCursor, null);

    const patched = await t.patch(`${base}/${memory.id}`, {
      text: "Ada prefers oolong tea",
      tags: ["drink", "tea"],
      validFrom: "2025-06-01T00:00:00Z",
      expectedVersion: 1,
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.warnings, []);
    assert.equal(patched.body.memory.version, 2);
    assert.equal(patched.body.memory.text, "Ada prefers oolong tea");
    assert.deepEqual(patched.body.memory.tags, ["drink", "tea"]);
    assert.equal(patched.body.memory.kind, "observation");
    assert.equal(patched.body.memory.validFrom, "2025-06-01T00:00:00.000Z", "stored normalised to UTC");
    assert.deepEqual((await t.get(`${base}/${memory.id}`)).body, patched.body.memory);

    const deleted = await t.del(`${base}/${memory.id}`);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, null);
    assert.equal((await t.get(`${base}/${memory.id}`)).status, 404);
    assert.equal((await t.del(`${base}/${memory.id}`)).status, 404);
    assert.equal((await t.get(base)).body.items.length, 2);

    const history = await t.get(`${base}/${memory.id}/history`);
    assert.equal(history.status, 200);
    assert.deepEqual(
      history.body.items.map((v: { version: number; operation: string; actor: string }) => [
        v.version,
        v.operation,
        v.actor,
      ]),
      [
        [1, "create", "user"],
        [2, "update", "user"],
        [3, "delete", "user"],
      ],
    );
    assert.equal(history.body.items[0].memory.text, "Ada prefers green tea");
    assert.equal(history.body.items[1].memory.text, "Ada prefers oolong tea");
    assert.equal(history.body.items[2].memory.text, "Ada prefers oolong tea");
    assert.ok(history.body.items.every((v: { memoryId: string }) => v.memoryId === memory.id));
  });

  test("list filters by user, kind, tag, creation time and validity, and pages", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/memories`;
    const added = await t.post(base, {
      memories: [
        { text: "shared fact", createdAt: "2025-01-01T00:00:00Z" },
        {
          text: "ada note",
          kind: "note",
          userId: "ada",
          tags: ["a", "x,y"],
          createdAt: "2025-02-01T00:00:00Z",
        },
        {
          text: "bob insight",
          kind: "insight",
          userId: "bob",
          tags: ["a"],
          createdAt: "2025-03-01T00:00:00Z",
        },
        {
          text: "old address",
          kind: "fact",
          userId: "ada",
          validFrom: "2020-01-01T00:00:00Z",
          validTo: "2024-01-01T00:00:00Z",
          createdAt: "2025-04-01T00:00:00Z",
        },
      ],
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const texts = async (query: string) => {
      const reply = await t.get(`${base}?${query}`);
      assert.equal(reply.status, 200, `${query}: ${JSON.stringify(reply.body)}`);
      return reply.body.items.map((m: { text: string }) => m.text);
    };

    assert.deepEqual(await texts(""), ["old address", "bob insight", "ada note", "shared fact"]);
    assert.deepEqual(await texts("userId=ada"), ["old address", "ada note", "shared fact"]);
    assert.deepEqual(await texts("userId=ada&includeShared=false"), ["old address", "ada note"]);
    assert.deepEqual(await texts("kind=note,insight"), ["bob insight", "ada note"]);
    assert.deepEqual(await texts("kind=note&kind=insight"), ["bob insight", "ada note"]);
    assert.deepEqual(await texts("kind=note, insight"), ["bob insight", "ada note"]);
    assert.deepEqual(await texts("tag=a"), ["bob insight", "ada note"]);
    assert.deepEqual(await texts("tag=a&tag=x%2Cy"), ["ada note"]);
    assert.deepEqual(
      await texts("createdAfter=2025-02-01T00:00:00.000Z&createdBefore=2025-04-01T00:00:00.000Z"),
      ["bob insight", "ada note"],
    );
    // A memory is true from when it was formed (its validFrom defaults to createdAt): not yet in 2023.
    assert.deepEqual(await texts("validAt=2023-06-01T00:00:00Z&userId=ada&includeShared=false"), [
      "old address",
    ]);
    assert.deepEqual(await texts("validAt=2025-06-01T00:00:00Z&userId=ada&includeShared=false"), [
      "ada note",
    ]);

    const first = await t.get(`${base}?limit=3`);
    assert.equal(first.body.items.length, 3);
    assert.equal(typeof first.body.nextCursor, "string");
    const second = await t.get(`${base}?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    assert.deepEqual(
      second.body.items.map((m: { text: string }) => m.text),
      ["shared fact"],
    );
    assert.equal(second.body.nextCursor, null);

    // Oldest first (the order they were written in, whatever their createdAt), paged the same way.
    assert.deepEqual(await texts("order=asc"), ["shared fact", "ada note", "bob insight", "old address"]);
    assert.deepEqual(await texts("order=desc"), await texts(""));
    assert.deepEqual(await texts("order=asc&kind=note,insight"), ["ada note", "bob insight"]);
    const oldest = await t.get(`${base}?order=asc&limit=3`);
    assert.deepEqual(
      oldest.body.items.map((m: { text: string }) => m.text),
      ["shared fact", "ada note", "bob insight"],
    );
    assert.deepEqual(await texts(`order=asc&limit=3&cursor=${encodeURIComponent(oldest.body.nextCursor)}`), [
      "old address",
    ]);
  });

  test("time filters compare instants, whatever the ISO form", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/memories`;
    await t.post(base, { text: "at noon", createdAt: "2025-02-01T12:00:00Z" });
    for (const query of [
      "createdAfter=2025-02-01T12:00:00Z",
      "createdAfter=2025-02-01T14:00:00%2B02:00",
      "createdBefore=2025-02-01T12:00:01Z",
    ]) {
      const reply = await t.get(`${base}?${query}`);
      assert.equal(reply.body.items.length, 1, query);
    }
  });

  test("memory search returns results with their score components", async () => {
    const t = setup();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/memories`, {
      memories: [
        { text: "Ada drinks green tea every morning", importance: 0.9 },
        { text: "The server room is on the third floor" },
        { text: "Tea should steep for three minutes" },
      ],
    });
    await t.post(`/v1/agents/${agent.id}/messages`, { role: "user", content: "I like tea too" });

    const reply = await t.post(`/v1/agents/${agent.id}/memories/search`, { query: "green tea", k: 5 });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(Object.keys(reply.body).sort(), ["results", "suppressed", "warnings"]);
    const { results } = reply.body;
    // Every memory about tea, the one with both words first; the message about tea is not a memory.
    assert.deepEqual(
      results.map((r: { text: string }) => r.text),
      ["Ada drinks green tea every morning", "Tea should steep for three minutes"],
    );
    assert.ok(
      results.every((r: { source: string }) => r.source === "memory"),
      "memories only",
    );
    assert.ok(!results.some((r: { text: string }) => r.text.includes("server room")));
    const top = results[0];
    assert.equal(top.memory.id, top.id);
    assert.equal(top.message, undefined);
    assert.equal(typeof top.score, "number");
    assert.deepEqual(Object.keys(top.components).sort(), [
      "access",
      "bm25",
      "graph",
      "graphEntities",
      "importance",
      "lexicalRank",
      "lexicalScore",
      "match",
      "recency",
      "related",
      "relatedTo",
      "relevance",
      "vectorDistance",
      "vectorRank",
    ]);
    assert.equal(typeof top.components.bm25, "number");
    assert.equal(top.components.lexicalRank, 1);
    assert.equal(top.components.importance, 0.9);
    assert.equal(top.components.vectorDistance, null);
    for (let i = 1; i < results.length; i++) assert.ok(results[i - 1].score >= results[i].score);

    // Retrieval is counted unless recordAccess is false.
    const after = await t.get(`/v1/agents/${agent.id}/memories/${top.id}`);
    assert.equal(after.body.accessCount, 1);
    await t.post(`/v1/agents/${agent.id}/memories/search`, { query: "green tea", recordAccess: false });
    assert.equal((await t.get(`/v1/agents/${agent.id}/memories/${top.id}`)).body.accessCount, 1);

    // Filters in the body apply.
    const filtered = await t.post(`/v1/agents/${agent.id}/memories/search`, {
      query: "tea",
      kinds: ["note"],
    });
    assert.deepEqual(filtered.body.results, []);
  });

  test("a keyed fact closes the one it replaces: search finds what is true now, the past, or history", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/memories`;
    const berlin = await t.post(base, {
      text: "Ada lives in Berlin",
      key: "user.city",
      userId: "ada",
      validFrom: "2025-01-01T00:00:00Z",
    });
    assert.equal(berlin.status, 201);
    assert.equal(berlin.body.memory.key, "user.city");
    await t.post(base, { text: "Ada lives in Lisbon", key: "user.city", userId: "ada" });
    const closed = await t.get(`${base}/${berlin.body.memory.id}`);
    assert.notEqual(closed.body.validTo, null);
    const texts = async (extra: Record<string, unknown>) =>
      (await t.post(`${base}/search`, { query: "Ada lives", userId: "ada", ...extra })).body.results
        .map((r: { text: string }) => r.text)
        .sort();
    assert.deepEqual(await texts({}), ["Ada lives in Lisbon"]);
    assert.deepEqual(await texts({ validAt: "2025-03-01T00:00:00Z" }), ["Ada lives in Berlin"]);
    assert.deepEqual(await texts({ includeSuperseded: true }), [
      "Ada lives in Berlin",
      "Ada lives in Lisbon",
    ]);
    await refuses(t, agent.id, () => t.post(`${base}/search`, { query: "x", validAt: "last year" }), {
      status: 400,
      code: "invalid_input",
      message: /validAt: must be an ISO 8601 date-time/,
    });
    await refuses(t, agent.id, () => t.post(`${base}/search`, { query: "x", includeSuperseded: "yes" }), {
      status: 400,
      code: "invalid_input",
      message: /includeSuperseded/,
    });
  });

  test("general search covers memories by default and messages when asked", async () => {
    const t = setup();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/memories`, { text: "Ada likes jasmine tea" });
    await t.post(`/v1/agents/${agent.id}/messages`, { role: "user", content: "jasmine tea please" });

    const memoriesOnly = await t.post(`/v1/agents/${agent.id}/search`, { query: "jasmine" });
    assert.equal(memoriesOnly.status, 200, JSON.stringify(memoriesOnly.body));
    assert.deepEqual(
      memoriesOnly.body.results.map((r: { source: string }) => r.source),
      ["memory"],
    );
    const both = await t.post(`/v1/agents/${agent.id}/search`, {
      query: "jasmine",
      sources: ["memories", "messages"],
    });
    assert.equal(both.status, 200, JSON.stringify(both.body));
    assert.deepEqual(both.body.results.map((r: { source: string }) => r.source).sort(), [
      "memory",
      "message",
    ]);
    const message = both.body.results.find((r: { source: string }) => r.source === "message");
    assert.equal(message.message.content, "jasmine tea please");
    assert.equal(message.memory, undefined);
  });

  test("a user's memories never reach another user's search", async () => {
    const t = setup();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/memories`, {
      memories: [
        { text: "secret project codename kestrel", userId: "alice" },
        { text: "bob's codename kestrel preference", userId: "bob" },
        { text: "shared codename kestrel glossary" },
      ],
    });
    const users = async (body: Record<string, unknown>, path = "memories/search") => {
      const reply = await t.post(`/v1/agents/${agent.id}/${path}`, { query: "codename kestrel", ...body });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body.results.map((r: { memory: { userId: string | null } }) => r.memory.userId).sort();
    };
    assert.deepEqual(await users({ userId: "bob", includeShared: false }), ["bob"]);
    assert.deepEqual(await users({ userId: "bob", includeShared: false }, "search"), ["bob"]);
    assert.deepEqual(await users({ userId: "bob" }), ["bob", null]);
    assert.deepEqual(await users({ userId: "alice", includeShared: false }), ["alice"]);
    assert.deepEqual(await users({ userId: "carol", includeShared: false }), []);
    assert.deepEqual(await users({}), ["alice", "bob", null]);
    // Nor does another user's name in the query open the scope.
    assert.deepEqual(await users({ userId: "bob", includeShared: false, query: "alice secret project" }), []);
  });

  test("any query text is safe: operators, quotes, unicode and 10 KB all answer 200; a NUL is 400 naming it", async () => {
    const t = setup();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/memories`, {
      memories: [{ text: "tea and coffee" }, { text: "crème brûlée with 茶" }, { text: "NEAR the OR gate" }],
    });
    for (const query of NASTY_QUERIES) {
      for (const path of ["memories/search", "search"]) {
        const reply = await t.post(`/v1/agents/${agent.id}/${path}`, { query, recordAccess: false });
        if (query.includes("\0")) {
          // No backend can hold a NUL, so text with one is refused wherever it enters, queries included.
          assert.equal(reply.status, 400);
          assert.match(reply.body.error.message, /query: contains a NUL character/);
          continue;
        }
        assert.equal(
          reply.status,
          200,
          `${JSON.stringify(query.slice(0, 40))}: ${JSON.stringify(reply.body)}`,
        );
        assert.ok(Array.isArray(reply.body.results));
        for (const result of reply.body.results) {
          assert.equal(result.source, "memory");
          assert.ok(Number.isFinite(result.score));
          assert.equal(typeof result.memory.text, "string");
        }
      }
    }
    assert.deepEqual(t.internalErrors, []);
  });
});

describe("a memory sent back as it was read", () => {
  test("is added: a null where a memory reads null means not given, alone or in a batch", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/memories`;
    const read = (await t.post(base, { text: "Ada likes tea", createdAt: "2025-01-01" })).body.memory;
    const { id, agentId, version, accessCount, lastAccessedAt, archivedAt, updatedAt, ...writable } = read;
    assert.deepEqual([read.userId, read.key, read.validTo], [null, null, null]);
    const again = await t.post(base, writable);
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const { validFrom, userId, key, validTo } = again.body.memory;
    assert.deepEqual(
      { validFrom, userId, key, validTo },
      {
        validFrom: read.validFrom,
        userId: null,
        key: null,
        validTo: null,
      },
    );
    const nulls = { text: "x", userId: null, key: null, validFrom: null, validTo: null };
    const batch = await t.post(base, { memories: [nulls, nulls] });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    assert.equal(batch.body.memories[0].userId, null);
    await refuses(t, agent.id, () => t.post(base, { text: "x", kind: null }), {
      status: 400,
      code: "invalid_input",
      message: /kind: .*expected string, received null/,
    });
  });
});

describe("memory errors", () => {
  test("bad bodies are 400 naming the field, and add nothing", async () => {
    const t = setup();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/memories`, { text: "already here" });
    const base = `/v1/agents/${agent.id}/memories`;
    const cases: [unknown, RegExp][] = [
      [{ text: "" }, /^invalid request body: text: must not be empty$/],
      [{ text: "   " }, /text: must not be empty/],
      [{ text: "x".repeat(8001) }, /text: must be at most 8000 characters/],
      [{}, /^invalid request body: text: required/],
      [{ text: 42 }, /text: .*expected string/],
      [{ text: "ok", kind: "Bad Kind" }, /kind: must be a lower-case word/],
      [{ text: "ok", importance: 2 }, /importance:/],
      [{ text: "ok", validFrom: "yesterday" }, /validFrom: must be an ISO 8601 date-time/],
      [
        { text: "ok", validFrom: "2025-02-01T00:00:00Z", validTo: "2025-01-01T00:00:00Z" },
        /^invalid memory: validTo: must not be before validFrom$/,
      ],
      [{ text: "ok", key: "User.City" }, /^invalid request body: key: must be lower-case dotted segments/],
      [{ text: "ok", key: "user city" }, /key: must be lower-case dotted segments/],
      [{ text: "ok", key: 7 }, /key: .*expected string/],
      [{ text: "ok", colour: "red" }, /colour/],
      [{ memories: [] }, /memories: must not be empty/],
      [{ memories: [{ text: "fine" }, { text: "" }] }, /memories\.1\.text: must not be empty/],
      [{ memories: [{ text: "fine" }], text: "stray" }, /text/],
      [["not", "an", "object"], /expected object/],
    ];
    for (const [body, message] of cases) {
      await refuses(t, agent.id, () => t.post(base, body), { status: 400, code: "invalid_input", message });
    }
    await refuses(t, agent.id, () => t.post(base, '{"text": "unterminated'), {
      status: 400,
      code: "invalid_input",
      message: /malformed JSON/,
    });
    await refuses(t, agent.id, () => t.post(base, "text=hi", { "content-type": "text/plain" }), {
      status: 415,
      code: "unsupported_media_type",
    });
  });

  test("bad list filters are 400 naming the parameter", async () => {
    const t = setup();
    const agent = await t.agent();
    const cases: [string, RegExp][] = [
      [
        "validAt=yesterday",
        /^invalid query: validAt: must be an ISO 8601 date-time with an offset .* or a date \(2025-05-08, the start of that day in UTC\)$/,
      ],
      ["kind=Bad%20Kind", /^invalid query: kind.*must be a lower-case word/],
      ["kind=fact,", /kind/],
      ["createdAfter=2025-13-01", /createdAfter/],
      ["createdBefore=soon", /createdBefore/],
      ["includeShared=maybe", /includeShared: must be true or false/],
      ["limit=0", /limit: must be at least 1/],
      ["limit=ten", /limit: must be an integer/],
      ["limit=501", /limit: must be at most 500/],
      ["tag=", /tag/],
      ["userId=", /userId/],
      ["order=sideways", /^invalid query: order: must be asc or desc$/],
    ];
    for (const [query, message] of cases) {
      const reply = await t.get(`/v1/agents/${agent.id}/memories?${query}`);
      assert.equal(reply.status, 400, `${query}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.error.code, "invalid_input");
      assert.match(reply.body.error.message, message, query);
    }
  });

  test("bad search input is 400 naming the field", async () => {
    const t = setup();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/memories`, { text: "tea" });
    const cases: [unknown, RegExp][] = [
      [{}, /query: required/],
      [{ query: 7 }, /query:/],
      [{ query: "tea", k: 0 }, /k:/],
      [{ query: "tea", validAt: "yesterday" }, /validAt: must be an ISO 8601 date-time/],
      [{ query: "tea", kinds: ["Bad Kind"] }, /kinds\.0: must be a lower-case word/],
      [{ query: "tea", weights: { lexical: -1 } }, /weights\.lexical/],
      [{ query: "tea", sources: ["blocks"] }, /sources\.0/],
      [{ query: "tea", colour: "red" }, /colour/],
      [{ query: "x".repeat(100_001) }, /query: must be at most 100,000 characters/],
    ];
    for (const path of ["memories/search", "search"]) {
      for (const [body, message] of cases) {
        await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/${path}`, body), {
          status: 400,
          code: "invalid_input",
          message,
        });
      }
    }
  });

  test("an unknown agent is 404 on every memory route", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${MISSING_AGENT}/memories`;
    const replies = [
      await t.post(base, { text: "x" }),
      await t.post(base, { memories: [{ text: "x" }] }),
      await t.get(base),
      await t.post(`${base}/search`, { query: "x" }),
      await t.post(`/v1/agents/${MISSING_AGENT}/search`, { query: "x" }),
      await t.get(`${base}/${MISSING_MEMORY}`),
      await t.patch(`${base}/${MISSING_MEMORY}`, { text: "y" }),
      await t.del(`${base}/${MISSING_MEMORY}`),
      await t.get(`${base}/${MISSING_MEMORY}/history`),
      await t.get("/v1/agents/nobody/memories"),
    ];
    for (const reply of replies) {
      assert.equal(reply.status, 404, JSON.stringify(reply.body));
      assert.equal(reply.body.error.code, "not_found");
    }
    assert.match(replies[0]?.body.error.message, /agent agt_0+ not found/);
    assert.deepEqual((await t.state(agent.id)).memories.items, []);
  });

  test("an unknown memory id, or another agent's, is the same 404 and changes nothing", async () => {
    const t = setup();
    const mine = await t.agent({ name: "mine" });
    const other = await t.agent({ name: "other" });
    const theirs = (await t.post(`/v1/agents/${other.id}/memories`, { text: "their secret" })).body.memory;
    const requests: ((id: string) => Promise<Reply>)[] = [
      (id) => t.get(`/v1/agents/${mine.id}/memories/${id}`),
      (id) => t.patch(`/v1/agents/${mine.id}/memories/${id}`, { text: "hijacked" }),
      (id) => t.del(`/v1/agents/${mine.id}/memories/${id}`),
      (id) => t.get(`/v1/agents/${mine.id}/memories/${id}/history`),
    ];
    const otherBefore = await t.state(other.id);
    for (const request of requests) {
      const missing = await request(MISSING_MEMORY);
      let foreign: Reply | undefined;
      await refuses(
        t,
        mine.id,
        async () => {
          foreign = await request(theirs.id);
          return foreign;
        },
        { status: 404, code: "not_found", message: /^memory mem_\w+ not found on agent agt_\w+$/ },
      );
      assert.equal(missing.status, 404);
      // The same answer, but for the id asked about: nothing says the memory exists elsewhere.
      const masked = JSON.stringify(foreign?.body).replaceAll(theirs.id, MISSING_MEMORY);
      assert.deepEqual(JSON.parse(masked), missing.body);
    }
    assert.deepEqual(await t.state(other.id), otherBefore);
    assert.equal((await t.get(`/v1/agents/${other.id}/memories/${theirs.id}`)).body.text, "their secret");
  });

  test("a patch that restates the memory is 200 with changed: false, and writes nothing", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/memories`;
    const memory = (await t.post(base, { text: "v1", tags: ["a"], metadata: { x: 1 } })).body.memory;
    const before = await t.state(agent.id);
    for (const body of [
      { text: "v1" },
      { text: "v1", tags: ["a"], metadata: { x: 1 }, expectedVersion: 1 },
    ]) {
      const reply = await t.patch(`${base}/${memory.id}`, body);
      assert.deepEqual([reply.status, reply.body], [200, { memory, warnings: [], changed: false }]);
    }
    assert.deepEqual(await t.state(agent.id), before);
    const changed = await t.patch(`${base}/${memory.id}`, { text: "v2" });
    assert.deepEqual([changed.status, changed.body.changed, changed.body.memory.version], [200, true, 2]);
    // The version is checked first: a stale one is refused though the patch changes nothing.
    await refuses(t, agent.id, () => t.patch(`${base}/${memory.id}`, { text: "v2", expectedVersion: 1 }), {
      status: 409,
      code: "conflict",
      message: /at version 2, not the expected 1/,
    });
  });

  test("a stale expectedVersion is 409 and changes nothing; bad patches are 400", async () => {
    const t = setup();
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/memories`;
    const memory = (await t.post(base, { text: "v1" })).body.memory;
    assert.equal((await t.patch(`${base}/${memory.id}`, { text: "v2", expectedVersion: 1 })).status, 200);
    await refuses(t, agent.id, () => t.patch(`${base}/${memory.id}`, { text: "v3", expectedVersion: 1 }), {
      status: 409,
      code: "conflict",
      message: /at version 2, not the expected 1/,
    });
    const cases: [unknown, RegExp][] = [
      [{ text: "" }, /text: must not be empty/],
      [{ text: "x".repeat(8001) }, /text: must be at most 8000 characters/],
      [{ kind: "Bad Kind" }, /kind:/],
      [{ expectedVersion: 0 }, /expectedVersion:/],
      [{ userId: "someone" }, /userId/],
      [{ validTo: "yesterday" }, /validTo:/],
      [{ validFrom: "2025-02-01T00:00:00Z", validTo: "2025-01-01T00:00:00Z" }, /validTo: must not be before/],
    ];
    for (const [body, message] of cases) {
      await refuses(t, agent.id, () => t.patch(`${base}/${memory.id}`, body), {
        status: 400,
        code: "invalid_input",
        message,
      });
    }
    await refuses(t, agent.id, () => t.patch(`${base}/${memory.id}`, "{not json"), {
      status: 400,
      code: "invalid_input",
      message: /malformed JSON/,
    });
    assert.equal((await t.get(`${base}/${memory.id}`)).body.text, "v2");
  });
});
