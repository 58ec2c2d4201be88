import assert from "node:assert/strict";
import { test } from "node:test";
import { documentedOperations } from "../server/route-catalog.ts";
import { testApp } from "../server/test-support.ts";
import { createTestEngram } from "../test/index.ts";
import { createClient } from "./client.ts";
import { OPERATIONS, type Operation, UNCLIENTED_OPERATIONS } from "./operations.ts";

test("the client's operation table is the server's /openapi.json, in both directions", async () => {
  const t = testApp();
  const doc = (await t.get("/openapi.json")).body as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  const documented = await documentedOperations(t.app);
  const idOf = (method: string, path: string) => doc.paths[path]?.[method.toLowerCase()]?.operationId;
  const seen = new Set<string>();
  for (const op of documented) {
    const id = idOf(op.method, op.path) as string;
    seen.add(id);
    if ((UNCLIENTED_OPERATIONS as readonly string[]).includes(id)) continue;
    const mine = (OPERATIONS as Record<string, Operation>)[id];
    assert.ok(mine !== undefined, `${id} (${op.method} ${op.path}) is not in src/client/operations.ts`);
    assert.equal(mine.method, op.method, `${id}: method`);
    assert.equal(mine.path, op.path, `${id}: path`);
    assert.deepEqual([...(mine.query ?? [])].sort(), [...op.query].sort(), `${id}: query parameters`);
    assert.equal(mine.body === true, op.hasBody, `${id}: body`);
    const placeholders = [...mine.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    assert.deepEqual(placeholders.sort(), [...op.params].sort(), `${id}: path parameters`);
  }
  for (const id of Object.keys(OPERATIONS))
    assert.ok(seen.has(id), `${id} is in the client but not in /openapi.json`);
  for (const id of UNCLIENTED_OPERATIONS) assert.ok(seen.has(id), `${id} is no longer served: drop it`);
  assert.equal(Object.keys(OPERATIONS).length + UNCLIENTED_OPERATIONS.length, documented.length);
});

test("the client's names are the library's, and every operationId is a client method of that name", () => {
  const client = createClient({ baseUrl: "http://127.0.0.1:1" }) as unknown as Record<string, unknown>;
  const engram = createTestEngram() as unknown as Record<string, unknown>;
  const methodOf = (root: Record<string, unknown>, namespace: string, name: string) =>
    (root[namespace] as Record<string, unknown> | undefined)?.[name];
  // search.all is the library's top-level engram.search.
  assert.equal(typeof client.search, "function");
  for (const id of Object.keys(OPERATIONS).filter((id) => id !== "search.all")) {
    const [namespace, name] = id.split(".") as [string, string];
    assert.equal(typeof methodOf(client, namespace, name), "function", `client.${id} is missing`);
  }
  const ids = new Set(Object.keys(OPERATIONS));
  for (const [namespace, service] of Object.entries(client)) {
    if (typeof service !== "object" || service === null) continue;
    for (const name of Object.keys(service)) {
      const library = typeof methodOf(engram, namespace, name) === "function";
      assert.ok(
        library || ids.has(`${namespace}.${name}`),
        `client.${namespace}.${name} is neither a library method nor an operationId`,
      );
    }
  }
});
