import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { createMcpServer } from "./mcp-server.ts";

let engram: Engram;
let clients: Client[];

beforeEach(() => {
  engram = createTestEngram();
  clients = [];
});
afterEach(async () => {
  for (const c of clients) await c.close();
  await engram.close();
});

async function connect(agent?: string): Promise<Client> {
  const server = createMcpServer({ engram, agent });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(clientSide);
  clients.push(client);
  return client;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary structured results
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.notEqual(result.isError, true, `${name} failed: ${JSON.stringify(result.content)}`);
  const text = result.content[0];
  assert.equal(text?.type, "text");
  assert.deepEqual(JSON.parse(text.type === "text" ? text.text : ""), result.structuredContent);
  return result.structuredContent;
}

async function failure(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.equal(result.isError, true, `${name} should fail: ${JSON.stringify(result.content)}`);
  const text = result.content[0];
  return text?.type === "text" ? text.text : "";
}

/** Everything a failed call must leave as it was. */
async function state(agentId: string) {
  const [log, memories, messages, episodes, events] = await Promise.all([
    engram.history.log(agentId, { limit: 500 }),
    engram.memories.list(agentId, { limit: 500 }),
    engram.messages.list(agentId, { limit: 500 }),
    engram.experience.listEpisodes(agentId, { limit: 500 }),
    engram.events.list({ limit: 500 }),
  ]);
  return { log, memories, messages, episodes, events };
}

describe("the MCP server", () => {
  it("lists its tools with strict JSON schemas, agent optional only with a default agent", async () => {
    await engram.agents.create({ name: "helper" });
    const withDefault = await connect("helper");
    const { tools } = await withDefault.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      [
        "agent_list",
        "block_list",
        "block_read",
        "block_edit",
        "memory_search",
        "memory_insert",
        "conversation_search",
        "message_append",
        "experience_advice",
        "episode_record",
        "insights_list",
      ],
    );
    const insert = tools.find((t) => t.name === "memory_insert");
    assert.deepEqual(insert?.inputSchema.required, ["text"]);
    assert.equal(insert?.inputSchema.additionalProperties, false);
    assert.ok(insert?.inputSchema.properties?.agent);
    assert.equal(tools.find((t) => t.name === "block_read")?.annotations?.readOnlyHint, true);
    assert.equal(tools.find((t) => t.name === "agent_list")?.inputSchema.properties?.agent, undefined);

    const without = await connect();
    const read = (await without.listTools()).tools.find((t) => t.name === "block_read");
    assert.deepEqual(read?.inputSchema.required?.toSorted(), ["agent", "label"]);
    assert.match((await without.getInstructions()) ?? "", /needs its `agent` argument/);
  });

  it("reads blocks and edits them as one commit authored by the agent, with the message given", async () => {
    const agent = await engram.agents.create({ name: "helper" });
    await engram.blocks.set(agent.id, "human", "Name: Ada\nPlan: Pro");
    const client = await connect("helper");

    const listed = await call(client, "block_list");
    assert.equal(listed.agentId, agent.id);
    assert.deepEqual(
      listed.blocks.map((b: { label: string }) => b.label),
      ["human", "persona"],
    );
    const persona = (await engram.blocks.get(agent.id, "persona")).value;
    const read = await call(client, "block_read", { label: "human" });
    assert.equal(read.block.value, "Name: Ada\nPlan: Pro");
    assert.equal(read.commit, listed.commit);

    const edited = await call(client, "block_edit", {
      edits: [
        { op: "replace", label: "human", old: "Plan: Pro", new: "Plan: Enterprise" },
        { op: "append", label: "persona", text: "Keep answers short." },
        { op: "rethink", label: "goals", value: "Renew in March." },
      ],
      message: "learned about Ada",
      expectedHead: read.commit,
    });
    assert.equal(edited.changed, true);
    assert.deepEqual(
      Object.fromEntries(edited.blocks.map((b: { label: string; value: string }) => [b.label, b.value])),
      {
        goals: "Renew in March.",
        human: "Name: Ada\nPlan: Enterprise",
        persona: persona === "" ? "Keep answers short." : `${persona}\nKeep answers short.`,
      },
    );
    const [head] = (await engram.history.log(agent.id, { limit: 1 })).items;
    assert.equal(head?.id, edited.commit);
    assert.equal(head?.parentId, read.commit);
    assert.equal(head?.author, "agent");
    assert.equal(head?.message, "learned about Ada");
    assert.equal((await engram.blocks.get(agent.id, "goals")).value, "Renew in March.");

    const described = await call(client, "block_edit", {
      edits: [{ op: "append", label: "goals", text: "x" }],
    });
    assert.equal(described.message, "append goals");
  });

  it("refuses block edits that cannot apply, naming why, and changes nothing", async () => {
    const agent = await engram.agents.create({
      name: "helper",
      blocks: [
        { label: "rules", value: "Be kind.", readOnly: true },
        { label: "human", value: "Name: Ada. Name: Ada.", limit: 30 },
      ],
    });
    const client = await connect("helper");
    const before = await state(agent.id);
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { edits: [{ op: "replace", label: "human", old: "Bob", new: "x" }] },
        /^invalid_input: replace: .*not found in block "human"/,
      ],
      [{ edits: [{ op: "replace", label: "human", old: "Ada", new: "x" }] }, /occurs more than once/],
      [
        { edits: [{ op: "rethink", label: "rules", value: "Be rude." }] },
        /^forbidden: block "rules" is read-only/,
      ],
      [{ edits: [{ op: "append", label: "human", text: "y".repeat(40) }] }, /over its limit of 30/],
      [{ edits: [{ op: "append", label: "missing", text: "y" }] }, /^not_found: block "missing" not found/],
      [
        { edits: [{ op: "append", label: "human", text: "ok" }], expectedHead: "0".repeat(64) },
        /^conflict: branch "main" is at/,
      ],
      [
        {
          edits: [
            { op: "append", label: "human", text: "a" },
            { op: "append", label: "human", text: "b" },
          ],
        },
        /block "human" is edited twice: edit each block at most once per call .* at edits\[1\]\.label/,
      ],
      // Wrong shapes never reach the engine: the SDK checks the schema and names the field.
      [
        { edits: [{ op: "delete", label: "human" }] },
        /Invalid arguments for tool block_edit: .*edits\[0\]\.op/,
      ],
      [{ edits: [] }, /must name at least one edit at edits/],
      [{ edits: [{ op: "append", label: "human", text: "x", extra: 1 }] }, /Unrecognized key: "extra"/],
      [{ edits: [{ op: "append", label: "bad label!", text: "x" }] }, /edits\[0\]\.label/],
      [{ edits: "append" }, /expected array, received string at edits/],
    ];
    for (const [args, expected] of cases) assert.match(await failure(client, "block_edit", args), expected);
    assert.deepEqual(await state(agent.id), before);
  });

  it("inserts memories as the agent and finds them again by search, with filters", async () => {
    const agent = await engram.agents.create({ name: "helper" });
    const client = await connect("helper");
    const inserted = await call(client, "memory_insert", {
      text: "Ada's company renews its contract every March",
      kind: "fact",
      tags: ["billing"],
      importance: 0.8,
      userId: "ada",
    });
    assert.match(inserted.memory.id, /^mem_/);
    await call(client, "memory_insert", {
      text: "Bob's company renews its contract every June",
      userId: "bob",
    });
    await call(client, "memory_insert", {
      text: "The contract renewal form lives on the wiki",
      kind: "note",
    });

    const found = await call(client, "memory_search", {
      query: "when does the contract renew?",
      userId: "ada",
    });
    const texts = found.results.map((r: { text: string }) => r.text);
    assert.equal(texts[0], "Ada's company renews its contract every March");
    assert.ok(!texts.some((t: string) => t.startsWith("Bob")), "another user's memory must not show");
    assert.ok(found.results[0].score > 0);
    const notes = await call(client, "memory_search", { query: "contract", kinds: ["note"] });
    assert.deepEqual(
      notes.results.map((r: { kind: string }) => r.kind),
      ["note"],
    );
    const tagged = await call(client, "memory_search", { query: "contract", tags: ["billing"], limit: 1 });
    assert.equal(tagged.results.length, 1);
    assert.equal(tagged.results[0].id, inserted.memory.id);

    const created = (await engram.events.list({ agentId: agent.id, kind: "memory.created" })).items;
    assert.deepEqual(
      created.map((e) => e.actor),
      ["agent", "agent", "agent"],
    );
    const before = await state(agent.id);
    assert.match(await failure(client, "memory_insert", { text: "  " }), /text/);
    assert.match(await failure(client, "memory_insert", { text: "x", importance: 2 }), /importance/);
    assert.match(await failure(client, "memory_insert", { text: "x", kind: "Big Kind" }), /kind/);
    assert.match(
      await failure(client, "memory_insert", { text: 42 }),
      /expected string, received number at text/,
    );
    assert.match(await failure(client, "memory_search", {}), /query/);
    assert.deepEqual(await state(agent.id), before);
  });

  it("logs messages and searches the conversation", async () => {
    const agent = await engram.agents.create({ name: "helper" });
    const client = await connect("helper");
    await call(client, "message_append", {
      role: "user",
      content: "Can I move to annual billing?",
      name: "Ada",
    });
    await call(client, "message_append", { role: "assistant", content: "Yes, from the next renewal." });
    await engram.messages.append(agent.id, { role: "user", content: "What colour is the logo?" });
    const found = await call(client, "conversation_search", { query: "annual billing" });
    assert.equal(found.results[0].content, "Can I move to annual billing?");
    assert.equal(found.results[0].name, "Ada");
    const assistant = await call(client, "conversation_search", { query: "renewal", roles: ["assistant"] });
    assert.deepEqual(
      assistant.results.map((r: { role: string }) => r.role),
      ["assistant"],
    );
    assert.match(await failure(client, "message_append", { role: "robot", content: "hi" }), /role/);
    assert.equal((await engram.messages.list(agent.id)).items.length, 3);
  });

  it("records episodes and advises from them; lists insights", async () => {
    const agent = await engram.agents.create({ name: "helper" });
    const client = await connect("helper");
    const task = "reset a password";
    const observation = "login page";
    for (const [action, reward] of [
      ["click forgot", 1],
      ["call support", -1],
    ] as const) {
      const recorded = await call(client, "episode_record", {
        task,
        steps: [{ observation, availableActions: ["click forgot", "call support"], action, reward }],
        success: reward > 0,
      });
      assert.equal(recorded.episode.steps, 1);
      assert.equal(recorded.episode.totalReward, reward);
    }
    const advice = await call(client, "experience_advice", {
      task,
      observation,
      availableActions: ["click forgot", "call support"],
    });
    assert.equal(advice.items[0].encouraged[0].action, "click forgot");
    assert.equal(advice.items[0].discouraged[0].action, "call support");
    assert.match(advice.text, /click forgot/);

    const before = await state(agent.id);
    assert.match(
      await failure(client, "episode_record", {
        task,
        steps: [{ observation, availableActions: ["a"], action: "b", reward: 0 }],
      }),
      /steps\[0\]\.action|steps\.0\.action/,
    );
    assert.match(await failure(client, "episode_record", { task, steps: [] }), /steps/);
    assert.deepEqual(await state(agent.id), before);

    assert.deepEqual((await call(client, "insights_list")).insights, []);
    await engram.insights.apply(agent.id, [{ op: "add", text: "Try the self-service reset first." }]);
    const { insights } = await call(client, "insights_list");
    assert.deepEqual(
      insights.map((i: { text: string; count: number }) => [i.text, i.count]),
      [["Try the self-service reset first.", 2]],
    );
  });

  it("works on the session's agent unless a call names another, by id or name", async () => {
    const helper = await engram.agents.create({ name: "helper" });
    const other = await engram.agents.create({ name: "other" });
    const client = await connect("helper");
    await call(client, "block_edit", { edits: [{ op: "rethink", label: "persona", value: "I help." }] });
    await call(client, "block_edit", {
      agent: "other",
      edits: [{ op: "rethink", label: "persona", value: "I am the other." }],
    });
    assert.equal((await engram.blocks.get(helper.id, "persona")).value, "I help.");
    assert.equal((await engram.blocks.get(other.id, "persona")).value, "I am the other.");
    assert.equal((await call(client, "block_read", { agent: other.id, label: "persona" })).agentId, other.id);
    const agents = await call(client, "agent_list");
    assert.deepEqual(
      agents.agents.map((a: { name: string }) => a.name),
      ["helper", "other"],
    );

    const bare = await connect();
    assert.match(await failure(bare, "block_read", { label: "persona" }), /agent/);
    assert.equal((await call(bare, "block_read", { agent: "other", label: "persona" })).agentId, other.id);
    const before = await state(helper.id);
    assert.match(
      await failure(client, "memory_insert", { agent: "nobody", text: "x" }),
      /^not_found: agent nobody not found/,
    );
    assert.match(await failure(client, "memory_insert", { agent: "", text: "x" }), /agent/);
    assert.deepEqual(await state(helper.id), before);
  });

  it("says a session's unknown default agent is not found", async () => {
    const client = await connect("ghost");
    assert.match(await failure(client, "block_list"), /^not_found: agent ghost not found/);
  });

  it("answers an unknown tool with a clear error", async () => {
    await engram.agents.create({ name: "helper" });
    const client = await connect("helper");
    assert.match(
      await failure(client, "memory_delete_everything", { agent: "helper" }),
      /Tool memory_delete_everything not found/,
    );
  });

  it("hides unexpected errors from the client and reports them to the server", async () => {
    await engram.agents.create({ name: "helper" });
    const reported: unknown[] = [];
    const broken: Engram = {
      ...engram,
      search: () => Promise.reject(new Error("disk on fire at /secret/path")),
    };
    const server = createMcpServer({
      engram: broken,
      agent: "helper",
      onInternalError: (e) => reported.push(e),
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(clientSide);
    clients.push(client);
    const message = await failure(client, "memory_search", { query: "x" });
    assert.match(message, /^internal: internal error/);
    assert.doesNotMatch(message, /secret/);
    assert.equal(reported.length, 1);
  });

  it("offers blocks as text resources: the session agent's, or every agent's", async () => {
    const helper = await engram.agents.create({ name: "helper" });
    const other = await engram.agents.create({ name: "other" });
    await engram.blocks.set(helper.id, "human", "Name: Ada", { description: "about the user" });
    const client = await connect("helper");

    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(
      resourceTemplates.map((t) => [t.uriTemplate, t.mimeType]),
      [["engram://agents/{agent}/blocks/{label}", "text/plain"]],
    );
    const { resources } = await client.listResources();
    assert.deepEqual(
      resources.map((r) => r.uri),
      [`engram://agents/${helper.id}/blocks/human`, `engram://agents/${helper.id}/blocks/persona`],
    );
    assert.equal(resources[0]?.name, "helper/human");
    assert.equal(resources[0]?.description, "about the user");
    assert.equal(resources[0]?.mimeType, "text/plain");

    const byId = await client.readResource({ uri: `engram://agents/${helper.id}/blocks/human` });
    assert.deepEqual(byId.contents, [
      { uri: `engram://agents/${helper.id}/blocks/human`, mimeType: "text/plain", text: "Name: Ada" },
    ]);
    const byName = await client.readResource({ uri: "engram://agents/helper/blocks/human" });
    assert.equal(byName.contents[0]?.text, "Name: Ada");

    const everyone = await connect();
    const all = (await everyone.listResources()).resources.map((r) => r.name);
    assert.deepEqual(all, ["helper/human", "helper/persona", "other/human", "other/persona"]);
    assert.ok(other.id);

    await assert.rejects(
      client.readResource({ uri: "engram://agents/helper/blocks/nope" }),
      (error: Error) => {
        assert.equal((error as Error & { code?: number }).code, -32002);
        assert.match(error.message, /block "nope" not found/);
        return true;
      },
    );
    await assert.rejects(
      client.readResource({ uri: "engram://agents/ghost/blocks/human" }),
      /agent ghost not found/,
    );
    await assert.rejects(client.readResource({ uri: "engram://elsewhere/x" }), /not found/);
  });
});
