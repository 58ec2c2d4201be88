import type { Readable, Writable } from "node:stream";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { CheckedStdioTransport } from "./checked-stdio-transport.ts";
import { createMcpServer, type McpServerOptions } from "./mcp-server.ts";

export interface StdioOptions extends McpServerOptions {
  stdin: Readable;
  /** Carries nothing but protocol messages. */
  stdout: Writable;
  /** Where problems are reported (never stdout, which belongs to the protocol). */
  log: (line: string) => void;
  /** Resolves when the server should stop even though stdin is still open (e.g. on SIGTERM). */
  stop?: Promise<unknown> | undefined;
  /** Longest wait for calls in flight once stopping (default 10 s). */
  drainMs?: number;
}

/**
 * Serves MCP over a pair of streams, one JSON-RPC message per line, until stdin ends or `stop` resolves, then lets the calls in
 * flight answer (up to `drainMs`) and closes the server. The engine stays open: it is the caller's.
 */
export async function serveStdio(options: StdioOptions): Promise<void> {
  const { stdin, stdout, log, stop, drainMs = 10_000, ...serverOptions } = options;
  const server = createMcpServer({
    ...serverOptions,
    onInternalError: serverOptions.onInternalError ?? ((error) => log(`internal error: ${describe(error)}`)),
  });
  // Every line gets an answer, a JSON-RPC error for a bad one; problems that must not be answered are logged.
  const transport = new CheckedStdioTransport(stdin, stdout, log);
  const inFlight = trackRequests(transport);
  // The SDK keeps handlers set before connect() and calls them ahead of its own.
  transport.onerror = (error) => log(`protocol error: ${describe(error)}`);
  const ended = new Promise<void>((resolve) => {
    stdin.once("end", resolve);
    stdin.once("close", resolve);
    transport.onclose = resolve;
  });
  await server.connect(transport);
  await Promise.race([ended, stop ?? new Promise<never>(() => {})]);
  await inFlight.drained(drainMs);
  await server.close();
}

/** Counts requests received and answered, so stopping can wait until every one is answered. */
function trackRequests(transport: CheckedStdioTransport): { drained(ms: number): Promise<void> } {
  let pending = 0;
  let idle: (() => void) | undefined;
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage) => {
    await send(message);
    if (isResponse(message) && --pending === 0) idle?.();
  };
  transport.onmessage = (message) => {
    if ("method" in message && "id" in message) pending++;
  };
  return {
    drained(ms) {
      if (pending <= 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

function isResponse(message: JSONRPCMessage): boolean {
  return "id" in message && !("method" in message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
