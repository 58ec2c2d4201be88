import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { type TestApp, testApp } from "./test-support.ts";

/** Follows nextCursor from the first page to the last, `limit` items at a time. */
async function allPages(
  t: TestApp,
  path: string,
  limit: number,
): Promise<{ pages: number; items: unknown[] }> {
  const items: unknown[] = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const url: string = `${path}${sep}limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
    const reply = await t.get(url);
    assert.equal(reply.status, 200, `${url}: ${JSON.stringify(reply.body)}`);
    assert.ok(reply.body.items.length <= limit);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor;
    pages++;
  } while (cursor !== null && pages < 100);
  return { pages, items };
}

describe("pagination", () => {
  it("every list in the OpenAPI document takes cursor and limit and returns nextCursor", async () => {
    const doc = (await testApp().get("/openapi.json")).body;
    const resolve = (schema: { $ref?: string }) =>
      schema.$ref === undefined ? schema : doc.components.schemas[schema.$ref.split("/").at(-1) as string];
    let lists = 0;
    for (const [path, item] of Object.entries<Record<string, Record<string, never>>>(doc.paths)) {
      const op = item.get as
        | {
            parameters?: { name: string; in: string }[];
            responses: Record<string, { content?: Record<string, { schema: object }> }>;
          }
        | undefined;
      const schema = op?.responses["200"]?.content?.["application/json"]?.schema;
      if (op === undefined || schema === undefined) continue;
      const resolved = resolve(schema) as { properties?: Record<string, { type?: string }> };
      if (resolved.properties?.items?.type !== "array") continue;
      lists++;
      const query = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
      assert.ok(query.includes("cursor") && query.includes("limit"), `${path} has no cursor/limit`);
      assert.ok("nextCursor" in (resolved.properties ?? {}), `${path} returns no nextCursor`);
    }
    assert.ok(lists >= 13, `only ${lists} lists found`);
  });

  it("pages branches, memory versions, experience records and insights without gaps or repeats", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}`;
    for (const name of ["b1", "b2", "feature/x", "z"]) await t.post(`${base}/branches`, { name });
    const memory = (await t.post(`${base}/memories`, { text: "v1" })).body.memory;
    for (const text of ["v2", "v3", "v4"]) await t.patch(`${base}/memories/${memory.id}`, { text });
    for (let i = 0; i < 5; i++) {
      await t.post(`${base}/episodes`, {
        task: "walk",
        steps: [{ observation: `at ${i}`, availableActions: ["a", "b"], action: "a", reward: i }],
      });
    }
    const rules = ["one", "two", "three", "four", "five"].map((text) => ({
      op: "add",
      text: `rule ${text}`,
    }));
    const added = (await t.post(`${base}/insights`, { operations: rules })).body.insights;
    await t.post(`${base}/insights`, { operations: [{ op: "agree", id: added[3].id }] });

    for (const path of [
      `${base}/branches`,
      `${base}/memories/${memory.id}/history`,
      `${base}/experience`,
      `${base}/insights`,
    ]) {
      const whole = (await t.get(`${path}?limit=500`)).body.items;
      assert.ok(whole.length >= 4, path);
      const paged = await allPages(t, path, 2);
      assert.equal(paged.pages, Math.ceil(whole.length / 2), path);
      assert.deepEqual(paged.items, whole, path);
    }
    const insights = (await t.get(`${base}/insights?limit=1`)).body;
    assert.equal(insights.items[0].id, added[3].id, "strongest first");
  });

  it("keeps a page boundary when items come and go, and refuses a cursor it did not make", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/branches`;
    for (const name of ["a", "c", "e"]) await t.post(base, { name });
    const first = (await t.get(`${base}?limit=2`)).body;
    assert.deepEqual(
      first.items.map((b: { name: string }) => b.name),
      ["a", "c"],
    );
    await t.del(`${base}/c`);
    await t.post(base, { name: "d" });
    const second = (await t.get(`${base}?limit=2&cursor=${first.nextCursor}`)).body;
    assert.deepEqual(
      second.items.map((b: { name: string }) => b.name),
      ["d", "e"],
    );
    for (const cursor of ["nonsense", Buffer.from("{}").toString("base64url"), "W10"]) {
      const bad = await t.get(`${base}?cursor=${cursor}`);
      assert.equal(bad.status, 400, cursor);
      assert.match(bad.body.error.message, /cursor: not a cursor from this list/);
    }
    assert.equal((await t.get(`${base}?limit=0`)).status, 400);
    assert.equal((await t.get(`${base}?limit=501`)).status, 400);
  });
});
