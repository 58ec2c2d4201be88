/** An MCP server the agent runs as a child process, speaking MCP over its stdin and stdout. */
export interface StdioMcpServer {
  transport: "stdio";
  /** The program, as found on the server's PATH or as a path. */
  command: string;
  args: string[];
  /** Variables added to the child's minimal environment (PATH, HOME, …; never engram's own). */
  env: Record<string, string>;
}

/** An MCP server reached over streamable HTTP. */
export interface HttpMcpServer {
  transport: "http";
  url: string;
  /** Sent with every request, e.g. `Authorization`. */
  headers: Record<string, string>;
}

/** How an agent reaches one MCP server, and which of its tools the model is offered. */
export type McpServerConfig = (StdioMcpServer | HttpMcpServer) & {
  /** The server's own tool names the model is offered; null: all of them. */
  allowTools: string[] | null;
  /** Time-out of a connection attempt and of each tool call, in ms. */
  timeoutMs: number;
};

/** An MCP server of an agent, as stored. */
export interface McpServer {
  agentId: string;
  name: string;
  config: McpServerConfig;
  createdAt: string;
  updatedAt: string;
  /**
   * Set when this process cannot open a value of `env` or `headers` (sealed at rest, and the process
   * lacks the key that opens it): why. Such values stay as stored, and the server is not started.
   */
  secretProblem?: string | undefined;
}

/** An MCP server of an agent as shown: `env` and `headers` values are masked. */
export type McpServerView = McpServer;
