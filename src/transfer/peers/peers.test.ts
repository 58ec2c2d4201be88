import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ConflictError, InvalidInputError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import { createTestEngram } from "../../test/index.ts";

/** A fixture file, parsed fresh for each use (imports must not depend on its object identity). */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

async function everything(engram: Engram, agentId: string) {
  return {
    blocks: (await engram.blocks.list(agentId)).blocks,
    memories: (await engram.memories.list(agentId, { limit: 100 })).items,
    messages: (await engram.messages.list(agentId, { limit: 100 })).items,
  };
}

describe("import from Letta", () => {
  it("reads a current agent file: prompt, blocks with limits, conversation, passages; lists tools", async () => {
    const engram = createTestEngram();
    const { agent, report } = await engram.transfer.importWithReport(fixture("letta-current.af"));
    assert.equal(report.from, "letta");
    assert.equal(agent.name, "support_agent");
    assert.equal(agent.instructions, "You are Sam, a helpful support agent.");
    assert.equal(agent.model, "openai:gpt-4o-mini");
    const { blocks, memories, messages } = await everything(engram, agent.id);
    assert.deepEqual(
      blocks.map((b) => [b.label, b.value, b.limit, b.readOnly, b.description]),
      [
        ["human", "The customer is Chad; prefers email.", 2000, false, "What you know about the customer."],
        ["persona", "I am Sam, patient and precise.", 5000, true, "Who you are."],
      ],
    );
    assert.deepEqual(
      messages.map((m) => [m.role, m.content]),
      [
        ["user", "Where is my order 1234?"],
        ["assistant", '→ check_order_status {"order_number":1234}'],
        ["tool", '{"status": "OK", "message": "shipped"}'],
        ["assistant", "Your order 1234 has shipped."],
      ],
    );
    assert.equal(messages[0]?.createdAt, "2025-10-31T22:57:00.000Z");
    assert.deepEqual(messages[1]?.metadata.toolCalls, [
      { toolCallId: "call_a", toolName: "check_order_status", input: { order_number: 1234 } },
    ]);
    assert.deepEqual(messages[1]?.metadata.letta, {
      id: "message-2",
      reasoning: "I should look the order up.",
    });
    assert.equal(messages[2]?.name, "check_order_status");
    assert.equal(messages[2]?.metadata.toolCallId, "call_a");
    assert.equal(
      (messages[3]?.metadata.letta as Record<string, unknown> | undefined)?.innerThoughts,
      "The user asked about their order; it shipped.",
    );
    assert.deepEqual(
      memories.map((m) => [m.text, m.kind, m.tags, m.createdAt, m.provenance.externalIds]),
      [
        [
          "Order 1234 was placed on 2025-10-01.",
          "note",
          ["orders"],
          "2025-10-01T09:00:00.000Z",
          ["letta:passage-0"],
        ],
      ],
    );
    const letta = agent.metadata.letta as Record<string, unknown>;
    assert.deepEqual(letta.tools, ["check_order_status", "send_message"]);
    assert.equal(JSON.stringify(agent.metadata).includes("os.system"), false, "tool code is not kept");
    assert.deepEqual(report.counts, {
      blocks: 2,
      memories: 1,
      messages: 4,
      episodes: 0,
      experienceRecords: 0,
      insights: 0,
    });
    assert.ok(
      report.notes.includes(
        "tools: 2 listed, not imported (tool code is never run): check_order_status, send_message",
      ),
      report.notes.join("\n"),
    );
    assert.ok(report.notes.some((n) => /compiled system prompt/.test(n)));
    assert.ok(report.notes.some((n) => /role "approval" not imported/.test(n)));
    assert.ok(report.notes.some((n) => /model "gpt-4o-mini" imported as openai:gpt-4o-mini/.test(n)));
  });

  it("reads the older shape: core_memory, content parts, a tool list; times without offset are UTC", async () => {
    const engram = createTestEngram();
    const { agent, report } = await engram.transfer.importWithReport(fixture("letta-older.af"), {
      name: "sam",
    });
    assert.equal(agent.name, "sam");
    assert.equal(agent.instructions, "You are MemGPT.");
    assert.equal(agent.model, "anthropic:claude-3-5-sonnet");
    const { blocks, messages } = await everything(engram, agent.id);
    assert.deepEqual(
      blocks.map((b) => [b.label, b.value, b.description]),
      [
        ["human", "Name: Chad", ""],
        ["persona", "I am Sam.", "The persona block."],
      ],
    );
    assert.deepEqual(
      messages.map((m) => [m.role, m.content, m.createdAt]),
      [
        ["user", "Hi, I'm Chad.", "2025-03-10T18:02:37.000Z"],
        ["assistant", "Hello Chad!", "2025-03-10T18:02:38.000Z"],
      ],
    );
    assert.deepEqual((agent.metadata.letta as Record<string, unknown>).tags, ["demo"]);
    assert.ok(
      report.notes.some((n) => n.startsWith("tools: 1 listed") && n.endsWith("archival_memory_search")),
    );
  });

  it("refuses a malformed file naming the field, and writes nothing", async () => {
    const engram = createTestEngram();
    const cases: [(file: Record<string, unknown>) => void, RegExp][] = [
      [(f) => delete (f.blocks as Record<string, unknown>[])[0]?.label, /blocks\.0\.label: required/],
      [
        (f) => (((f.blocks as Record<string, unknown>[])[1] as { value: string }).value = "x".repeat(5001)),
        /blocks\.1\.value: over the block's limit of 5000/,
      ],
      [
        (f) => (((f.agents as Record<string, unknown>[])[0] as { name: unknown }).name = ""),
        /agents\.0\.name: must be a non-empty string/,
      ],
      [
        (f) => (((f.agents as Record<string, unknown>[])[0] as { name: unknown }).name = "agt_support"),
        /agents\.0\.name: must not start with "agt_", which marks agent ids/,
      ],
      [
        (f) =>
          ((
            (f.agents as { messages: Record<string, unknown>[] }[])[0]?.messages[1] as { created_at: string }
          ).created_at = "yesterday"),
        /agents\.0\.messages\.1\.created_at: must be an ISO 8601/,
      ],
      [
        (f) =>
          ((
            (f.agents as { passages: Record<string, unknown>[] }[])[0]?.passages[0] as { text: string }
          ).text = " "),
        /agents\.0\.passages\.0\.text: must not be empty/,
      ],
    ];
    for (const [edit, expected] of cases) {
      const file = fixture("letta-current.af");
      edit(file);
      await assert.rejects(
        engram.transfer.import(file),
        (e: unknown) => e instanceof InvalidInputError && expected.test(e.message),
      );
    }
    const older = fixture("letta-older.af");
    delete (older.core_memory as Record<string, unknown>[])[1]?.label;
    await assert.rejects(
      engram.transfer.import(older),
      /invalid Letta agent file: core_memory\.1\.label: required/,
    );
    assert.deepEqual((await engram.agents.list()).items, []);
  });

  it("keeps names unique: a taken name is a conflict naming it, or a free name with newIds", async () => {
    const engram = createTestEngram();
    await engram.transfer.import(fixture("letta-current.af"));
    const refused = await engram.transfer.import(fixture("letta-current.af")).catch((e: unknown) => e);
    assert.ok(refused instanceof ConflictError && /support_agent/.test(refused.message), String(refused));
    const copy = await engram.transfer.import(fixture("letta-current.af"), { newIds: true });
    assert.equal(copy.name, "support_agent-2");
    assert.equal((await engram.agents.list()).items.length, 2);
  });
});

describe("import from Mem0", () => {
  it("reads get_all's {results}: text, user, metadata, categories, times, expiry; ids kept", async () => {
    const engram = createTestEngram();
    const { agent, report } = await engram.transfer.importWithReport(fixture("mem0-get-all.json"), {
      name: "assistant",
    });
    assert.equal(report.from, "mem0");
    assert.equal(agent.name, "assistant");
    const { memories, blocks } = await everything(engram, agent.id);
    assert.deepEqual(
      blocks.map((b) => b.label),
      ["human", "persona"],
    );
    const byUser = new Map(memories.map((m) => [m.userId, m]));
    const alice = byUser.get("alice");
    assert.equal(alice?.text, "Likes to play cricket on weekends");
    assert.equal(alice?.kind, "fact");
    assert.equal(alice?.createdAt, "2024-07-26T17:29:36.630Z");
    assert.deepEqual(alice?.provenance.externalIds, ["mem0:892db2ae-06d9-49e5-8b3e-585ef9b85b8e"]);
    assert.deepEqual(alice?.metadata, {
      category: "hobbies",
      mem0: {
        id: "892db2ae-06d9-49e5-8b3e-585ef9b85b8e",
        hash: "5d9e3e8e8a1f0f1c8b7a6d5c4b3a2f1e",
        user_id: "alice",
        agent_id: "travel-bot",
        run_id: "run-1",
      },
    });
    const bob = byUser.get("bob");
    assert.deepEqual(bob?.tags, ["food", "health"]);
    assert.equal(bob?.validTo, "2030-01-01T00:00:00.000Z");
    assert.equal(bob?.updatedAt, bob?.createdAt);
    const { results } = await engram.search(agent.id, { query: "cricket", userId: "alice" });
    assert.deepEqual(
      results.map((r) => r.text),
      ["Likes to play cricket on weekends"],
    );
    assert.deepEqual(report.notes, ["relations: 1 graph relation not imported"]);
    assert.equal(report.counts.memories, 2);
  });

  it("reads a bare list of memories into an agent named mem0 by default", async () => {
    const engram = createTestEngram();
    const agent = await engram.transfer.import(fixture("mem0-list.json"));
    assert.equal(agent.name, "mem0");
    const [memory] = (await engram.memories.list(agent.id)).items;
    assert.equal(memory?.text, "Prefers morning meetings and async communication");
    assert.equal(memory?.userId, "arjun");
    assert.equal(memory?.updatedAt, "2023-11-08T05:31:56.000Z");
    assert.deepEqual(memory?.tags, ["preferences"]);
  });

  it("refuses a memory without text naming it, and writes nothing", async () => {
    const engram = createTestEngram();
    const file = fixture("mem0-get-all.json");
    delete (file.results as Record<string, unknown>[])[1]?.memory;
    await assert.rejects(
      engram.transfer.import(file, { from: "mem0" }),
      /invalid Mem0 export: results\.1\.memory: required/,
    );
    const list = fixture("mem0-list.json") as unknown as Record<string, unknown>[];
    (list[0] as Record<string, unknown>).user_id = 7;
    await assert.rejects(engram.transfer.import(list), /invalid Mem0 export: 0\.user_id: must be a string/);
    assert.deepEqual((await engram.agents.list()).items, []);
  });

  it("refuses a name that starts as agent ids do, for Mem0 and Letta alike, and writes nothing", async () => {
    const engram = createTestEngram();
    const idLike = /invalid import: name: must not start with "agt_", which marks agent ids$/;
    await assert.rejects(engram.transfer.import(fixture("mem0-list.json"), { name: "agt_bot" }), idLike);
    await assert.rejects(engram.transfer.import(fixture("letta-current.af"), { name: "agt_bot" }), idLike);
    assert.deepEqual((await engram.agents.list()).items, []);
  });
});

describe("import detection", () => {
  it("names the three formats when a file matches none, and honours a forced format", async () => {
    const engram = createTestEngram();
    const error = await engram.transfer.import({ hello: "world" }).catch((e: unknown) => e);
    assert.ok(error instanceof InvalidInputError);
    assert.match(
      error.message,
      /engram export \("format": "engram\.agent"\), a Letta agent file .* or a Mem0 export/,
    );
    await assert.rejects(
      engram.transfer.import(fixture("letta-current.af"), { from: "mem0" }),
      /invalid Mem0 export: must be \{"results"/,
    );
    await assert.rejects(
      engram.transfer.import(fixture("mem0-list.json"), { from: "zep" }),
      /from: must be one of engram, letta, mem0/,
    );
    await assert.rejects(
      engram.transfer.import(fixture("mem0-list.json"), { from: "engram" }),
      /must be a JSON object|format/,
    );
    assert.deepEqual((await engram.agents.list()).items, []);
  });
});
