import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { mcpServerInput } from "../../mcp-tools/mcp-server-config.ts";
import type { AppEnv } from "../env.ts";
import { agentIdOf } from "../lookup.ts";
import { pageList } from "../paginate.ts";
import {
  agentParams,
  cursorQuery,
  errorResponses,
  jsonRequest,
  jsonResponse,
  limitQuery,
  pageSchema,
} from "../schemas.ts";

const McpServerSchema = z
  .object({
    agentId: z.string(),
    name: z.string(),
    config: z
      .object({
        transport: z.enum(["stdio", "http"]),
        command: z.string().optional(),
        args: z.array(z.string()).optional(),
        env: z.record(z.string(), z.string()).optional().openapi({ description: "values masked" }),
        url: z.string().optional(),
        headers: z.record(z.string(), z.string()).optional().openapi({ description: "values masked" }),
        allowTools: z.array(z.string()).nullable(),
        timeoutMs: z.number().int(),
      })
      .openapi({ description: "how the server is reached; env and header values are shown as ********" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    secretProblem: z.string().optional().openapi({
      description:
        "set when this server's sealed env or header values cannot be opened here (ENGRAM_SECRET_KEY missing or another): it is not started",
    }),
  })
  .openapi("McpServer");

const ToolSchema = z
  .object({
    name: z.string().openapi({ description: "the name the model calls it by (SERVER__TOOL for MCP tools)" }),
    source: z.enum(["memory", "app", "mcp"]),
    description: z.string(),
    server: z.string().optional(),
    tool: z.string().optional().openapi({ description: "the MCP server's own name for it" }),
  })
  .openapi("AgentTool");

const ServerStatusSchema = z
  .object({
    name: z.string(),
    status: z.enum(["ok", "unavailable", "forbidden"]),
    error: z.string().nullable(),
    tools: z.number().int(),
  })
  .openapi("McpServerStatus");

const serverParams = agentParams.extend({
  name: z
    .string()
    .min(1)
    .openapi({ param: { name: "name", in: "path" }, description: "the MCP server's name in the agent" }),
});

const put = createRoute({
  method: "put",
  path: "/v1/agents/{id}/mcp-servers/{name}",
  operationId: "mcpServers.put",
  tags: ["tools"],
  summary: "Give an agent an MCP server's tools (stdio: command; streamable HTTP: url), or replace it",
  description: [
    "The server's tools are offered to the agent's model as NAME__TOOL (only those in allowTools, when",
    "given). An env or header value sent as ******** keeps the stored one. With auth, the command must",
    "be allowed by engram serve --allow-mcp and the URL by --allow-url, else 403.",
  ].join(" "),
  request: { params: serverParams, body: jsonRequest(mcpServerInput) },
  responses: {
    200: jsonResponse(McpServerSchema, "replaced"),
    201: jsonResponse(McpServerSchema, "created"),
    ...errorResponses(400, 403, 404, 413, 415),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/agents/{id}/mcp-servers",
  operationId: "mcpServers.list",
  tags: ["tools"],
  summary: "An agent's MCP servers, by name (env and header values masked)",
  request: { params: agentParams, query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(pageSchema(McpServerSchema, "McpServerPage"), "a page of the servers"),
    ...errorResponses(400, 404),
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/agents/{id}/mcp-servers/{name}",
  operationId: "mcpServers.get",
  tags: ["tools"],
  summary: "One MCP server of an agent (env and header values masked)",
  request: { params: serverParams },
  responses: { 200: jsonResponse(McpServerSchema, "the server"), ...errorResponses(400, 404) },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/agents/{id}/mcp-servers/{name}",
  operationId: "mcpServers.delete",
  tags: ["tools"],
  summary: "Take an MCP server's tools away from an agent",
  request: { params: serverParams },
  responses: { 204: { description: "deleted" }, ...errorResponses(400, 404) },
});

const tools = createRoute({
  method: "get",
  path: "/v1/agents/{id}/tools",
  operationId: "runtime.listTools",
  tags: ["tools"],
  summary:
    "Every tool the agent's model is offered (built in and from its MCP servers), and each server's state",
  description:
    "Listing connects to the agent's MCP servers that are not running. A server that cannot be reached is `unavailable`, with the reason; one the server's allowlists refuse is `forbidden`.",
  request: { params: agentParams, query: z.object({ cursor: cursorQuery, limit: limitQuery }) },
  responses: {
    200: jsonResponse(
      z.object({
        items: z.array(ToolSchema),
        nextCursor: z.string().nullable(),
        servers: z.array(ServerStatusSchema).openapi({ description: "every server, on each page" }),
      }),
      "a page of the tools, in the order they are offered, and every server's state",
    ),
    ...errorResponses(400, 403, 404),
  },
});

/** `/v1/agents/{id}/mcp-servers` and `/v1/agents/{id}/tools`. */
export function registerMcpServerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(put, async (c) => {
    const { id, name } = c.req.valid("param");
    const engram = c.var.engram;
    const { server, created } = await engram.mcpServers.put(
      await agentIdOf(engram, id),
      name,
      c.req.valid("json"),
    );
    return created ? c.json(server, 201) : c.json(server, 200);
  });
  app.openapi(list, async (c) => {
    const engram = c.var.engram;
    const servers = await engram.mcpServers.list(await agentIdOf(engram, c.req.valid("param").id));
    return c.json(
      pageList("mcp-servers", servers, c.req.valid("query"), (server) => [server.name]),
      200,
    );
  });
  app.openapi(get, async (c) => {
    const { id, name } = c.req.valid("param");
    const engram = c.var.engram;
    return c.json(await engram.mcpServers.get(await agentIdOf(engram, id), name), 200);
  });
  app.openapi(remove, async (c) => {
    const { id, name } = c.req.valid("param");
    const engram = c.var.engram;
    await engram.mcpServers.delete(await agentIdOf(engram, id), name);
    return c.body(null, 204);
  });
  app.openapi(tools, async (c) => {
    const engram = c.var.engram;
    const { items, servers } = await engram.runtime.listTools(
      await agentIdOf(engram, c.req.valid("param").id),
    );
    // Paged by position: the list is built afresh for each request, in the order the model sees it.
    const page = pageList(
      "tools",
      items.map((tool, position) => ({ tool, position })),
      c.req.valid("query"),
      (entry) => [entry.position],
    );
    return c.json(
      { items: page.items.map((entry) => entry.tool), nextCursor: page.nextCursor, servers },
      200,
    );
  });
}
