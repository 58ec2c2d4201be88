import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { call, failure, state, useMcpTestbed } from "./test-support.ts";

const t = useMcpTestbed();

describe("the MCP server", () => {
  it("lists its tools with strict JSON schemas, agent optional only with a default agent", async () => {
    await t.engram.agents.create({ name: "helper" });
    const withDefault = await t.connect("helper");
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
        "message_read",
        "message_append",
        "entity_lookup",
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

    const without = await t.connect();
    const read = (await without.listTools()).tools.find((t) => t.name === "block_read");
    assert.deepEqual(read?.inputSchema.required?.toSorted(), ["agent", "label"]);
    assert.match((await without.getInstructions()) ?? "", /needs its `agent` argument/);
  });

  it("works on the session's agent unless a call names another, by id or name", async () => {
    const helper = await t.engram.agents.create({ name: "helper" });
    const other = await t.engram.agents.create({ name: "other" });
    const client = await t.connect("helper");
    await call(client, "block_edit", { edits: [{ op: "rethink", label: "persona", value: "I help." }] });
    await call(client, "block_edit", {
      agent: "other",
      edits: [{ op: "rethink", label: "persona", value: "I am the other." }],
    });
    assert.equal((await t.engram.blocks.get(helper.id, "persona")).value, "I help.");
    assert.equal((await t.engram.blocks.get(other.id, "persona")).value, "I am the other.");
    assert.equal((await call(client, "block_read", { agent: other.id, label: "persona" })).agentId, other.id);
    const agents = await call(client, "agent_list");
    assert.deepEqual(
      agents.agents.map((a: { name: string }) => a.name),
      ["helper", "other"],
    );

    const bare = await t.connect();
    assert.match(await failure(bare, "block_read", { label: "persona" }), /agent/);
    assert.equal((await call(bare, "block_read", { agent: "other", label: "persona" })).agentId, other.id);
    const before = await state(t.engram, helper.id);
    assert.match(
      await failure(client, "memory_insert", { agent: "nobody", text: "x" }),
      /^not_found: agent nobody not found/,
    );
    assert.match(await failure(client, "memory_insert", { agent: "", text: "x" }), /agent/);
    assert.deepEqual(await state(t.engram, helper.id), before);
  });

  it("says a session's unknown default agent is not found", async () => {
    const client = await t.connect("ghost");
    assert.equal(
      await failure(client, "block_list"),
      "not_found: this session's agent ghost does not exist: create it first (engram agent create --name ghost)",
    );
    assert.equal(
      await failure(client, "block_list", { agent: "nobody" }),
      "not_found: agent nobody not found",
    );
  });

  it("answers an unknown tool with a clear error", async () => {
    await t.engram.agents.create({ name: "helper" });
    const client = await t.connect("helper");
    assert.match(
      await failure(client, "memory_delete_everything", { agent: "helper" }),
      /Tool memory_delete_everything not found/,
    );
  });

  it("hides unexpected errors from the client and reports them to the server", async () => {
    await t.engram.agents.create({ name: "helper" });
    const reported: unknown[] = [];
    const broken: Engram = {
      ...t.engram,
      search: () => Promise.reject(new Error("disk on fire at /secret/path")),
    };
    const client = await t.connect("helper", { engram: broken, onInternalError: (e) => reported.push(e) });
    const message = await failure(client, "memory_search", { query: "x" });
    assert.match(message, /^internal: internal error/);
    assert.doesNotMatch(message, /secret/);
    assert.equal(reported.length, 1);
  });
});
