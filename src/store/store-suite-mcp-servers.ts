import assert from "node:assert/strict";
import { it } from "node:test";
import { NotFoundError } from "../core/errors.ts";
import type { McpServer } from "../core/mcp-server-types.ts";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** MCP servers' part of `runStoreSuite`. */
export function mcpServerCases(kit: SuiteKit): void {
  const { withStore, seed, event, at } = kit;
  const server = (agentId: string, name: string, command: string, n: number): McpServer => ({
    agentId,
    name,
    config: {
      transport: "stdio",
      command,
      args: ["--x", "ü 'quoted'"],
      env: { TOKEN: "s3cret" },
      allowTools: null,
      timeoutMs: 1000,
    },
    createdAt: at(n),
    updatedAt: at(n),
  });

  it("mcp servers: put creates then replaces, each with its event and the stored server before it", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const first = await store.mcpServers.put(agent.id, "files", (before) => {
        assert.equal(before, null);
        return {
          server: server(agent.id, "files", "one", 1),
          event: event(project.id, "mcp_server.created", agent.id),
        };
      });
      assert.equal(first.before, null);
      const second = await store.mcpServers.put(agent.id, "files", (before) => {
        assert.equal(before?.config.transport === "stdio" && before.config.command, "one");
        return {
          server: { ...server(agent.id, "files", "two", 2), createdAt: before?.createdAt ?? at(2) },
          event: event(project.id, "mcp_server.updated", agent.id),
        };
      });
      assert.equal(second.before?.config.transport === "stdio" && second.before.config.command, "one");
      await store.mcpServers.put(agent.id, "aaa", () => ({
        server: server(agent.id, "aaa", "three", 3),
        event: event(project.id, "mcp_server.created", agent.id),
      }));
      const listed = await store.mcpServers.list(agent.id);
      assert.deepEqual(
        listed.map((s) => s.name),
        ["aaa", "files"],
      );
      assert.deepEqual(await store.mcpServers.get(agent.id, "files"), {
        ...server(agent.id, "files", "two", 2),
        createdAt: at(1),
      });
      const kinds = (await store.events.list({ agentId: agent.id, limit: 100 })).map((e) => e.kind);
      assert.deepEqual(
        kinds.filter((k) => k.startsWith("mcp_server.")),
        ["mcp_server.created", "mcp_server.updated", "mcp_server.created"],
      );
    });
  });

  it("mcp servers: a put for a missing agent, or a change that throws, writes nothing", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      await assert.rejects(
        store.mcpServers.put("agt_missing", "files", () => ({
          server: server("agt_missing", "files", "x", 1),
          event: event(project.id, "mcp_server.created"),
        })),
        NotFoundError,
      );
      await assert.rejects(
        store.mcpServers.put(agent.id, "files", () => {
          throw new Error("refused");
        }),
        /refused/,
      );
      assert.deepEqual(await store.mcpServers.list(agent.id), []);
      const events = await store.events.list({ projectId: project.id, limit: 100 });
      assert.equal(events.filter((e) => e.kind.startsWith("mcp_server.")).length, 0);
    });
  });

  it("mcp servers: delete removes one with its event; a missing one is not found; agents' servers stay apart and go with the agent", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const { agent: other } = await seed(store);
      for (const a of [agent, other])
        await store.mcpServers.put(a.id, "files", () => ({
          server: server(a.id, "files", a.id, 1),
          event: event(a.projectId, "mcp_server.created", a.id),
        }));
      const removed = await store.mcpServers.delete(agent.id, "files", (before) => {
        assert.equal(before.name, "files");
        return event(project.id, "mcp_server.deleted", agent.id);
      });
      assert.equal(removed.agentId, agent.id);
      assert.equal(await store.mcpServers.get(agent.id, "files"), null);
      assert.equal((await store.mcpServers.get(other.id, "files"))?.agentId, other.id);
      await assert.rejects(
        store.mcpServers.delete(agent.id, "files", () => event(project.id, "mcp_server.deleted", agent.id)),
        NotFoundError,
      );
      const kinds = (await store.events.list({ agentId: agent.id, limit: 100 })).map((e) => e.kind);
      assert.equal(kinds.filter((k) => k === "mcp_server.deleted").length, 1);
      // An agent's servers go with it.
      await store.agents.delete(other.id, event(other.projectId, "agent.deleted", other.id));
      assert.deepEqual(await store.mcpServers.list(other.id), []);
    });
  });
}
