import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_INPUT_DEPTH, MAX_JSON_DEPTH } from "../core/input-limits.ts";
import { refuses, testApp } from "./test-support.ts";

/** `{"x":[[…]]}`: an object whose nesting, counting itself, is `depth` levels. */
function nested(depth: number): Record<string, unknown> {
  return JSON.parse(nestedText(depth));
}

/** The same as JSON text, built without JSON.stringify (which overflows on deep values). */
function nestedText(depth: number): string {
  return `{"x":${"[".repeat(depth - 1)}1${"]".repeat(depth - 1)}}`;
}

/** `body` as JSON text with one more field whose value is JSON text. */
function withField(body: Record<string, unknown>, key: string, valueText: string): string {
  const rest = JSON.stringify(body).slice(1, -1);
  return `{${rest}${rest === "" ? "" : ","}${JSON.stringify(key)}:${valueText}}`;
}

describe("nesting depth of JSON bodies", () => {
  /** Every body that carries a free-form `metadata`, for the agent `id`. */
  const writes = (id: string): [string, string, Record<string, unknown>][] => [
    ["POST", "/v1/agents", { name: "deep" }],
    ["PATCH", `/v1/agents/${id}`, {}],
    ["POST", `/v1/agents/${id}/memories`, { text: "x" }],
    ["POST", `/v1/agents/${id}/messages`, { role: "user", content: "x" }],
    ["POST", `/v1/agents/${id}/episodes`, { task: "walk" }],
    [
      "POST",
      `/v1/agents/${id}/episodes`,
      { task: "walk", steps: [{ observation: "o", availableActions: ["a"], action: "a", reward: 1 }] },
    ],
    ["PATCH", "/v1/projects/default", {}],
  ];

  it("refuses metadata deeper than the limit with 400 naming the field, and changes nothing", async () => {
    const t = testApp();
    const { id } = await t.agent();
    const project = (await t.get("/v1/projects/default")).body;
    for (const [method, path, body] of writes(id)) {
      for (const [depth, message] of [
        [MAX_JSON_DEPTH + 1, /request body: metadata: nested deeper than 64 levels/],
        // Far past what JSON.stringify survives: refused before anything recurses over it.
        [5000, /request body: metadata\.x\.0\.0\.0\.0…: nested deeper than 128 levels/],
      ] as const) {
        await refuses(t, id, () => t.send(method, path, withField(body, "metadata", nestedText(depth))), {
          status: 400,
          code: "invalid_input",
          message,
        });
      }
    }
    assert.deepEqual((await t.get("/v1/projects/default")).body, project);
    assert.equal((await t.get("/v1/agents")).body.items.length, 1);
    assert.deepEqual(t.internalErrors, []);
  });

  it("accepts metadata exactly at the limit, and stores and exports it as given", async () => {
    const t = testApp();
    const { id } = await t.agent({ name: "at-limit", metadata: nested(MAX_JSON_DEPTH) });
    for (const [method, path, body] of writes(id)) {
      const reply = await t.send(method, path, { ...body, metadata: nested(MAX_JSON_DEPTH) });
      assert.ok(
        reply.status === 200 || reply.status === 201,
        `${method} ${path}: ${JSON.stringify(reply.body)}`,
      );
    }
    const memories = (await t.get(`/v1/agents/${id}/memories`)).body.items;
    assert.deepEqual(memories[0].metadata, nested(MAX_JSON_DEPTH));
    // Its export nests the metadata deeper inside the document; it imports (as a copy) all the same.
    const document = (await t.get(`/v1/agents/${id}/export`)).body;
    const imported = await t.post("/v1/import?newIds=true", { document });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
  });

  it("refuses any body nested deeper than the whole-input limit, wherever the nesting is", async () => {
    const t = testApp();
    const { id } = await t.agent();
    const deep = `${"[".repeat(100_000)}"x"${"]".repeat(100_000)}`;
    await refuses(t, id, () => t.post(`/v1/agents/${id}/memories`, withField({ text: "x" }, "tags", deep)), {
      status: 400,
      code: "invalid_input",
      message: new RegExp(`tags\\.0\\.0\\.0\\.0\\.0…: nested deeper than ${MAX_INPUT_DEPTH} levels`),
    });
    assert.deepEqual(t.internalErrors, []);
  });

  it("refuses an import whose document nests too deep: 400, not a 500 in the id remapping", async () => {
    const t = testApp();
    const { id } = await t.agent();
    await t.post(`/v1/agents/${id}/memories`, { text: "a fact" });
    const document = (await t.get(`/v1/agents/${id}/export`)).body;
    for (const [depth, message] of [
      [MAX_JSON_DEPTH + 1, /export document: memories\.0\.metadata: nested deeper than 64 levels/],
      [3000, /request body: document\.memories\.0\.metadata\.x\.0…: nested deeper than 128 levels/],
    ] as const) {
      // Placeholders swapped for the deep text: the test's own JSON.stringify must not recurse into it.
      document.memories[0].metadata = "DEEP";
      document.memories[0].versions[0].memory.metadata = "DEEP";
      const body = JSON.stringify({ document }).replaceAll('"DEEP"', nestedText(depth));
      const reply = await t.post("/v1/import?newIds=true", body);
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.match(reply.body.error.message, message);
    }
    assert.equal((await t.get("/v1/agents")).body.items.length, 1);
    assert.deepEqual(t.internalErrors, []);
  });
});

describe("lone surrogates in JSON bodies", () => {
  it("refuses a lone surrogate in any text field with 400 naming the field and where, and changes nothing", async () => {
    const t = testApp();
    const { id } = await t.agent();
    const { body: episode } = await t.post(`/v1/agents/${id}/episodes`, { task: "walk" });
    const cases: [string, string, unknown, RegExp][] = [
      [
        "POST",
        `/v1/agents/${id}/commits`,
        { changes: [{ op: "set", label: "persona", value: "kind" }], message: "note \ud800" },
        /message: contains a lone surrogate \(U\+D800\) at index 5/,
      ],
      [
        "PUT",
        `/v1/agents/${id}/blocks/persona`,
        { value: "a\udc00" },
        /value: contains a lone surrogate \(U\+DC00\) at index 1/,
      ],
      [
        "POST",
        `/v1/agents/${id}/memories`,
        { text: "likes \ud83d tea" },
        /text: contains a lone surrogate \(U\+D83D\) at index 6/,
      ],
      [
        "POST",
        `/v1/agents/${id}/memories`,
        { text: "x", tags: ["ok", "\ud800"] },
        /tags\.1: contains a lone surrogate/,
      ],
      [
        "POST",
        `/v1/agents/${id}/memories`,
        { text: "x", metadata: { a: { "k\ud800": 1 } } },
        /metadata\.a: a key contains a lone surrogate \(U\+D800\) at index 1/,
      ],
      [
        "POST",
        `/v1/agents/${id}/memories`,
        { text: "x", metadata: { a: ["\udfff"] } },
        /metadata\.a\.0: contains a lone surrogate/,
      ],
      [
        "POST",
        `/v1/agents/${id}/messages`,
        { role: "user", content: "hi \ud800" },
        /content: contains a lone surrogate/,
      ],
      ["POST", `/v1/agents/${id}/episodes`, { task: "\ud800" }, /task: contains a lone surrogate/],
      [
        "POST",
        `/v1/agents/${id}/episodes/${episode.id}/steps`,
        { observation: "o", availableActions: ["\ud800"], action: "\ud800", reward: 0 },
        /availableActions\.0: contains a lone surrogate/,
      ],
      [
        "POST",
        `/v1/agents/${id}/insights`,
        { operations: [{ op: "add", text: "rule \ud800" }] },
        /operations\.0\.text: contains a lone surrogate/,
      ],
      ["PATCH", `/v1/agents/${id}`, { name: "name \ud800" }, /name: contains a lone surrogate/],
      ["POST", "/v1/agents", { name: "\ud800" }, /name: contains a lone surrogate/],
    ];
    for (const [method, path, body, message] of cases) {
      await refuses(t, id, () => t.send(method, path, body), { status: 400, code: "invalid_input", message });
    }
    assert.equal((await t.get("/v1/agents")).body.items.length, 1);
    assert.deepEqual(t.internalErrors, []);
  });

  it("keeps well-formed text beyond the BMP exactly, so an export's commit ids verify on import", async () => {
    const source = testApp();
    const { id } = await source.agent();
    const text = "note 🦀 \u{10FFFF} \uFFFD";
    const commit = await source.post(`/v1/agents/${id}/commits`, {
      changes: [{ op: "set", label: "persona", value: text }],
      message: text,
    });
    assert.equal(commit.status, 201);
    const stored = (await source.get(`/v1/agents/${id}/commits/${commit.body.commit.id}`)).body;
    assert.equal(stored.message, text);
    const document = (await source.get(`/v1/agents/${id}/export`)).body;
    const target = testApp();
    const imported = await target.post("/v1/import", { document });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal((await target.get(`/v1/agents/${id}/blocks/persona`)).body.value, text);
  });

  it("refuses an export document holding a lone surrogate, naming where", async () => {
    const t = testApp();
    const { id } = await t.agent();
    const document = (await t.get(`/v1/agents/${id}/export`)).body;
    document.commits[0].message = "note \ud800";
    const reply = await t.post("/v1/import?newIds=true", { document });
    assert.equal(reply.status, 400);
    assert.match(
      reply.body.error.message,
      /document\.commits\.0\.message: contains a lone surrogate \(U\+D800\) at index 5/,
    );
  });
});
