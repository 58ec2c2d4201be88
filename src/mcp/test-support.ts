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

/** A malformed JSON-RPC message and the error it must get (JSON-RPC 2.0's codes). */
export interface MalformedMessage {
  line: string;
  code: number;
  /** The id the answer carries: the request's when it could be read, else null. */
  id: string | number | null;
  message: RegExp;
}

const PARSE = -32700;
const INVALID_REQUEST = -32600;
const NO_METHOD = -32601;
const INVALID_PARAMS = -32602;
const rpc = (fields: Record<string, unknown>) => JSON.stringify({ jsonrpc: "2.0", ...fields });

/** Thirty kinds of bad input an MCP server must answer, over stdio and over HTTP alike. */
export const MALFORMED_MESSAGES: readonly MalformedMessage[] = [
  { line: "not json", code: PARSE, id: null, message: /^parse error: / },
  { line: "{", code: PARSE, id: null, message: /^parse error: / },
  { line: "null", code: INVALID_REQUEST, id: null, message: /must be an object, got null/ },
  { line: "42", code: INVALID_REQUEST, id: null, message: /must be an object, got number 42/ },
  { line: '"text"', code: INVALID_REQUEST, id: null, message: /must be an object, got string/ },
  { line: "true", code: INVALID_REQUEST, id: null, message: /must be an object, got boolean/ },
  { line: "[]", code: INVALID_REQUEST, id: null, message: /batches are not supported/ },
  { line: `[${rpc({ id: 101, method: "ping" })}]`, code: INVALID_REQUEST, id: null, message: /batches/ },
  { line: "{}", code: INVALID_REQUEST, id: null, message: /jsonrpc: must be "2\.0", got nothing/ },
  {
    line: JSON.stringify({ jsonrpc: "1.0", id: 102, method: "ping" }),
    code: INVALID_REQUEST,
    id: 102,
    message: /jsonrpc: must be "2\.0", got "1\.0"/,
  },
  {
    line: JSON.stringify({ id: "no-version", method: "ping" }),
    code: INVALID_REQUEST,
    id: "no-version",
    message: /jsonrpc/,
  },
  {
    line: rpc({ id: { a: 1 }, method: "ping" }),
    code: INVALID_REQUEST,
    id: null,
    message: /id: .*got an object/,
  },
  { line: rpc({ id: null, method: "ping" }), code: INVALID_REQUEST, id: null, message: /id: .*got null/ },
  { line: rpc({ id: [1], method: "ping" }), code: INVALID_REQUEST, id: null, message: /id: .*got an array/ },
  {
    line: rpc({ id: 1.5, method: "ping" }),
    code: INVALID_REQUEST,
    id: null,
    message: /id: .*got number 1\.5/,
  },
  { line: rpc({ id: true, method: "ping" }), code: INVALID_REQUEST, id: null, message: /id: .*got boolean/ },
  { line: rpc({ id: 104 }), code: INVALID_REQUEST, id: 104, message: /needs a method/ },
  { line: rpc({ id: 105, method: 5 }), code: INVALID_REQUEST, id: 105, message: /method: must be a string/ },
  { line: rpc({ id: 106, method: "no/such" }), code: NO_METHOD, id: 106, message: /not found/i },
  {
    line: rpc({ id: 107, method: "tools/call", params: { name: "memory_search", arguments: "x" } }),
    code: INVALID_PARAMS,
    id: 107,
    message: /^invalid params: params\.arguments: .*expected record, received string$/,
  },
  {
    line: rpc({ id: 108, method: "tools/call" }),
    code: INVALID_PARAMS,
    id: 108,
    message: /params\.name: required/,
  },
  {
    line: rpc({ id: 109, method: "tools/call", params: { name: 5 } }),
    code: INVALID_PARAMS,
    id: 109,
    message: /params\.name: .*expected string, received number/,
  },
  {
    line: rpc({ id: 110, method: "tools/call", params: "x" }),
    code: INVALID_PARAMS,
    id: 110,
    message: /params: must be an object/,
  },
  {
    line: rpc({ id: 111, method: "tools/call", params: [1] }),
    code: INVALID_PARAMS,
    id: 111,
    message: /got an array/,
  },
  {
    line: rpc({ id: 112, method: "resources/read", params: {} }),
    code: INVALID_PARAMS,
    id: 112,
    message: /params\.uri: required/,
  },
  {
    line: `\u0001\u0002${rpc({ id: 113, method: "ping" })}`,
    code: PARSE,
    id: null,
    message: /^parse error: /,
  },
  { line: `${rpc({ id: 114, method: "ping" })}\u0000`, code: PARSE, id: null, message: /^parse error: / },
  {
    line: '{"jsonrpc":"2.0","id":"a\u0001b","method":"ping"}',
    code: PARSE,
    id: null,
    message: /control character/,
  },
  {
    line: rpc({ id: 115, method: "ping", extra: 1 }),
    code: INVALID_REQUEST,
    id: 115,
    message: /Unrecognized key: "extra"/,
  },
  {
    line: rpc({ id: 116, method: "initialize", params: {} }),
    code: INVALID_PARAMS,
    id: 116,
    message: /params\.protocolVersion: required/,
  },
];

/**
 * Checks that `answers` hold exactly one error per malformed message: found by id where it has one,
 * and in order among those answered with id null.
 */
export function assertAnswersMalformed(
  answers: readonly { id?: unknown; error?: { code: number; message: string } }[],
): void {
  const withNullId = answers.filter((a) => a.id === null);
  const expectedNull = MALFORMED_MESSAGES.filter((m) => m.id === null);
  assert.equal(withNullId.length, expectedNull.length, `answers with id null: ${JSON.stringify(withNullId)}`);
  MALFORMED_MESSAGES.forEach((malformed) => {
    const answer =
      malformed.id === null
        ? withNullId[expectedNull.indexOf(malformed)]
        : answers.find((a) => a.id === malformed.id);
    const what = `${malformed.line}: ${JSON.stringify(answer)}`;
    assert.equal(answer?.error?.code, malformed.code, what);
    assert.match(answer?.error?.message ?? "", malformed.message, what);
  });
}
