import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useMcpTestbed } from "./test-support.ts";

const t = useMcpTestbed();

describe("block resources", () => {
  it("offers blocks as text resources: the session agent's, or every agent's", async () => {
    const helper = await t.engram.agents.create({ name: "helper" });
    const other = await t.engram.agents.create({ name: "other" });
    await t.engram.blocks.set(helper.id, "human", "Name: Ada", { description: "about the user" });
    const client = await t.connect("helper");

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
    assert.deepEqual(
      byName.contents.map((c) => ("text" in c ? c.text : null)),
      ["Name: Ada"],
    );

    const everyone = await t.connect();
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

  it("lists no resources for a session agent that does not exist, and a read says what to run", async () => {
    const client = await t.connect("ghost");
    assert.deepEqual((await client.listResources()).resources, []);
    const hint =
      "this session's agent ghost does not exist: create it first (engram agent create --name ghost)";
    await assert.rejects(client.readResource({ uri: "engram://agents/ghost/blocks/human" }), {
      code: -32002,
      message: `MCP error -32002: ${hint}`,
    });
    await assert.rejects(client.readResource({ uri: "engram://agents/nobody/blocks/human" }), {
      code: -32002,
      message: "MCP error -32002: agent nobody not found",
    });
    await assert.rejects(client.readResource({ uri: "engram://agents/%E0/blocks/human" }), {
      code: -32602,
      message: "MCP error -32602: invalid block URI: agent is not valid percent-encoding",
    });

    const ghost = await t.engram.agents.create({ name: "ghost" });
    assert.deepEqual(
      (await client.listResources()).resources.map((r) => r.name),
      ["ghost/human", "ghost/persona"],
    );
    assert.ok((await client.readResource({ uri: `engram://agents/${ghost.id}/blocks/human` })).contents);
  });
});
