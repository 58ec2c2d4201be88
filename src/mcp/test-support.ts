import assert from "node:assert/strict";
import { afterEach, beforeEach } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { createMcpServer, type McpServerOptions } from "./mcp-server.ts";

export interface McpTestbed {
  /** A fresh in-memory engine for each test. */
  readonly engram: Engram;
  /** An SDK client connected in-process to a new MCP server over the test's engine. */
  connect(agent?: string, options?: Partial<McpServerOptions>): Promise<Client>;
}

/** Sets up an engine before each test of the file, and closes it and its clients after. */
export function useMcpTestbed(): McpTestbed {
  let engram: Engram | undefined;
  let clients: Client[] = [];
  beforeEach(() => {
    engram = createTestEngram();
    clients = [];
  });
  afterEach(async () => {
    for (const client of clients) await client.close();
    await engram?.close();
  });
  const current = () => {
    if (engram === undefined) throw new Error("the testbed is used outside a test");
    return engram;
  };
  return {
    get engram() {
      return current();
    },
    async connect(agent, options = {}) {
      const server = createMcpServer({ engram: current(), agent, ...options });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: "test", version: "1.0.0" });
      await client.connect(clientSide);
      clients.push(client);
      return client;
    },
  };
}

/** Calls a tool that must succeed; returns its structured content, checked equal to its JSON text. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary structured results
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.notEqual(result.isError, true, `${name} failed: ${JSON.stringify(result.content)}`);
  const text = result.content[0];
  assert.equal(text?.type, "text");
  assert.deepEqual(JSON.parse(text.type === "text" ? text.text : ""), result.structuredContent);
  return result.structuredContent;
}

/** Calls a tool that must fail; returns the error text the model would see. */
export async function failure(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.equal(result.isError, true, `${name} should fail: ${JSON.stringify(result.content)}`);
  const text = result.content[0];
  return text?.type === "text" ? text.text : "";
}

/** Everything a failed call must leave as it was. */
export async function state(engram: Engram, agentId: string) {
  const [log, memories, messages, episodes, events] = await Promise.all([
    engram.history.log(agentId, { limit: 500 }),
    engram.memories.list(agentId, { limit: 500 }),
    engram.messages.list(agentId, { limit: 500 }),
    engram.experience.listEpisodes(agentId, { limit: 500 }),
    engram.events.list({ limit: 500 }),
  ]);
  return { log, memories, messages, episodes, events };
}
