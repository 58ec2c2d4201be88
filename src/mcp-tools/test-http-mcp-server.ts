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
 * Starts an MCP server (the MCP SDK's, stateless) with two tools: `add` adds `a` and `b`; `garbage`
 * answers with something that is not a tool result at all.
 */
export async function startHttpMcpServer(): Promise<TestHttpMcpServer> {
  const requests: IncomingHttpHeaders[] = [];
  const http = createServer(async (req, res) => {
    requests.push(req.headers);
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
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
