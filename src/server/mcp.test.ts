import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { OpenAPIHono } from "@hono/zod-openapi";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Agent } from "../core/types.ts";
import type { Engram } from "../engram.ts";
import { assertAnswersMalformed, call, failure, MALFORMED_MESSAGES } from "../mcp/test-support.ts";
import { createTestEngram } from "../test/index.ts";
import type { AppEnv } from "./env.ts";
import { registerMcpRoute } from "./routes/mcp.ts";
import { type RunningServer, startServer } from "./serve.ts";
import { testApp } from "./test-support.ts";

let engram: Engram;
let server: RunningServer;
let helper: Agent;
let other: Agent;

before(async () => {
  engram = createTestEngram();
  helper = await engram.agents.create({ name: "helper" });
  other = await engram.agents.create({ name: "other" });
  server = await startServer({ engram, port: 0, maxBodyBytes: 64 * 1024 });
});
after(async () => {
  await server.close();
  await engram.close();
});

async function connect(query = ""): Promise<Client> {
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp${query}`)));
  return client;
}

/** A raw POST of one JSON-RPC message, the way a streamable-HTTP client sends it. */
function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body,
  });
}

describe("POST /mcp", () => {
  it("serves the SDK's streamable-HTTP client: tools, resources, the ?agent= default", async () => {
    const client = await connect("?agent=helper");
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(tools.includes("block_edit") && tools.includes("experience_advice"), tools.join());
      const edited = await call(client, "block_edit", {
        edits: [{ op: "append", label: "human", text: "Name: Ada" }],
        message: "over HTTP",
      });
      assert.equal(edited.agentId, helper.id);
      const [head] = (await engram.history.log(helper.id, { limit: 1 })).items;
      assert.equal(head?.author, "agent");
      assert.equal(head?.message, "over HTTP");

      await call(client, "memory_insert", { text: "Ada likes tea" });
      const found = await call(client, "memory_search", { query: "tea" });
      assert.equal(found.results[0].text, "Ada likes tea");

      const other_ = await call(client, "block_read", { agent: "other", label: "persona" });
      assert.equal(other_.agentId, other.id);

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
    } finally {
      await client.close();
    }
  });

  it("without ?agent= every call names its agent; bad calls get clear errors and change nothing", async () => {
    const client = await connect();
    try {
      const before = await engram.events.list({ limit: 500 });
      assert.match(await failure(client, "memory_insert", { text: "x" }), /agent/);
      assert.match(
        await failure(client, "memory_insert", { agent: "ghost", text: "x" }),
        /^not_found: agent ghost not found/,
      );
      assert.match(
        await failure(client, "memory_insert", { agent: "helper", text: "x", importance: "high" }),
        /expected number, received string at importance/,
      );
      assert.match(await failure(client, "forget_all"), /Tool forget_all not found/);
      assert.deepEqual(await engram.events.list({ limit: 500 }), before);
      const names = (await client.listResources()).resources.map((r) => r.name);
      assert.deepEqual(names, ["helper/human", "helper/persona", "other/human", "other/persona"]);
    } finally {
      await client.close();
    }
  });

  it("with an ?agent= that does not exist, lists no resources and a read says what to run", async () => {
    const client = await connect("?agent=ghost");
    try {
      assert.deepEqual((await client.listResources()).resources, []);
      await assert.rejects(client.readResource({ uri: "engram://agents/ghost/blocks/human" }), {
        code: -32002,
        message:
          "MCP error -32002: this session's agent ghost does not exist: create it first (engram agent create --name ghost)",
      });
    } finally {
      await client.close();
    }
  });

  it("answers HTTP-level mistakes with JSON-RPC errors, not the REST API's", async () => {
    const notJson = await post("{", {});
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { error: { code: number } }).error.code, -32700);

    const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    assert.equal((await post(ping, { accept: "application/json" })).status, 406);

    const wrongType = await post("{}", { "content-type": "text/plain" });
    assert.equal(wrongType.status, 415);

    const tooBig = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(100 * 1024) } }),
    );
    assert.equal(tooBig.status, 413);

    const get = await fetch(`${server.url}/mcp`, { headers: { accept: "text/event-stream" } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    const del = await fetch(`${server.url}/mcp`, { method: "DELETE" });
    assert.equal(del.status, 405);
  });

  it("answers each malformed message with JSON-RPC's error, and a bad query parameter too", async () => {
    const answers: { id?: unknown; error?: { code: number; message: string } }[] = [];
    for (const { line, code } of MALFORMED_MESSAGES) {
      const response = await post(line);
      // Errors of identified requests are JSON-RPC answers (200); the rest are bad HTTP requests.
      assert.equal(response.status, code === -32602 || code === -32601 ? 200 : 400, line);
      answers.push((await response.json()) as (typeof answers)[number]);
    }
    assertAnswersMalformed(answers);
    const stray = await fetch(`${server.url}/mcp?agnet=helper`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(stray.status, 400);
    assert.deepEqual(await stray.json(), {
      jsonrpc: "2.0",
      id: null,
      error: {
        code: -32600,
        message: 'invalid request: "agnet" is not a query parameter of /mcp (it takes: agent)',
      },
    });
    const ping = await post(JSON.stringify({ jsonrpc: "2.0", id: "after", method: "ping" }));
    assert.deepEqual(await ping.json(), { jsonrpc: "2.0", id: "after", result: {} });
  });

  it("is described in /openapi.json", async () => {
    const doc = (await testApp({ engram }).get("/openapi.json")).body;
    const mcp = doc.paths["/mcp"];
    assert.deepEqual(Object.keys(mcp), ["post"]);
    assert.deepEqual(
      mcp.post.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`),
      ["query:agent"],
    );
    assert.equal(doc.components.schemas.JsonRpcMessage.type, "object");
  });

  it("works within the engine each request is given: a project-scoped one sees only its project", async () => {
    const shared = createTestEngram();
    try {
      const acme = await shared.projects.create({ name: "acme" });
      await shared.projects.create({ name: "globex" });
      await shared.agents.create({ name: "support", project: "acme" });
      const outsider = await shared.agents.create({ name: "outsider", project: "globex" });
      const app = new OpenAPIHono<AppEnv>();
      registerMcpRoute(app, () => shared.forProject(acme.id), {
        maxBodyBytes: 1024 * 1024,
        onInternalError: (error) => assert.fail(String(error)),
      });
      const client = new Client({ name: "test", version: "1.0.0" });
      const fetchApp = (url: string | URL | Request, init?: RequestInit) =>
        Promise.resolve(app.request(url instanceof Request ? url : String(url), init));
      await client.connect(
        new StreamableHTTPClientTransport(new URL("http://acme.test/mcp"), { fetch: fetchApp }),
      );
      try {
        const agents = await call(client, "agent_list");
        assert.deepEqual(
          agents.agents.map((a: { name: string }) => a.name),
          ["support"],
        );
        for (const agent of ["outsider", outsider.id]) {
          assert.match(await failure(client, "block_list", { agent }), /^not_found: agent .* not found/);
        }
        await assert.rejects(
          client.readResource({ uri: `engram://agents/${outsider.id}/blocks/persona` }),
          /not found/,
        );
        const names = (await client.listResources()).resources.map((r) => r.name);
        assert.deepEqual(names, ["support/human", "support/persona"]);
      } finally {
        await client.close();
      }
    } finally {
      await shared.close();
    }
  });
});
