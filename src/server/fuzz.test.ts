import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { MockLanguageModelV3 } from "ai/test";
import fc from "fast-check";
import { createIdGenerator } from "../core/ids.ts";
import { createEngram } from "../engram.ts";
import {
  type DocumentedOperation,
  documentedOperations,
  ENDLESS_PATHS,
  exampleBody,
} from "./route-catalog.ts";
import { type TestApp, testApp } from "./test-support.ts";

/**
 * Throws random JSON, query strings, path values and content types at every route of the OpenAPI
 * document, and hostile values (deep nesting, lone surrogates, control characters, very long text)
 * in every string and JSON field of each route's valid example: each answer must be a JSON 2xx (the
 * input happened to be valid) or a JSON 4xx error, never a 5xx, and the server must stay healthy.
 * Seeded, so a failure replays.
 */

interface Operation extends DocumentedOperation {
  /** Whether 503 `unavailable` is a documented answer (a language model that is not configured). */
  mayBeUnavailable: boolean;
}

const SEED = 20260101;
/** How JSON.stringify writes a lone surrogate (a pair it writes as is), not preceded by a backslash. */
const LONE_SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;
const RUNS = 4000;

/** A model that always answers with no rule operations, so insight extraction can succeed. */
function quietModel() {
  return new MockLanguageModelV3({
    doGenerate: async () => ({
      content: [{ type: "text", text: "[]" }],
      finishReason: { unified: "stop", raw: "stop" },
      usage: {
        inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 1, text: 1, reasoning: undefined },
      },
      warnings: [],
    }),
  });
}

const char = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));

/** Text a client should not send but may: lone surrogates, control characters, a lot of it. */
const hostileText = fc.oneof(
  fc.string({ unit: fc.oneof(char(0xd800, 0xdfff), char(0x61, 0x7a)), minLength: 1, maxLength: 8 }),
  fc.string({
    unit: fc.oneof(char(0, 0x1f), char(0x7f, 0x9f), fc.constantFrom("\u2028", "\uFEFF")),
    minLength: 1,
  }),
  fc
    .tuple(fc.integer({ min: 5_000, max: 400_000 }), fc.constantFrom("x", "🦀", "a\u0000", " "))
    .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length))),
);

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    "",
    " ",
    "HEAD~1",
    "..",
    "%",
    "null",
    "-1",
    "1e999",
    "true",
    "main",
    "a/b",
    "🦀",
    "\u0000",
    "\ud800",
  ),
  hostileText.filter((t) => t.length < 2_000),
);

/** JSON text nested `depth` levels, built without recursion (the test must not overflow either). */
const deepJson = fc
  .tuple(fc.integer({ min: 60, max: 20_000 }), fc.constantFrom('{"a":', '{"a":', '{"a":[', "[", "[{}, "))
  .map(([depth, open]) => {
    const close = open === "[" || open === "[{}, " ? "]" : open === '{"a":' ? "}" : "]}";
    return `${open.repeat(depth)}1${close.repeat(depth)}`;
  });

/** A value placed as JSON text into a body (deep values cannot go through JSON.stringify). */
class Raw {
  readonly json: string;
  constructor(json: string) {
    this.json = json;
  }
}
const deepValue = deepJson.map((json) => new Raw(json));
const hostileString = hostileText.map((t) => new Raw(JSON.stringify(t)));

type Path = (string | number)[];

/** Paths to every string and every object below the top of a JSON value (the examples are shallow). */
function fieldPaths(value: unknown, path: Path = [], out = { strings: [] as Path[], objects: [] as Path[] }) {
  if (typeof value === "string") out.strings.push(path);
  if (value === null || typeof value !== "object") return out;
  if (!Array.isArray(value) && path.length > 0) out.objects.push(path);
  for (const [k, v] of Object.entries(value))
    fieldPaths(v, [...path, Array.isArray(value) ? Number(k) : k], out);
  return out;
}

/** `example` with the field at `path` replaced by `raw`, as JSON text. */
function withRaw(example: unknown, path: (string | number)[], raw: Raw): string {
  const marker = "\u0001RAW\u0001";
  const copy = structuredClone(example) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1) as string | number] = marker;
  return JSON.stringify(copy).replace(JSON.stringify(marker), () => raw.json);
}

/** A path value as a client would send it: a lone surrogate cannot be UTF-8, so it goes as CESU bytes. */
function encodePathValue(value: string): string {
  return /\p{Surrogate}/u.test(value) ? "%ED%A0%80" : encodeURIComponent(value);
}

/**
 * Any JSON; an object with the route's own keys holding random values; or the route's valid example
 * as is, or with one key changed, removed or added (which gets past validation into the handlers).
 */
function bodyArbitrary(op: Operation, example: unknown): fc.Arbitrary<unknown> {
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const shaped =
    op.bodyKeys.length === 0
      ? anyJson
      : fc.dictionary(fc.oneof(fc.constantFrom(...op.bodyKeys), fc.string({ maxLength: 6 })), anyJson, {
          maxKeys: 5,
        });
  if (typeof example !== "object" || example === null) return fc.oneof(anyJson, shaped);
  const keys = [...Object.keys(example), ...op.bodyKeys, "extra"];
  const mutated = fc
    .tuple(fc.constantFrom(...keys), fc.option(anyJson, { nil: undefined }))
    .map(([key, value]) => ({ ...example, [key]: value }));
  // Every JSON field (object) of the example and each top-level key it could have may nest deep;
  // every string of it may turn hostile.
  const { strings, objects } = fieldPaths(example);
  const jsonFields = [...objects, ...op.bodyKeys.map((key) => [key]), ["extra"]];
  const hostile = fc
    .oneof(
      fc.tuple(fc.constantFrom(...jsonFields), deepValue),
      fc.tuple(fc.constantFrom(...(strings.length > 0 ? strings : jsonFields)), hostileString),
    )
    .map(([path, raw]) => new Raw(withRaw(example, path, raw)));
  return fc.oneof(
    anyJson,
    shaped,
    fc.constant(example),
    mutated,
    mutated,
    hostile,
    hostile,
    hostile,
    hostile,
  );
}

describe("fuzz: random input at every route", () => {
  let t: TestApp;
  let ops: Operation[];
  const real: Record<string, string> = { label: "persona", rev: "HEAD", name: "feature" };
  const examples = new Map<Operation, unknown>();

  /** (Re)creates what the real path values name, since the fuzz deletes and finishes things. */
  async function ensureFixtures(): Promise<void> {
    const ok = async (path: string) => (await t.get(path)).status === 200;
    if (real.id === undefined || !(await ok(`/v1/agents/${real.id}`))) {
      const agent = await t.agent({ name: `fuzz-${Object.keys(real).length}-${real.id ?? ""}` });
      real.id = agent.id;
      real.project = agent.projectId;
      real.mid = "";
      real.eid = "";
    }
    const agent = `/v1/agents/${real.id}`;
    if (!(await ok(`${agent}/memories/${real.mid}`)))
      real.mid = (await t.post(`${agent}/memories`, { text: "a fact" })).body.memory.id;
    if ((await t.get(`${agent}/episodes/${real.eid}`)).body?.status !== "running")
      real.eid = (await t.post(`${agent}/episodes`, { task: "walk" })).body.id;
    const branches = (await t.get(`${agent}/branches?limit=500`)).body.items as { name: string }[];
    if (!branches.some((b) => b.name === "feature")) await t.post(`${agent}/branches`, { name: "feature" });
    if ((await t.get(`/v1/keys/${real.keyId}`)).body?.revokedAt !== null)
      real.keyId = (await t.post("/v1/keys", { project: real.project })).body.id;
  }

  before(async () => {
    let time = Date.UTC(2026, 0, 1);
    const now = () => time++;
    const engram = createEngram({
      path: ":memory:",
      now,
      generateId: createIdGenerator(now),
      model: quietModel(),
      env: {},
    });
    t = testApp({ engram });
    await ensureFixtures();
    // Extraction names a model in its body; one that is not configured is a documented 503.
    ops = (await documentedOperations(t.app))
      .filter((op) => !ENDLESS_PATHS.has(op.path))
      .map((op) => ({
        ...op,
        mayBeUnavailable: op.path.endsWith("/insights/extract"),
      }));
    const exportDocument = (await t.get(`/v1/agents/${real.id}/export`)).body;
    for (const op of ops) {
      if (op.method !== "GET" && op.method !== "DELETE")
        examples.set(op, exampleBody(op.method, op.path, { revision: "HEAD~1", exportDocument }));
    }
  });

  it("answers 2xx or a JSON 4xx, never 5xx, and stays healthy", async (context) => {
    const statuses = new Map<number, number>();
    const weighted = <T>(arbitrary: fc.Arbitrary<T>, weight: number) => ({ arbitrary, weight });
    const request = fc.record({
      op: fc.constantFrom(...ops),
      // Mostly real objects, so requests get past the lookups into the handlers.
      realParams: fc.oneof(weighted(fc.constant(true), 3), weighted(fc.constant(false), 1)),
      params: fc.dictionary(fc.constantFrom(...Object.keys(real)), text),
      query: fc.array(
        fc.tuple(
          fc.oneof(fc.constantFrom("limit", "cursor", "project", "at", "kind", "q", "tag"), text),
          text,
        ),
        {
          maxLength: 3,
        },
      ),
      contentType: fc.oneof(
        weighted(fc.constant("application/json"), 6),
        weighted(
          fc.constantFrom("text/plain", "", "application/x+json", "application/json; charset=utf-8"),
          1,
        ),
      ),
      // One body in ten is not JSON at all (fc.option would make it ten in eleven: freq weighs the value).
      raw: fc.oneof(
        weighted(fc.constant(undefined), 9),
        weighted(fc.constantFrom("{", "[1,", '{"a":}', "\uFEFF{}", "nul"), 1),
      ),
    });
    const property = fc.asyncProperty(
      request.chain((r) => bodyArbitrary(r.op, examples.get(r.op)).map((shaped) => ({ ...r, shaped }))),
      async (r) => {
        const path = r.op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
          encodePathValue(r.realParams ? (real[name] ?? "x") : (r.params[name] ?? real[name] ?? "x")),
        );
        const query = new URLSearchParams(
          r.query.map(([k, v]): [string, string] => [k === "" ? "q" : k, v]),
        ).toString();
        const url = query === "" ? path : `${path}?${query}`;
        const init: RequestInit = { method: r.op.method };
        if (r.op.method !== "GET") {
          const body = r.raw ?? (r.shaped instanceof Raw ? r.shaped.json : JSON.stringify(r.shaped));
          init.body = body;
          init.headers = r.contentType === "" ? {} : { "content-type": r.contentType };
        }
        const res = await t.app.request(url, init);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const answer = await res.text();
        const where = `${r.op.method} ${url} ${String(init.body ?? "").slice(0, 200)} → ${res.status} ${answer.slice(0, 300)}`;
        if (res.status === 503 && r.op.mayBeUnavailable) {
          assert.equal(JSON.parse(answer).error.code, "unavailable", where);
          return;
        }
        assert.ok(res.status < 500, where);
        // Storage cannot keep a lone surrogate as given, so no write may acknowledge one (MCP answers
        // a refused tool call inside a 200).
        if (r.op.path !== "/mcp" && LONE_SURROGATE_ESCAPE.test(String(init.body ?? "")))
          assert.ok(res.status >= 400, `accepted a lone surrogate: ${where}`);
        if (r.op.method !== "GET") await ensureFixtures();
        if (res.status === 204) return;
        const json = JSON.parse(answer);
        if (res.status >= 400 && r.op.path === "/mcp") {
          // The MCP endpoint answers in JSON-RPC: a numeric error code (docs/mcp.md).
          assert.equal(json.jsonrpc, "2.0", where);
          assert.equal(typeof json.error?.code, "number", where);
        } else if (res.status >= 400) {
          assert.equal(typeof json.error?.code, "string", where);
          assert.equal(typeof json.error?.message, "string", where);
        }
      },
    );
    await fc.assert(property, { seed: SEED, numRuns: RUNS });
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const failed = [...statuses].filter(([status]) => status >= 500).reduce((n, [, count]) => n + count, 0);
    const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
    context.diagnostic(`${total} requests, ${failed} answered 5xx: ${byStatus.join(" ")}`);
    assert.ok(total >= RUNS);
    assert.deepEqual(t.internalErrors, []);
    const health = await t.get("/health");
    assert.equal(health.status, 200);
    assert.equal(health.body.status, "ok");
  });
});
