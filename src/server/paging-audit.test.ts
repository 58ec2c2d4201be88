import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { type TestApp, testApp } from "./test-support.ts";

/** Asks `path` for the page after `cursor`, expecting the 400 that names the cursor. */
async function refusesCursor(t: TestApp, path: string, cursor: string): Promise<void> {
  const sep = path.includes("?") ? "&" : "?";
  const reply = await t.get(`${path}${sep}cursor=${encodeURIComponent(cursor)}`);
  assert.equal(reply.status, 400, `${path} cursor=${cursor}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.error.code, "invalid_input");
  assert.match(reply.body.error.message, /cursor: not a cursor from this list/, path);
}

describe("paging audit", () => {
  it("refuses a forged cursor, or another list's, on every list paged by id, and still pages with its own", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const other = await t.agent({ name: "other" });
    const base = `/v1/agents/${agent.id}`;
    await t.post("/v1/keys", { project: "default", name: "ci" });
    await t.post("/v1/keys", { project: "default", name: "cd" });
    const webhook = (
      await t.post("/v1/webhooks", { url: "https://hooks.example.com/a", events: ["memory.*"] })
    ).body;
    await t.post("/v1/webhooks", { url: "https://hooks.example.com/b", events: ["memory.*"] });
    for (const name of ["g1", "g2"])
      await t.post("/v1/groups", { name, pattern: "round-robin", members: [agent.id, other.id] });
    for (const label of ["team", "style"]) await t.post("/v1/blocks", { label, value: "shared" });
    for (const task of ["walk", "run"]) {
      await t.post(`${base}/episodes`, {
        task,
        steps: [{ observation: "start", availableActions: ["a", "b"], action: "a", reward: 1 }],
      });
    }
    await t.post("/v1/projects", { name: "second" });

    const lists = [
      "/v1/projects",
      "/v1/keys",
      "/v1/agents",
      "/v1/webhooks",
      `/v1/webhooks/${webhook.id}/deliveries`,
      "/v1/groups",
      "/v1/blocks",
      `${base}/episodes`,
      `${base}/evolution-runs`,
    ];
    const forged = [
      "nonsense",
      "zzzz",
      Buffer.from(JSON.stringify(["x"])).toString("base64url"),
      "agt_", // a prefix, not an id
    ];
    for (const path of lists) {
      for (const cursor of forged) await refusesCursor(t, path, cursor);
      // Another list's cursor: an id of another kind.
      await refusesCursor(t, path, path === "/v1/agents" ? webhook.id : agent.id);
      const first = (await t.get(`${path}?limit=1`)).body;
      if (first.nextCursor === null) continue;
      const second = await t.get(`${path}?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`);
      assert.equal(second.status, 200, path);
      assert.equal(second.body.items.length, 1, path);
      assert.notDeepEqual(second.body.items[0], first.items[0], path);
    }
  });

  it("refuses one in-memory-paged list's cursor on another", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}`;
    for (const name of ["b1", "b2"]) await t.post(`${base}/branches`, { name });
    const branches = (await t.get(`${base}/branches?limit=1`)).body;
    assert.ok(branches.nextCursor);
    await t.post(`${base}/insights`, {
      operations: [
        { op: "add", text: "one" },
        { op: "add", text: "two" },
      ],
    });
    const insights = (await t.get(`${base}/insights?limit=1`)).body;
    assert.ok(insights.nextCursor);
    const memory = (await t.post(`${base}/memories`, { text: "v1" })).body.memory;
    await refusesCursor(t, `${base}/mcp-servers`, branches.nextCursor);
    await refusesCursor(t, `${base}/insights`, branches.nextCursor);
    await refusesCursor(t, `${base}/experience`, insights.nextCursor);
    await refusesCursor(t, `${base}/memories/${memory.id}/history`, branches.nextCursor);
    await refusesCursor(t, `${base}/tools`, branches.nextCursor);
  });

  it("pages episodes on past an episode whose id is longer than 200 characters", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}`;
    // A caller names its turns; feedback on one makes an episode whose id carries the turn id.
    const turnId = "t".repeat(200);
    await t.post(`${base}/messages`, {
      messages: [
        { role: "user", content: "book a table", metadata: { turnId } },
        { role: "assistant", content: "booked", metadata: { turnId } },
      ],
    });
    assert.equal((await t.post(`${base}/turns/${turnId}/feedback`, { reward: 1 })).status, 201);
    await t.post(`${base}/episodes`, {
      task: "walk",
      steps: [{ observation: "start", availableActions: ["a"], action: "a", reward: 1 }],
    });
    const first = (await t.get(`${base}/episodes?limit=1`)).body;
    assert.ok(first.nextCursor.length > 200);
    const second = await t.get(`${base}/episodes?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.items.length, 1);
    assert.equal(second.body.nextCursor, null);
    // The library and the CLI take the same cursor.
    const page = await t.engram.experience.listEpisodes(agent.id, { cursor: first.nextCursor, limit: 1 });
    assert.equal(page.items.length, 1);
  });
});
