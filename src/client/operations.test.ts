import assert from "node:assert/strict";
import { test } from "node:test";
import { documentedOperations } from "../server/route-catalog.ts";
import { testApp } from "../server/test-support.ts";
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
