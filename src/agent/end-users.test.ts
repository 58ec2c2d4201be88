import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../core/errors.ts";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";
import type { RuntimeOptions } from "./runtime-config.ts";

const BLOCK_TOOLS = /memory_append|memory_replace|memory_rethink/;

/** An agent whose model answers "OK" unless `script` says otherwise, with engine settings `runtime`. */
async function setup(
  options: { script?: ScriptStep[]; runtime?: RuntimeOptions; agentRuntime?: object } = {},
) {
  const script = options.script ?? [];
  const model = scriptedModel((n) => script[n] ?? { text: "OK" });
  const engram = createTestEngram({ model, env: {}, runtime: options.runtime });
  const agent = await engram.agents.create({
    name: "shop",
    blocks: [{ label: "human", value: "Customers of the shop." }],
    metadata: options.agentRuntime === undefined ? {} : { runtime: options.agentRuntime },
  });
  /** The tools the model was offered in its latest call. */
  const offered = () => (model.calls.at(-1)?.tools ?? []).map((t) => t.name);
  const blockTools = () => offered().filter((name) => BLOCK_TOOLS.test(name));
  const send = (userId: string | undefined, content = "Hello") =>
    engram.runtime.send(agent.id, { content, userId });
  return { engram, agent, offered, blockTools, send };
}

describe("end users and the block tools", () => {
  it("auto: offered until a second end user has talked, then withheld from every user's turn", async () => {
    const { engram, agent, offered, blockTools, send } = await setup();
    await send("ada");
    assert.ok(offered().includes("memory_append"), "the first user's turn");
    await send("ada");
    assert.ok(offered().includes("memory_rethink"), "the first user's second turn");
    await send("bob");
    assert.deepEqual(blockTools(), [], "the second user's first turn");
    assert.ok(offered().includes("memory_insert") && offered().includes("conversation_search"));
    await send("ada");
    assert.deepEqual(blockTools(), [], "the first user's, once bob talked");
    const context = await engram.runtime.context(agent.id, { userId: "ada" });
    assert.doesNotMatch(context.system, BLOCK_TOOLS);
    assert.doesNotMatch(context.sections.tools.names.join(" "), BLOCK_TOOLS);
    assert.match(
      context.system,
      /Save what you learn about the user you are talking with with\s+memory_insert/,
    );
    await send(undefined);
    assert.ok(offered().includes("memory_replace"), "a turn of no user");
  });

  it("many: withheld from the first user's first turn; one: offered with two users", async () => {
    const many = await setup({ agentRuntime: { endUsers: "many" } });
    await many.send("ada");
    assert.deepEqual(many.blockTools(), []);
    const one = await setup({ runtime: { endUsers: "one" } });
    await one.send("ada");
    await one.send("bob");
    assert.ok(one.offered().includes("memory_append"));
    assert.match((await one.engram.runtime.context(one.agent.id, { userId: "bob" })).system, /memory_append/);
    // The call's setting wins over the engine's.
    await one.engram.runtime.send(one.agent.id, { content: "Hi", userId: "bob", endUsers: "many" });
    assert.deepEqual(one.blockTools(), []);
  });

  it("keeps what bob said out of ada's prompt: his turn cannot append it to a block", async () => {
    const { engram, agent, offered, send } = await setup({
      script: [
        { text: "Hi Ada" },
        { toolCalls: [{ name: "memory_append", input: { label: "human", text: "Bob likes jazz" } }] },
        { text: "Noted." },
      ],
    });
    await send("ada", "Hello, I am Ada");
    const bob = await send("bob", "I am Bob and I like jazz");
    assert.ok(!offered().includes("memory_append"));
    assert.deepEqual(bob.edits, []);
    assert.match(bob.messages[2]?.content ?? "", /unavailable tool 'memory_append'/);
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "Customers of the shop.");
    const ada = await engram.runtime.context(agent.id, { userId: "ada" });
    assert.doesNotMatch(`${ada.system}\n${ada.retrieved}`, /jazz/);
  });

  it("refuses a setting that is not auto, one or many, naming endUsers", async () => {
    const { engram, agent } = await setup({ agentRuntime: { endUsers: "several" } });
    await assert.rejects(
      engram.runtime.send(agent.id, { content: "Hi", userId: "ada" }),
      (error: unknown) => error instanceof InvalidInputError && /endUsers/.test(error.message),
    );
    const other = await setup();
    await assert.rejects(
      other.engram.runtime.context(other.agent.id, { userId: "ada", endUsers: "all" as "many" }),
      (error: unknown) =>
        error instanceof InvalidInputError && /endUsers: must be one of auto, one, many/.test(error.message),
    );
  });
});
