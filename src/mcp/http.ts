import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { createMcpServer, type McpServerOptions } from "./mcp-server.ts";

export interface McpHttpOptions extends McpServerOptions {
  /** Largest request body in bytes; larger ones get 413. */
  maxBodyBytes: number;
}

/**
 * Answers one streamable-HTTP MCP request, statelessly: a fresh server and transport per POST, its
 * JSON-RPC replies as one JSON response. Nothing lives between requests, so any number of engram
 * servers can stand behind a load balancer, and each request can carry its own engine (e.g. scoped
 * to the project of its API key). There is no server-initiated stream: GET and DELETE get 405.
 */
export async function handleMcpRequest(request: Request, options: McpHttpOptions): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const { maxBodyBytes, ...serverOptions } = options;
  const server = createMcpServer(serverOptions);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: maxBodyBytes,
  });
  await server.connect(transport);
  try {
    // In JSON mode this resolves once every request in the body is answered.
    return await transport.handleRequest(request);
  } finally {
    await server.close();
  }
}

function methodNotAllowed(): Response {
  const body = {
    jsonrpc: "2.0",
    error: {
      code: -32000,
      message: "method not allowed: this MCP endpoint is stateless; send requests with POST",
    },
    id: null,
  };
  return new Response(JSON.stringify(body), {
    status: 405,
    headers: { allow: "POST", "content-type": "application/json" },
  });
}
