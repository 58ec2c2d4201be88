import type { McpServerView } from "../../core/mcp-server-types.ts";
import type { Page } from "../../core/types.ts";
import type { McpServerService } from "../../mcp-tools/mcp-server-service.ts";
import { allPages } from "../all-pages.ts";
import type { Transport } from "../transport.ts";

/** An agent's MCP servers over HTTP: the library's `engram.mcpServers` (the server's allowlists apply). */
export type McpServersClient = Pick<McpServerService, "put" | "get" | "list" | "delete">;

/** `client.mcpServers`. */
export function mcpServersClient(t: Transport): McpServersClient {
  return {
    put: async (agentId, name, input) => {
      const response = await t.send("mcpServers.put", { params: { id: agentId, name }, body: input });
      return { server: (await response.json()) as McpServerView, created: response.status === 201 };
    },
    get: (agentId, name) => t.call("mcpServers.get", { params: { id: agentId, name } }),
    list: (agentId) =>
      allPages((cursor) =>
        t.call<Page<McpServerView>>("mcpServers.list", {
          params: { id: agentId },
          query: { cursor, limit: 500 },
        }),
      ),
    delete: (agentId, name) => t.call("mcpServers.delete", { params: { id: agentId, name } }),
  };
}
