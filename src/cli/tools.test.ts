import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sandbox, serveInProcess } from "./test-harness.ts";

const EVERYTHING = fileURLToPath(new URL("../../node_modules/.bin/mcp-server-everything", import.meta.url));

describe("engram tools", () => {
  const s = sandbox();
  after(() => s.cleanup());

  it("adds an MCP server, lists its tools beside the built-in ones, and removes it", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const added = await s.ok([
      "tools",
      "add-mcp",
      "helper",
      "everything",
      "--command",
      EVERYTHING,
      "--arg=stdio",
      "--env",
      "API_KEY=k=1 2",
      "--allow-tool",
      "echo",
    ]);
    assert.deepEqual(added.config, {
      transport: "stdio",
      command: EVERYTHING,
      args: ["stdio"],
      env: { API_KEY: "********" },
      allowTools: ["echo"],
      timeoutMs: 30_000,
    });
    const listed = await s.ok(["tools", "list", "helper"]);
    assert.equal(listed.nextCursor, null);
    assert.deepEqual(listed.servers, [{ name: "everything", status: "ok", error: null, tools: 1 }]);
    assert.ok(listed.items.some((t: { name: string }) => t.name === "memory_append"));
    assert.deepEqual(
      listed.items.filter((t: { source: string }) => t.source === "mcp").map((t: { name: string }) => t.name),
      ["everything__echo"],
    );
    const human = await s.cli(["tools", "list", "helper"]);
    assert.match(human.stdout, /everything__echo\s+mcp\s+Echoes back the input string/);
    await s.ok(["tools", "remove-mcp", "helper", "everything"]);
    const after = await s.ok(["tools", "list", "helper"]);
    assert.deepEqual(after.servers, []);
  });

  it("refuses a call with both or neither of --command and --url, and a header without a colon", async () => {
    await s.ok(["agent", "create", "--name", "other"]);
    const both = await s.cli([
      "tools",
      "add-mcp",
      "other",
      "x",
      "--command",
      "a",
      "--url",
      "http://b",
      "--json",
    ]);
    assert.notEqual(both.code, 0);
    assert.match(JSON.parse(both.stdout).error.message, /give --command CMD \(stdio\) or --url URL/);
    const header = await s.cli([
      "tools",
      "add-mcp",
      "other",
      "x",
      "--url",
      "http://b",
      "--header",
      "nocolon",
      "--json",
    ]);
    assert.match(JSON.parse(header.stdout).error.message, /--header must be NAME:VALUE/);
    const dash = await s.cli(["tools", "add-mcp", "other", "x", "--command", "npx", "--arg", "-y", "--json"]);
    assert.notEqual(dash.code, 0, "a value beginning with - needs --arg=-y");
    assert.deepEqual((await s.ok(["tools", "list", "other"])).servers, []);
  });
});

describe("engram serve --allow-mcp", () => {
  const s = sandbox();
  after(() => s.cleanup());

  it("lets keys give agents the allowed command only, and refuses an empty one before serving", async () => {
    const { key } = await s.ok(["keys", "create", "--project", "acme"]);
    const server = serveInProcess(s, { extra: ["--auth", "--allow-mcp", "mcp-server-everything"] });
    try {
      const url = await server.url;
      const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
      const agent = await fetch(`${url}/v1/agents`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "a" }),
      }).then((r) => r.json() as Promise<{ id: string }>);
      const put = (body: unknown) =>
        fetch(`${url}/v1/agents/${agent.id}/mcp-servers/x`, {
          method: "PUT",
          headers,
          body: JSON.stringify(body),
        });
      assert.equal((await put({ command: "mcp-server-everything" })).status, 201);
      const refused = await put({ command: "mcp-server-filesystem" });
      assert.equal(refused.status, 403);
      const body = (await refused.json()) as { error: { message: string } };
      assert.match(body.error.message, /engram serve --allow-mcp/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const empty = await s.cli(["serve", "--allow-mcp", " ", "--json"]);
    assert.notEqual(empty.code, 0);
    assert.match(empty.stderr + empty.stdout, /--allow-mcp must name a command/);
  });
});
