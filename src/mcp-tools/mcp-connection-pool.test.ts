import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { McpServerConfig } from "../core/mcp-server-types.ts";
import type { McpConnection } from "./mcp-connection.ts";
import { McpConnectionPool } from "./mcp-connection-pool.ts";

const config = (command: string): McpServerConfig => ({
  transport: "stdio",
  command,
  args: [],
  env: {},
  allowTools: null,
  timeoutMs: 1000,
});

/** A pool whose connections are fakes: it counts opens and closes, and fails while `failing`. */
function fakePool(options: { maxConnections?: number } = {}) {
  const state = { opened: [] as string[], closed: [] as string[], failing: false };
  const pool = new McpConnectionPool({
    ...options,
    open: async (c) => {
      const command = c.transport === "stdio" ? c.command : c.url;
      if (state.failing) throw new Error(`cannot start ${command}`);
      state.opened.push(command);
      const fake = {
        closed: false,
        tools: async () => [{ name: "t", description: "", inputSchema: { type: "object" } }],
        close: async () => {
          fake.closed = true;
          state.closed.push(command);
        },
      };
      return fake as unknown as McpConnection;
    },
  });
  return { pool, state };
}

describe("the MCP connection pool", () => {
  it("reuses one connection per agent, server and configuration; reopens a dead one; replaces a changed one", async () => {
    const { pool, state } = fakePool();
    const first = await pool.acquire("agt_1", "s", config("a"));
    assert.equal(await pool.acquire("agt_1", "s", config("a")), first);
    await pool.acquire("agt_2", "s", config("a"));
    assert.deepEqual(state.opened, ["a", "a"]);
    (first as unknown as { closed: boolean }).closed = true;
    const reopened = await pool.acquire("agt_1", "s", config("a"));
    assert.notEqual(reopened, first);
    await pool.acquire("agt_1", "s", config("b"));
    assert.deepEqual(state.opened, ["a", "a", "a", "b"]);
    assert.ok(state.closed.includes("a"), "the old configuration's connection was closed");
    await pool.close();
    assert.equal(pool.size, 0);
    await assert.rejects(pool.acquire("agt_1", "s", config("a")), /engram is closed/);
  });

  it("after a failed start, gives the same error without trying again until its pause is over", async () => {
    const { pool, state } = fakePool();
    state.failing = true;
    await assert.rejects(pool.acquire("agt_1", "s", config("a")), /cannot start a/);
    state.failing = false;
    await assert.rejects(pool.acquire("agt_1", "s", config("a")), /cannot start a/, "within the pause");
    assert.deepEqual(state.opened, []);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await pool.acquire("agt_1", "s", config("a"));
    assert.deepEqual(state.opened, ["a"]);
    await pool.close();
  });

  it("remembers the tools a configuration listed, and past its limit closes the least recently used", async () => {
    const { pool, state } = fakePool({ maxConnections: 2 });
    assert.equal(pool.knownTools("agt_1", "s", config("a")), undefined);
    await pool.tools("agt_1", "s", config("a"));
    assert.deepEqual(
      pool.knownTools("agt_1", "s", config("a"))?.map((t) => t.name),
      ["t"],
    );
    assert.equal(pool.knownTools("agt_1", "s", config("other")), undefined);
    await pool.acquire("agt_2", "s", config("b"));
    await pool.acquire("agt_3", "s", config("c"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(state.closed, ["a"]);
    await pool.close();
  });
});
