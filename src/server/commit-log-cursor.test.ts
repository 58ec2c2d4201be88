import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { testApp } from "./test-support.ts";

describe("commit log cursor", () => {
  it("refuses with 400 naming cursor a cursor that is not a commit of this agent's log", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const other = await t.agent({ name: "other" });
    for (let i = 0; i < 3; i++) await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: `v${i}` });
    const first = (await t.get(`/v1/agents/${agent.id}/commits?limit=1`)).body;
    assert.ok(first.nextCursor);
    const next = await t.get(`/v1/agents/${agent.id}/commits?limit=1&cursor=${first.nextCursor}`);
    assert.equal(next.status, 200);
    assert.notEqual(next.body.items[0].id, first.items[0].id);
    for (const [path, cursor] of [
      [agent.id, "abc"],
      [agent.id, "0".repeat(64)],
      [agent.id, "main"],
      [agent.id, "HEAD~1"],
      [agent.id, first.nextCursor.slice(0, 12)],
      [other.id, first.nextCursor],
    ]) {
      const reply = await t.get(`/v1/agents/${path}/commits?cursor=${encodeURIComponent(cursor)}`);
      assert.equal(reply.status, 400, `${cursor}: ${JSON.stringify(reply.body)}`);
      assert.match(reply.body.error.message, /cursor: not a cursor from this list/);
    }
  });
});
