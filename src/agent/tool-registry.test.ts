import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import type { AgentToolContext } from "./tool-registry.ts";

describe("user-defined tools", () => {
  it("are offered to the model, run with validated input and the turn's context, and their results go back", async () => {
    const model = scriptedModel([
      {
        toolCalls: [
          { name: "order_status", input: { orderId: "A1" } },
          { name: "order_status", input: { orderId: 42 } },
          { name: "cancel_order", input: { orderId: "A1" } },
        ],
      },
      { text: "A1 has shipped." },
    ]);
    const engram = createTestEngram({ model, env: {} });
    const agent = await engram.agents.create({ name: "shop" });
    const seen: { input: unknown; context: AgentToolContext }[] = [];
    await engram.runtime.addTool(agent.id, "order_status", {
      description: "Look up an order's status",
      inputSchema: z.object({ orderId: z.string() }),
      execute: async (input, context) => {
        seen.push({ input, context });
        return { status: "shipped" };
      },
    });
    await engram.runtime.addTool(agent.id, "cancel_order", {
      description: "Cancel an order",
      inputSchema: z.object({ orderId: z.string() }),
      execute: () => {
        throw new Error("orders that have shipped cannot be cancelled");
      },
    });
    assert.deepEqual((await engram.runtime.toolNames(agent.id)).slice(-2), ["order_status", "cancel_order"]);
    const result = await engram.runtime.send(agent.id, { content: "Where is A1?", userId: "ada" });
    assert.equal(result.answer, "A1 has shipped.");
    // Only the valid call ran; the invalid one never reached the function.
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]?.input, { orderId: "A1" });
    assert.equal(seen[0]?.context.agentId, agent.id);
    assert.equal(seen[0]?.context.userId, "ada");
    assert.equal(seen[0]?.context.turnId, result.turnId);
    assert.equal(seen[0]?.context.toolCallId, "call_1_0");
    const tools = result.messages.filter((m) => m.role === "tool");
    assert.deepEqual(
      tools.map((m) => [m.name, m.metadata.isError]),
      [
        ["order_status", false],
        ["order_status", true],
        ["cancel_order", true],
      ],
    );
    assert.equal(tools[0]?.content, '{"status":"shipped"}');
    assert.match(tools[1]?.content ?? "", /Invalid input for tool order_status/);
    assert.equal(tools[2]?.content, "orders that have shipped cannot be cancelled");
    const offered = (model.calls[0]?.tools ?? []).map((t) => t.name);
    assert.ok(offered.includes("order_status") && offered.includes("memory_append"));
  });

  it("belong to one agent; names are checked; a tool can be replaced and removed", async () => {
    const engram = createTestEngram({ env: {} });
    const a = await engram.agents.create({ name: "a" });
    const b = await engram.agents.create({ name: "b" });
    const tool = { description: "x", inputSchema: z.object({}), execute: () => 1 };
    await engram.runtime.addTool(a.id, "ping", tool);
    assert.ok((await engram.runtime.toolNames(a.id)).includes("ping"));
    assert.ok(!(await engram.runtime.toolNames(b.id)).includes("ping"));
    assert.ok((await engram.runtime.context(a.id)).sections.tools.names.includes("ping"));
    await engram.runtime.addTool(a.id, "ping", { ...tool, description: "y" });
    assert.equal((await engram.runtime.toolNames(a.id)).filter((n) => n === "ping").length, 1);
    await assert.rejects(engram.runtime.addTool(a.id, "memory_append", tool), /built-in memory tool/);
    await assert.rejects(engram.runtime.addTool(a.id, "bad name", tool), /invalid tool: name: must be 1-64/);
    await assert.rejects(
      engram.runtime.addTool(a.id, "x", { ...tool, inputSchema: {} as z.ZodType }),
      /inputSchema: must be a zod schema/,
    );
    await assert.rejects(engram.runtime.addTool("agt_00000000000000000000000000", "ping", tool), /not found/);
    assert.equal(await engram.runtime.removeTool(a.id, "ping"), true);
    assert.equal(await engram.runtime.removeTool(a.id, "ping"), false);
    assert.ok(!(await engram.runtime.toolNames(a.id)).includes("ping"));
  });
});
