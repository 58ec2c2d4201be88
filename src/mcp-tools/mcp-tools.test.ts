import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { Engram } from "../engram.ts";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";
import { startHttpMcpServer, type TestHttpMcpServer } from "./test-http-mcp-server.ts";

/** The reference MCP servers, installed from npm as dev dependencies. */
const bin = (name: string) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));
const EVERYTHING = bin("mcp-server-everything");
const FILESYSTEM = bin("mcp-server-filesystem");

let dir: string;
const engines: Engram[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), "engram-mcp-tools-"));
});
after(async () => {
  // Closing an engine stops its MCP server children.
  for (const engram of engines) await engram.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(script: ScriptStep[] | ((call: number) => ScriptStep)) {
  const model = scriptedModel(typeof script === "function" ? (call) => script(call) : script);
  const engram = createTestEngram({ model });
  engines.push(engram);
  const agent = await engram.agents.create({ name: "helper" });
  return { engram, agent, model };
}

const call = (name: string, input: unknown): ScriptStep => ({ toolCalls: [{ name, input }] });
/** The tool names the model was offered in its call `n`. */
const offered = (model: { calls: { tools?: { name: string }[] }[] }, n: number) =>
  (model.calls[n]?.tools ?? []).map((t) => t.name);
/** The text of the tool results the model was sent in its call `n`. */
const toolResults = (model: { calls: { prompt: { role: string; content: unknown }[] }[] }, n: number) =>
  JSON.stringify((model.calls[n]?.prompt ?? []).filter((m) => m.role === "tool"));

describe("tools from MCP servers", () => {
  it("calls a tool of the reference 'everything' server: the result reaches the model and is stored", async () => {
    const { engram, agent, model } = await setup([
      call("everything__echo", { message: "hello from engram" }),
      { text: "It said hello." },
    ]);
    await engram.mcpServers.put(agent.id, "everything", {
      command: EVERYTHING,
      allowTools: ["echo", "get-sum"],
    });
    const result = await engram.runtime.send(agent.id, { content: "echo something" });
    assert.equal(result.answer, "It said hello.");
    assert.deepEqual(
      offered(model, 0).filter((n) => n.startsWith("everything__")),
      ["everything__echo", "everything__get-sum"],
      "only the allowed tools are offered",
    );
    assert.match(toolResults(model, 1), /Echo: hello from engram/);
    const tool = result.messages.find((m) => m.role === "tool");
    assert.equal(tool?.content, "Echo: hello from engram");
    assert.equal(tool?.metadata.toolName, "everything__echo");
    assert.equal(tool?.metadata.isError, false);
    const assistant = result.messages.find(
      (m) => m.role === "assistant" && m.metadata.toolCalls !== undefined,
    );
    assert.deepEqual((assistant?.metadata.toolCalls as { input: unknown }[] | undefined)?.[0]?.input, {
      message: "hello from engram",
    });
    const stored = await engram.messages.list(agent.id, {});
    assert.ok(stored.items.some((m) => m.role === "tool" && m.content === "Echo: hello from engram"));
  });

  it("reads a file through the reference filesystem server, and never offers a tool outside the allowlist", async () => {
    const shared = mkdtempSync(join(dir, "shared-"));
    writeFileSync(join(shared, "note.txt"), "the door code is 4711");
    const { engram, agent, model } = await setup([
      call("files__read_text_file", { path: join(shared, "note.txt") }),
      { text: "4711" },
    ]);
    await engram.mcpServers.put(agent.id, "files", {
      command: FILESYSTEM,
      args: [shared],
      allowTools: ["read_text_file"],
    });
    const result = await engram.runtime.send(agent.id, { content: "what is the door code?" });
    assert.equal(result.answer, "4711");
    assert.deepEqual(
      offered(model, 0).filter((n) => n.startsWith("files__")),
      ["files__read_text_file"],
    );
    assert.ok(!offered(model, 0).includes("files__write_file"), "write_file is not on the allowlist");
    assert.match(toolResults(model, 1), /the door code is 4711/);
    const tools = await engram.runtime.listTools(agent.id);
    assert.deepEqual(tools.servers, [{ name: "files", status: "ok", error: null, tools: 1 }]);
    assert.ok(tools.items.some((t) => t.name === "memory_append" && t.source === "memory"));
    assert.deepEqual(
      tools.items.filter((t) => t.source === "mcp").map((t) => [t.name, t.server, t.tool]),
      [["files__read_text_file", "files", "read_text_file"]],
    );
  });

  it("a server that dies mid-call gives the model a tool error, and is started again for the next call", async () => {
    const pidFile = join(dir, "everything.pid");
    const pid = () => Number(readFileSync(pidFile, "utf8"));
    let killed = 0;
    const { engram, agent, model } = await setup((n) => {
      if (n === 0) {
        // The call below runs for 10 s; the server is killed a second into it.
        setTimeout(() => {
          killed = pid();
          process.kill(killed, "SIGKILL");
        }, 1000);
        return call("everything__trigger-long-running-operation", { duration: 10, steps: 10 });
      }
      if (n === 1) return { text: "The tool failed." };
      if (n === 2) return call("everything__echo", { message: "again" });
      return { text: "Back." };
    });
    await engram.mcpServers.put(agent.id, "everything", {
      command: "sh",
      args: ["-c", `echo $$ > '${pidFile}'; exec '${EVERYTHING}'`],
    });
    const first = await engram.runtime.send(agent.id, { content: "run the long thing" });
    assert.equal(first.answer, "The tool failed.");
    const failed = first.messages.find((m) => m.role === "tool");
    assert.equal(failed?.metadata.isError, true);
    assert.match(
      failed?.content ?? "",
      /MCP server everything: trigger-long-running-operation failed: .*closed/i,
    );
    const second = await engram.runtime.send(agent.id, { content: "echo again" });
    assert.equal(second.answer, "Back.");
    assert.match(toolResults(model, 3), /Echo: again/);
    assert.notEqual(pid(), killed, "a new server process answered");
  });

  it("a command that does not start, or a URL that does not answer: the agent still answers, and tools list says why", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    // Takes the request and never answers.
    const silent = createHttpServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/mcp`;
    try {
      const { engram, agent, model } = await setup([{ text: "Still here." }]);
      await engram.mcpServers.put(agent.id, "missing", {
        command: join(dir, "no-such-server"),
        timeoutMs: 2000,
      });
      await engram.mcpServers.put(agent.id, "gone", { url: `http://127.0.0.1:${port}/mcp`, timeoutMs: 2000 });
      await engram.mcpServers.put(agent.id, "silent", { url: silentUrl, timeoutMs: 500 });
      const result = await engram.runtime.send(agent.id, { content: "hello?" });
      assert.equal(result.answer, "Still here.");
      assert.ok(!offered(model, 0).some((n) => n.includes("__")), "no MCP tool is offered");
      const { servers } = await engram.runtime.listTools(agent.id);
      assert.deepEqual(
        servers.map((s) => [s.name, s.status]),
        [
          ["gone", "unavailable"],
          ["missing", "unavailable"],
          ["silent", "unavailable"],
        ],
      );
      assert.match(servers[0]?.error ?? "", /fetch failed|ECONNREFUSED/);
      assert.match(servers[1]?.error ?? "", /ENOENT/);
      assert.match(servers[2]?.error ?? "", /no answer within 500 ms|timed out/i);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("refuses bad configurations, naming the field, and changes nothing; GET masks env values", async () => {
    const { engram, agent } = await setup([]);
    const refusals: [string, unknown, RegExp][] = [
      ["bad_name", { command: "x" }, /name: must be 1-32 letters, digits or '-'/],
      ["a", { command: "x", url: "http://x" }, /command \(stdio\) or url \(HTTP\), not both/],
      ["a", {}, /command or url: one is required/],
      ["a", { command: "" }, /command: must not be empty/],
      ["a", { url: "ftp://x" }, /url: must be an http\(s\) URL/],
      ["a", { command: "x", env: { "A-B": "1" } }, /env\.A-B.*variable name/],
      [
        "a",
        { url: "http://x", headers: { Authorization: "a\nb" } },
        /headers\.Authorization: must not contain line breaks/,
      ],
      ["a", { command: "x", timeoutMs: 10 }, /timeoutMs/],
      ["a", { command: "x", env: { TOKEN: "********" } }, /env\.TOKEN: is the mask/],
      ["a", { command: "x\u0000y" }, /command/],
    ];
    for (const [name, input, message] of refusals)
      await assert.rejects(engram.mcpServers.put(agent.id, name, input as never), message);
    assert.deepEqual(await engram.mcpServers.list(agent.id), []);
    const { server, created } = await engram.mcpServers.put(agent.id, "a", {
      command: "x",
      env: { TOKEN: "s3cret-value" },
    });
    assert.equal(created, true);
    assert.deepEqual(server.config, {
      transport: "stdio",
      command: "x",
      args: [],
      env: { TOKEN: "********" },
      allowTools: null,
      timeoutMs: 30_000,
    });
    // Sending back what GET showed keeps the secret.
    const again = await engram.mcpServers.put(agent.id, "a", { command: "x", env: { TOKEN: "********" } });
    assert.equal(again.created, false);
    assert.equal((await engram.store.mcpServers.get(agent.id, "a"))?.config.transport, "stdio");
    const stored = await engram.store.mcpServers.get(agent.id, "a");
    assert.deepEqual(stored?.config.transport === "stdio" && stored.config.env, { TOKEN: "s3cret-value" });
    const events = await engram.events.list({ agentId: agent.id });
    assert.ok(!JSON.stringify(events).includes("s3cret-value"), "events never carry the secret");
    await engram.mcpServers.delete(agent.id, "a");
    await assert.rejects(engram.mcpServers.get(agent.id, "a"), /not found/);
    // No tool of the process's own may look like an MCP server's.
    await assert.rejects(
      engram.runtime.addTool(agent.id, "files__read", {
        description: "x",
        inputSchema: z.object({}),
        execute: () => "x",
      }),
      /name: '__' is kept for MCP servers' tools/,
    );
  });
});

describe("tools from a streamable-HTTP MCP server", () => {
  let web: TestHttpMcpServer;
  before(async () => {
    web = await startHttpMcpServer();
  });
  after(() => web.close());

  it("calls a tool with the configured headers; a tool answering garbage is a tool error and the agent still answers", async () => {
    const { engram, agent, model } = await setup([
      {
        toolCalls: [
          { name: "web__add", input: { a: 2, b: 40 } },
          { name: "web__garbage", input: {} },
        ],
      },
      { text: "42, and the other tool is broken." },
    ]);
    await engram.mcpServers.put(agent.id, "web", {
      url: web.url,
      headers: { Authorization: "Bearer t0ken" },
    });
    const result = await engram.runtime.send(agent.id, { content: "add 2 and 40" });
    assert.equal(result.answer, "42, and the other tool is broken.");
    assert.match(toolResults(model, 1), /"42"|42/);
    const tools = result.messages.filter((m) => m.role === "tool");
    assert.deepEqual(
      tools.map((m) => [m.metadata.toolName, m.metadata.isError]),
      [
        ["web__add", false],
        ["web__garbage", true],
      ],
    );
    assert.equal(tools[0]?.content, "42");
    assert.match(tools[1]?.content ?? "", /MCP server web: garbage failed: /);
    assert.ok(web.requests.length > 0);
    assert.ok(
      web.requests.every((h) => h.authorization === "Bearer t0ken"),
      "every request carried the header",
    );
  });

  it("a server that went away (and forgot its sessions) is connected to again once it is back", async () => {
    const own = await startHttpMcpServer({ sessions: true });
    const port = Number(new URL(own.url).port);
    const { engram, agent } = await setup((n) =>
      n % 2 === 0 ? call("web__add", { a: n, b: 1 }) : { text: "done" },
    );
    await engram.mcpServers.put(agent.id, "web", { url: own.url });
    const first = await engram.runtime.send(agent.id, { content: "add" });
    assert.equal(first.messages.find((m) => m.role === "tool")?.content, "1");
    await own.close();
    // Gone: its tools are still offered (they were listed), and a call fails as the tool's error.
    const down = await engram.runtime.send(agent.id, { content: "add" });
    const failed = down.messages.find((m) => m.role === "tool");
    assert.equal(failed?.metadata.isError, true);
    assert.match(failed?.content ?? "", /MCP server web: add failed: /);
    const back = await startHttpMcpServer({ port, sessions: true });
    try {
      const again = await engram.runtime.send(agent.id, { content: "add" });
      const tool = again.messages.find((m) => m.role === "tool");
      assert.equal(tool?.metadata.isError, false, tool?.content);
      assert.equal(tool?.content, "5");
      assert.ok(back.requests.length > 0, "the new server was asked");
    } finally {
      await back.close();
    }
  });
});
