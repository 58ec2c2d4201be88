import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

/** A streamable-HTTP MCP server on 127.0.0.1, for tests. */
export interface TestHttpMcpServer {
  /** Its endpoint, `http://127.0.0.1:PORT/mcp`. */
  url: string;
  /** The headers of every request it got. */
  requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/**
 * Starts an MCP server (the MCP SDK's) with two tools: `add` adds `a` and `b`; `garbage` answers
 * with something that is not a tool result at all. Stateless by default; with `sessions`, each
 * client gets a session at its handshake, and a request naming a session it does not know (one of
 * a server before it) is answered 404, as the MCP specification says.
 */
export async function startHttpMcpServer(
  options: { port?: number; sessions?: boolean } = {},
): Promise<TestHttpMcpServer> {
  const requests: IncomingHttpHeaders[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer(async (req, res) => {
    requests.push(req.headers);
    const sessionId = req.headers["mcp-session-id"];
    if (options.sessions === true && typeof sessionId === "string") {
      const known = sessions.get(sessionId);
      if (known !== undefined) return known.handleRequest(req, res);
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }),
      );
      return;
    }
    const server = toolServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: options.sessions === true ? randomUUID : undefined,
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        sessions.set(id, transport);
      },
    });
    if (options.sessions !== true)
      res.on("close", () => {
        void transport.close();
        void server.close();
      });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function toolServer(): Server {
  const server = new Server({ name: "test-web", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: "add",
        description: "Adds two numbers",
        inputSchema: {
          type: "object",
          properties: { a: { type: "number" }, b: { type: "number" } },
          required: ["a", "b"],
        },
      },
      { name: "garbage", description: "Answers with nonsense", inputSchema: { type: "object" } },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const args = (request.params.arguments ?? {}) as { a?: number; b?: number };
    if (request.params.name === "add")
      return { content: [{ type: "text", text: String((args.a ?? 0) + (args.b ?? 0)) }] };
    return { content: "not a list of parts", isError: "maybe" } as never;
  });
  return server;
}
