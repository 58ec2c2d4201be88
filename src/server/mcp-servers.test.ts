import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import { testApp } from "./test-support.ts";

/** A listener standing in for an MCP server at an address a tenant names: it counts what reaches it. */
let listener: Server;
let reached = 0;
let listenerUrl: string;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "engram-mcp-servers-"));
  listener = createServer((_req, res) => {
    reached++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/mcp`;
});
after(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe("MCP servers over HTTP", () => {
  it("PUT creates (201) then replaces (200); GET, list and DELETE; env and header values are masked", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const path = `/v1/agents/${agent.id}/mcp-servers/files`;
    const created = await t.put(path, {
      command: "mcp-server-filesystem",
      args: ["/srv"],
      env: { KEY: "k-123" },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.config.env, { KEY: "********" });
    const replaced = await t.put(path, { command: "mcp-server-filesystem", args: ["/srv", "/tmp"] });
    assert.equal(replaced.status, 200);
    assert.deepEqual(replaced.body.config.args, ["/srv", "/tmp"]);
    const web = await t.put(`/v1/agents/helper/mcp-servers/web`, {
      url: "https://mcp.example.com/mcp",
      headers: { Authorization: "Bearer secret-token" },
      allowTools: ["search"],
      timeoutMs: 5000,
    });
    assert.equal(web.status, 201, "an agent may be named by its name");
    assert.deepEqual(web.body.config, {
      transport: "http",
      url: "https://mcp.example.com/mcp",
      headers: { Authorization: "********" },
      allowTools: ["search"],
      timeoutMs: 5000,
    });
    const listed = await t.get(`/v1/agents/${agent.id}/mcp-servers`);
    assert.deepEqual(
      listed.body.items.map((s: { name: string }) => s.name),
      ["files", "web"],
    );
    assert.ok(!JSON.stringify(listed.body).includes("secret-token"));
    assert.equal((await t.get(`${path}`)).body.config.command, "mcp-server-filesystem");
    assert.equal((await t.del(path)).status, 204);
    assert.equal((await t.get(path)).status, 404);
    assert.equal((await t.del(path)).status, 404);
  });

  it("refuses bad input with 400 naming the field, and stores nothing", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const cases: [string, unknown, RegExp][] = [
      ["files", { command: "x", extra: 1 }, /extra/],
      ["files", { url: "not a url" }, /url: must be an http\(s\) URL/],
      ["files", { command: "x", args: "-y" }, /args/],
      ["files_2", { command: "x" }, /name: must be 1-32 letters/],
    ];
    for (const [name, body, message] of cases) {
      const reply = await t.put(`/v1/agents/${agent.id}/mcp-servers/${name}`, body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(reply.body.error.message, message);
    }
    assert.deepEqual((await t.get(`/v1/agents/${agent.id}/mcp-servers`)).body.items, []);
    assert.equal((await t.put(`/v1/agents/agt_missing/mcp-servers/files`, { command: "x" })).status, 404);
  });
});

describe("MCP servers a tenant may use (with auth)", () => {
  async function tenantApp(allow: { allowMcp?: string[]; allowUrls?: string[] } = {}) {
    const engram = createTestEngram({ model: scriptedModel(() => ({ text: "fine" })) });
    const t = testApp({ engram, auth: true, ...allow });
    const key = await engram.keys.create({ project: "acme", name: "k" }, { createProject: true });
    const auth = { authorization: `Bearer ${key.key}` };
    const agent = (await t.post("/v1/agents", { name: "a" }, auth)).body as { id: string };
    return { t, auth, agent };
  }

  it("refuses a command not on --allow-mcp and a URL not on --allow-url with 403 naming the setting; nothing is stored", async () => {
    const { t, auth, agent } = await tenantApp({
      allowMcp: ["mcp-server-everything", "mcp-server-filesystem /srv/shared"],
    });
    const marker = join(dir, "spawned");
    const command = await t.put(
      `/v1/agents/${agent.id}/mcp-servers/evil`,
      { command: "sh", args: ["-c", `touch '${marker}'`] },
      auth,
    );
    assert.equal(command.status, 403);
    assert.match(
      command.body.error.message,
      /command: "sh -c touch .*" is not allowed on this server \(allowed: mcp-server-everything, mcp-server-filesystem \/srv\/shared\); .*engram serve --allow-mcp/,
    );
    reached = 0;
    const url = await t.put(`/v1/agents/${agent.id}/mcp-servers/web`, { url: listenerUrl }, auth);
    assert.equal(url.status, 403);
    assert.match(
      url.body.error.message,
      /is not on this server's outbound allowlist \(engram serve --allow-url/,
    );
    assert.deepEqual((await t.get(`/v1/agents/${agent.id}/mcp-servers`, auth)).body.items, []);
    const allowed = await t.put(
      `/v1/agents/${agent.id}/mcp-servers/everything`,
      { command: "mcp-server-everything" },
      auth,
    );
    assert.equal(allowed.status, 201);
    const files = `/v1/agents/${agent.id}/mcp-servers/files`;
    const exact = await t.put(files, { command: "mcp-server-filesystem", args: ["/srv/shared"] }, auth);
    assert.equal(exact.status, 201, "a command line allowed with its arguments");
    const other = await t.put(
      files,
      { command: "mcp-server-filesystem", args: ["/srv/shared", "/etc"] },
      auth,
    );
    assert.equal(other.status, 403, "only with exactly those arguments");
    const loader = await t.put(
      `/v1/agents/${agent.id}/mcp-servers/everything`,
      { command: "mcp-server-everything", env: { NODE_OPTIONS: "--import=data:text/javascript,0" } },
      auth,
    );
    assert.equal(loader.status, 403);
    assert.match(loader.body.error.message, /env\.NODE_OPTIONS: changes what code the command runs/);
    assert.deepEqual(
      (await t.get(`/v1/agents/${agent.id}/mcp-servers`, auth)).body.items.map(
        (s: { name: string; config: { args: string[] } }) => [s.name, s.config.args],
      ),
      [
        ["everything", []],
        ["files", ["/srv/shared"]],
      ],
    );
    assert.equal(existsSync(marker), false, "nothing was run");
    assert.equal(reached, 0, "no request left for the URL");
  });

  it("a URL on --allow-url is accepted", async () => {
    const { t, auth, agent } = await tenantApp({ allowUrls: [listenerUrl.replace(/\/mcp$/, "")] });
    const reply = await t.put(`/v1/agents/${agent.id}/mcp-servers/web`, { url: listenerUrl }, auth);
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
  });

  it("never starts or reaches a server the operator set beyond the allowlists: its tools are not offered", async () => {
    const { t, auth, agent } = await tenantApp();
    const marker = join(dir, "spawned-at-turn");
    // The operator's own engine is not restricted: it gave the agent servers keys may not use.
    await t.engram.mcpServers.put(agent.id, "evil", { command: "sh", args: ["-c", `touch '${marker}'`] });
    await t.engram.mcpServers.put(agent.id, "web", { url: listenerUrl });
    reached = 0;
    const turn = await t.post(`/v1/agents/${agent.id}/messages`, { content: "hi" }, auth);
    assert.equal(turn.status, 201, JSON.stringify(turn.body));
    const tools = await t.get(`/v1/agents/${agent.id}/tools`, auth);
    assert.deepEqual(
      tools.body.servers.map((s: { name: string; status: string }) => [s.name, s.status]),
      [
        ["evil", "forbidden"],
        ["web", "forbidden"],
      ],
    );
    assert.ok(!tools.body.items.some((i: { source: string }) => i.source === "mcp"));
    assert.equal(existsSync(marker), false, "the command was never run");
    assert.equal(reached, 0, "no request reached the URL");
  });

  it("leaves a server without auth free to use any command or URL", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    assert.equal((await t.put(`/v1/agents/${agent.id}/mcp-servers/x`, { command: "anything" })).status, 201);
    assert.equal((await t.put(`/v1/agents/${agent.id}/mcp-servers/y`, { url: listenerUrl })).status, 201);
  });
});
