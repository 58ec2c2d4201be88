import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { McpServerConfig } from "../core/mcp-server-types.ts";
import { packageVersion } from "../server/version.ts";

/** A tool an MCP server offers, as it describes it. */
export interface McpToolInfo {
  name: string;
  description: string;
  /** JSON Schema of its arguments (an object schema). */
  inputSchema: Record<string, unknown>;
}

/** What a tool call returned, as the MCP SDK's client gives it. */
export type McpCallResult = Awaited<ReturnType<Client["callTool"]>>;

/** How much of a stdio server's stderr is kept, to say why it stopped. */
const STDERR_TAIL = 2000;

/**
 * One open connection to one MCP server: a child process (stdio) or an HTTP session. Its tool list
 * is asked once and kept until the server says it changed. Once `closed` (the child exited, the
 * session broke), it is never used again: the pool opens another.
 */
export class McpConnection {
  readonly #client: Client;
  readonly #stderr: () => string;
  /** Whether an error means the connection is no use any more (see `open`). */
  readonly #breaks: (error: unknown) => boolean;
  #tools: Promise<McpToolInfo[]> | undefined;
  #closed = false;

  private constructor(client: Client, stderr: () => string, breaks: (error: unknown) => boolean) {
    this.#client = client;
    this.#stderr = stderr;
    this.#breaks = breaks;
    client.onclose = () => {
      this.#closed = true;
    };
  }

  /**
   * Starts the server (stdio) or opens a session (HTTP) and completes MCP's handshake.
   * @throws Error saying why, within `timeoutMs`
   */
  static async open(config: McpServerConfig, timeoutMs: number): Promise<McpConnection> {
    // Loaded here, on the first use of an MCP server, not when engram starts.
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { McpError, ToolListChangedNotificationSchema } = await import(
      "@modelcontextprotocol/sdk/types.js"
    );
    const client = new Client({ name: "engram", version: packageVersion() });
    let tail = "";
    let transport: Parameters<Client["connect"]>[0];
    if (config.transport === "stdio") {
      const stdio = await import("@modelcontextprotocol/sdk/client/stdio.js");
      const child = new stdio.StdioClientTransport({
        command: config.command,
        args: config.args,
        // Only the usual variables (PATH, HOME, …), never engram's own: they may hold provider keys.
        env: { ...stdio.getDefaultEnvironment(), ...config.env },
        stderr: "pipe",
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        tail = (tail + chunk.toString("utf8")).slice(-STDERR_TAIL);
      });
      transport = child;
    } else {
      const http = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
      transport = new http.StreamableHTTPClientTransport(new URL(config.url), {
        requestInit: { headers: config.headers },
      });
    }
    // A stdio server is gone when its process exits (the client closes then). Over HTTP, an error
    // that is not the server's own JSON-RPC answer (refused, reset, a session the server forgot)
    // means the session is gone: the connection closes, and the next use opens a new one.
    const breaks = (error: unknown) => config.transport === "http" && !(error instanceof McpError);
    const connection = new McpConnection(client, () => tail.trim(), breaks);
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(), timeoutMs);
    try {
      await Promise.race([
        client.connect(transport, { timeout: timeoutMs, signal: timer.signal }),
        new Promise<never>((_, reject) =>
          timer.signal.addEventListener(
            "abort",
            () => reject(new Error(`no answer within ${timeoutMs} ms`)),
            {
              once: true,
            },
          ),
        ),
      ]);
    } catch (error) {
      await client.close().catch(() => {});
      throw new Error(connection.#explain(error));
    } finally {
      clearTimeout(timeout);
    }
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      connection.#tools = undefined;
    });
    return connection;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The server's tools, asked once per connection (again after it says they changed). */
  tools(timeoutMs: number): Promise<McpToolInfo[]> {
    this.#tools ??= this.#listTools(timeoutMs);
    const listed = this.#tools;
    listed.catch(() => {
      if (this.#tools === listed) this.#tools = undefined;
    });
    return listed;
  }

  /** Calls a tool. @throws Error saying why when the call fails (not when the tool reports an error) */
  async call(
    name: string,
    args: Record<string, unknown>,
    options: { timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<McpCallResult> {
    try {
      return await this.#client.callTool({ name, arguments: args }, undefined, {
        timeout: options.timeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      throw new Error(this.#failed(error));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#client.close().catch(() => {});
  }

  async #listTools(timeoutMs: number): Promise<McpToolInfo[]> {
    const out: McpToolInfo[] = [];
    let cursor: string | undefined;
    // Pages until the server has none left, within a bound a misbehaving server cannot stretch.
    for (let page = 0; page < 20; page++) {
      const listed = await this.#client
        .listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs })
        .catch((error: unknown) => {
          throw new Error(this.#failed(error));
        });
      for (const tool of listed.tools)
        out.push({
          name: tool.name,
          description: tool.description ?? tool.title ?? "",
          inputSchema: tool.inputSchema as Record<string, unknown>,
        });
      cursor = listed.nextCursor;
      if (cursor === undefined) break;
    }
    return out;
  }

  /** Why a request failed; the connection closes when the failure means it is no use any more. */
  #failed(error: unknown): string {
    if (!this.#closed && this.#breaks(error)) void this.close();
    return this.#explain(error);
  }

  /** An error's message, with the end of the server's stderr when it stopped. */
  #explain(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const stderr = this.#stderr();
    return this.#closed && stderr !== "" ? `${message} (its stderr ends: ${stderr.slice(-500)})` : message;
  }
}
