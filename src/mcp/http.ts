import { readRequestBody } from "@modelcontextprotocol/sdk/server/requestBody.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { checkLine, errorResponse } from "./json-rpc-check.ts";
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
  const checked = await checkBody(request, maxBodyBytes);
  if (checked instanceof Response) return checked;
  const server = createMcpServer(serverOptions);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: maxBodyBytes,
  });
  await server.connect(transport);
  try {
    // In JSON mode this resolves once every request in the body is answered.
    return await transport.handleRequest(request, checked);
  } finally {
    await server.close();
  }
}

/**
 * The body's one JSON-RPC message, checked as over stdio (json-rpc-check.ts), or the JSON-RPC error
 * response to send instead: the SDK's transport would call every malformed message a parse error,
 * take batches, and answer bad params with −32603 and a raw zod dump. A request whose headers the
 * transport refuses (406, 415) is left to it, unread.
 */
async function checkBody(
  request: Request,
  maxBodyBytes: number,
): Promise<{ parsedBody?: unknown } | Response> {
  const accept = request.headers.get("accept") ?? "";
  const json = /^application\/json\s*(;|$)/i.test(request.headers.get("content-type") ?? "");
  if (!json || !accept.includes("application/json") || !accept.includes("text/event-stream")) return {};
  const body = await readRequestBody(request, maxBodyBytes);
  if (body.tooLarge)
    return rpcError(413, ErrorCode.InvalidRequest, `invalid request: the body is over ${maxBodyBytes} bytes`);
  const checked = checkLine(body.text);
  if ("message" in checked) return { parsedBody: checked.message };
  if ("problem" in checked)
    return rpcError(400, ErrorCode.InvalidRequest, `invalid request: ${checked.problem}`);
  // A request whose id could be read gets its error as a JSON-RPC answer, like any failed call.
  const status = checked.error.error.code === ErrorCode.InvalidParams ? 200 : 400;
  return new Response(JSON.stringify(checked.error), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function rpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify(errorResponse(null, code, message)), {
    status,
    headers: { "content-type": "application/json" },
  });
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
