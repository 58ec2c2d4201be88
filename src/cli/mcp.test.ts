import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { afterEach, beforeEach, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createEngram } from "../engram.ts";
import { assertAnswersMalformed, call, failure, MALFORMED_MESSAGES } from "../mcp/test-support.ts";
import {
  type CliSandbox,
  CLI_MAIN as main,
  CHECKOUT_NODE as node,
  CHECKOUT as root,
  sandbox,
} from "./test-harness.ts";

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

/** Starts `engram mcp` as a real process; resolves once it answered `initialize`. */
function rawServer(args: string[]): {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr: () => string;
} {
  const child = spawn(node, [main, "mcp", "--db", s.db, ...args], { cwd: root });
  const lines: string[] = [];
  let buffer = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    lines.push(...parts);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, lines, stderr: () => stderr };
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(check(), "timed out");
}

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

/** An SDK client connected to `engram mcp` run as a real process (its handshake done). */
async function sdkClient(args: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: node,
    args: [main, "mcp", "--db", s.db, ...args],
    cwd: root,
    stderr: "pipe",
  });
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

describe("engram mcp", () => {
  it("serves an agent's memory to the SDK's client over stdio", async () => {
    const helper = await s.ok(["agent", "create", "--name", "helper"]);
    const other = await s.ok(["agent", "create", "--name", "other"]);
    const transport = new StdioClientTransport({
      command: node,
      args: [main, "mcp", "--db", s.db, "--agent", "helper"],
      cwd: root,
      stderr: "pipe",
    });
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(transport);
    try {
      assert.equal(client.getServerVersion()?.name, "engram");
      const tools = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(tools.includes("block_edit") && tools.includes("memory_search"), tools.join());

      const edited = await call(client, "block_edit", {
        edits: [{ op: "rethink", label: "human", value: "Name: Ada" }],
        message: "met Ada",
      });
      assert.equal(edited.agentId, helper.id);
      await call(client, "memory_insert", { text: "Ada renews every March", tags: ["billing"] });
      const found = await call(client, "memory_search", { query: "when does Ada renew" });
      assert.equal(found.results[0].text, "Ada renews every March");
      await call(client, "memory_insert", { agent: "other", text: "Other agent's note" });

      const { resources } = await client.listResources();
      assert.deepEqual(
        resources.map((r) => r.name),
        ["helper/human", "helper/persona"],
      );
      const read = await client.readResource({ uri: `engram://agents/${helper.id}/blocks/human` });
      assert.deepEqual(
        read.contents.map((c) => ("text" in c ? c.text : null)),
        ["Name: Ada"],
      );

      assert.match(
        await failure(client, "block_read", { label: 5 }),
        /expected string, received number at label/,
      );
      assert.match(
        await failure(client, "block_read", { agent: "ghost", label: "human" }),
        /agent ghost not found/,
      );
      assert.match(await failure(client, "nope"), /Tool nope not found/);
    } finally {
      await client.close();
    }

    // The process closed the database; everything it acknowledged is on disk.
    const engram = createEngram({ path: s.db });
    try {
      const [head] = (await engram.history.log(helper.id, { limit: 1 })).items;
      assert.equal(head?.author, "agent");
      assert.equal(head?.message, "met Ada");
      assert.equal((await engram.memories.list(helper.id)).items.length, 1);
      assert.deepEqual(
        (await engram.memories.list(other.id)).items.map((m) => m.text),
        ["Other agent's note"],
      );
    } finally {
      await engram.close();
    }
  });

  it("answers every malformed line with JSON-RPC's error, and keeps serving", async () => {
    const { child, lines, stderr } = rawServer([]);
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
    for (const { line } of MALFORMED_MESSAGES) child.stdin.write(`${line}\n`);
    child.stdin.write("\n  \r\n");
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: "after", method: "tools/list" })}\n`);
    const expected = 1 + MALFORMED_MESSAGES.length + 1;
    try {
      await until(() => lines.length >= expected);
    } finally {
      // Wait a moment for an answer too many, then end stdin, even when answers are missing.
      await new Promise((resolve) => setTimeout(resolve, 100));
      child.stdin.end();
    }
    assert.equal(await exitOf(child), 0, stderr());
    const answers = lines.map((line) => JSON.parse(line));
    assert.equal(answers.length, expected, "one answer per line, none for the notification or blank lines");
    assert.ok(answers.every((a) => a.jsonrpc === "2.0"));
    assertAnswersMalformed(answers);
    const after = answers.find((a) => a.id === "after");
    assert.ok(after.result.tools.length > 5, "a valid request afterwards still works");
    assert.equal(stderr(), "");
  });

  it("writes nothing but protocol to stdout, and exits when stdin ends", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const { child, lines, stderr } = rawServer(["--agent", "helper"]);
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    child.stdin.write("this is not json\n");
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
    const call = {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "memory_insert", arguments: { text: "written just before stdin ends" } },
    };
    // The last request arrives together with the end of stdin: it is still answered and written.
    child.stdin.end(`${JSON.stringify(call)}\n`);
    assert.equal(await exitOf(child), 0, stderr());
    const messages = lines.filter((l) => l !== "").map((l) => JSON.parse(l));
    assert.deepEqual(messages.map((m) => String(m.id)).sort(), ["1", "2", "null"]);
    const byId = (id: unknown) => messages.find((m) => m.id === id);
    assert.equal(byId(1).result.serverInfo.name, "engram");
    assert.equal(byId(null).error.code, -32700);
    assert.equal(byId(2).result.isError, undefined);
    const engram = createEngram({ path: s.db });
    try {
      const helper = await engram.agents.find("helper");
      assert.deepEqual(
        (await engram.memories.list(helper.id)).items.map((m) => m.text),
        ["written just before stdin ends"],
      );
    } finally {
      await engram.close();
    }
  });

  it("stops on SIGTERM with exit code 0", async () => {
    const { child, lines, stderr } = rawServer([]);
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    await until(() => lines.length > 0);
    child.kill("SIGTERM");
    assert.equal(await exitOf(child), 0, stderr());
  });

  it("starts for a missing --agent and says through MCP what to run, until the agent exists", async () => {
    const client = await sdkClient(["--agent", "ghost"]);
    try {
      assert.equal(client.getServerVersion()?.name, "engram");
      assert.equal(
        await failure(client, "block_list", {}),
        'not_found: this session\'s agent ghost does not exist: create it with "engram agent create --name ghost", or start "engram mcp --agent ghost --create"',
      );
      // Clients list resources as they connect: none yet, rather than a failure.
      assert.deepEqual((await client.listResources()).resources, []);
      await assert.rejects(client.readResource({ uri: "engram://agents/ghost/blocks/human" }), {
        code: -32002,
        message:
          'MCP error -32002: this session\'s agent ghost does not exist: create it with "engram agent create --name ghost", or start "engram mcp --agent ghost --create"',
      });
      assert.deepEqual((await s.ok(["agent", "list"])).items, [], "nothing is created without --create");
      await s.ok(["agent", "create", "--name", "ghost"]);
      const listed = await call(client, "block_list", {});
      assert.deepEqual((listed.blocks as { label: string }[]).map((b) => b.label).sort(), [
        "human",
        "persona",
      ]);
    } finally {
      await client.close();
    }
  });

  it("creates a missing --agent with --create, and refuses --create without a name", async () => {
    const client = await sdkClient(["--agent", "ghost", "--create"]);
    try {
      await call(client, "block_edit", { edits: [{ op: "append", label: "human", text: "Name: Ada" }] });
      assert.equal((await s.ok(["block", "get", "ghost", "human"])).value, "Name: Ada");
    } finally {
      await client.close();
    }
    // Started again, --create finds the agent it made rather than making another.
    const again = await sdkClient(["--agent", "ghost", "--create"]);
    await again.close();
    assert.equal((await s.ok(["agent", "list"])).items.length, 1);
    for (const args of [["--create"], ["--agent", "agt_01kdvdna05p3rtcdeyp4ec812p", "--create"]]) {
      const { child, lines, stderr } = rawServer(args);
      assert.equal(await exitOf(child), 2);
      assert.deepEqual(lines, []);
      assert.match(stderr(), /^engram: --create needs --agent NAME/);
    }
  });
});
