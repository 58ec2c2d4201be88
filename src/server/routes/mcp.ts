import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Engram } from "../../engram.ts";
import type { AppEnv } from "../env.ts";

/** Where the MCP endpoint lives; the JSON body middleware leaves it to the MCP transport. */
export const MCP_PATH = "/mcp";

const McpQuery = z.object({
  agent: z
    .string()
    .optional()
    .openapi({ description: "The agent (id or name) tools work on when a call names none." }),
});

const JsonRpcBody = z.looseObject({ jsonrpc: z.literal("2.0") }).openapi("JsonRpcMessage", {
  description: "One JSON-RPC 2.0 message (batches are refused, as in MCP 2025-06-18).",
});

export interface McpRouteOptions {
  maxBodyBytes: number;
  onInternalError: (error: unknown) => void;
}

/**
 * `POST /mcp`: the MCP server over streamable HTTP (stateless). `?agent=ID_OR_NAME` sets the agent
 * calls work on when they name none. `engineFor` picks the engine per request, so a request scoped
 * to one project (e.g. by its API key) sees only that project.
 */
export function registerMcpRoute(
  app: OpenAPIHono<AppEnv>,
  engineFor: (c: Context<AppEnv>) => Engram,
  options: McpRouteOptions,
): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: MCP_PATH,
    operationId: "mcp.request",
    tags: ["mcp"],
    summary: "Model Context Protocol endpoint (streamable HTTP, stateless)",
    description:
      "JSON-RPC 2.0 messages of the Model Context Protocol: an MCP client's `initialize`, `tools/list`, " +
      "`tools/call`, `resources/list`, `resources/read` … The client must accept both application/json " +
      "and text/event-stream; replies come as application/json. See docs/mcp.md for the tools.",
    request: {
      query: McpQuery,
      body: {
        required: true,
        content: { "application/json": { schema: JsonRpcBody } },
      },
    },
    responses: {
      200: {
        description: "the JSON-RPC responses",
        content: { "application/json": { schema: JsonRpcBody } },
      },
      202: { description: "notifications or responses only: accepted, nothing to answer" },
      400: {
        description:
          "not one JSON-RPC 2.0 request: −32700 parse error, −32600 invalid request (a batch, a bad id or jsonrpc, an unknown query parameter), with id null when it could not be read",
      },
      406: { description: "the Accept header lacks application/json or text/event-stream" },
      413: { description: "body over the size limit" },
      415: { description: "the body is not application/json" },
    },
  });
  app.all(MCP_PATH, async (c) => {
    // The MCP SDK loads with the first MCP request: a server that is never asked for MCP starts without it.
    const [{ handleMcpRequest }, { errorResponse, JSON_RPC_INVALID_REQUEST }] = await Promise.all([
      import("../../mcp/http.ts"),
      import("../../mcp/json-rpc-check.ts"),
    ]);
    // A parameter this endpoint does not take is refused, as on every route, but in JSON-RPC's shape.
    const unknown = Object.keys(c.req.queries()).find((name) => name !== "agent");
    if (unknown !== undefined) {
      const message = `invalid request: ${JSON.stringify(unknown)} is not a query parameter of ${MCP_PATH} (it takes: agent)`;
      return c.json(errorResponse(null, JSON_RPC_INVALID_REQUEST, message), 400);
    }
    const agent = c.req.query("agent");
    return handleMcpRequest(c.req.raw, {
      engram: engineFor(c),
      agent: agent === "" ? undefined : agent,
      maxBodyBytes: options.maxBodyBytes,
      onInternalError: options.onInternalError,
    });
  });
}
