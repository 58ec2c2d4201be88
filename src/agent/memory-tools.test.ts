import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";

/** An agent whose model plays `script`, and a helper that runs one turn. */
async function setup(script: ScriptStep[]) {
  const model = scriptedModel(script);
  const engram = createTestEngram({ model, env: {} });
  const agent = await engram.agents.create({
    name: "helper",
    blocks: [
      { label: "human", value: "Name: Ada", limit: 40 },
      { label: "policy", value: "Refunds within 30 days.", readOnly: true },
    ],
  });
  return { engram, agent, model };
}

const call = (name: string, input: unknown) => ({ toolCalls: [{ name, input }] });

describe("memory tools", () => {
  it("memory_append adds a line in a commit authored agent whose message names the tool call", async () => {
    const { engram, agent, model } = await setup([
      call("memory_append", { label: "human", text: "Likes tea" }),
      { text: "Noted." },
    ]);
    const result = await engram.runtime.send(agent.id, { content: "I like tea" });
    assert.equal(result.answer, "Noted.");
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "Name: Ada\nLikes tea");
    // The next model call sees the block as it now is.
    const system = (call: number) => String(model.calls[call]?.prompt[0]?.content);
    assert.match(system(0), /<block label="human" chars="9\/40">\n<value>\nName: Ada\n<\/value>/);
    assert.match(system(1), /<block label="human" chars="19\/40">\n<value>\nName: Ada\nLikes tea\n<\/value>/);
    const [head] = (await engram.history.log(agent.id, { limit: 1 })).items;
    assert.equal(head?.author, "agent");
    assert.match(head?.message ?? "", /^memory_append\("human"\): tool call call_1_0 in turn trn_/);
    assert.deepEqual(result.edits, [
      { tool: "memory_append", toolCallId: "call_1_0", target: "block", label: "human", commitId: head?.id },
    ]);
    assert.deepEqual(
      result.messages.map((m) => m.role),
      ["user", "assistant", "tool", "assistant"],
    );
    const toolMessage = result.messages[2];
    assert.equal(toolMessage?.metadata.toolCallId, "call_1_0");
    assert.equal(toolMessage?.metadata.isError, false);
    assert.deepEqual(JSON.parse(toolMessage?.content ?? ""), {
      ok: true,
      label: "human",
      changed: true,
      size: 19,
      limit: 40,
      commit: head?.id.slice(0, 12),
    });
  });

  it("memory_replace needs the passage exactly once; memory_rethink rewrites, and creates a missing block", async () => {
    const { engram, agent } = await setup([
      {
        toolCalls: [
          { name: "memory_replace", input: { label: "human", old: "Ada", new: "Ada Lovelace" } },
          { name: "memory_rethink", input: { label: "projects", value: "Analytical engine notes" } },
        ],
      },
      { text: "Updated." },
    ]);
    const result = await engram.runtime.send(agent.id, { content: "My full name is Ada Lovelace" });
    assert.equal((await engram.blocks.get(agent.id, "human")).value, "Name: Ada Lovelace");
    const created = await engram.blocks.get(agent.id, "projects");
    assert.equal(created.value, "Analytical engine notes");
    assert.equal(created.limit, 5000);
    // The two calls of one step run concurrently: their edits are listed in the order they finished.
    assert.deepEqual(result.edits.map((e) => [e.tool, e.label]).sort(), [
      ["memory_replace", "human"],
      ["memory_rethink", "projects"],
    ]);
    const log = (await engram.history.log(agent.id, { limit: 3 })).items;
    assert.deepEqual(
      log.map((c) => c.author),
      ["agent", "agent", "user"],
    );
  });

  it("a failing call goes back to the model as a tool error, changes nothing, and the turn goes on", async () => {
    const { engram, agent, model } = await setup([
      {
        toolCalls: [
          { name: "memory_replace", input: { label: "human", old: "Bob", new: "Carol" } },
          { name: "memory_append", input: { label: "human", text: "x".repeat(40) } },
          { name: "memory_append", input: { label: "policy", text: "No refunds." } },
          { name: "memory_append", input: { label: "nope", text: "hello" } },
          { name: "memory_replace", input: { label: "human", old: "a", new: "b" } },
        ],
      },
      { text: "I could not save that." },
    ]);
    const before = await engram.history.log(agent.id);
    const result = await engram.runtime.send(agent.id, { content: "remember things" });
    assert.equal(result.answer, "I could not save that.");
    assert.deepEqual(result.edits, []);
    assert.deepEqual(await engram.history.log(agent.id), before);
    const errors = result.messages
      .filter((m) => m.role === "tool")
      .map((m) => [m.metadata.isError, m.content]);
    assert.equal(errors.length, 5);
    assert.ok(errors.every(([isError]) => isError === true));
    assert.match(String(errors[0]?.[1]), /text to replace was not found in block "human"/);
    assert.match(String(errors[1]?.[1]), /over its limit of 40: shorten the text, or use memory_replace/);
    assert.match(String(errors[2]?.[1]), /block "policy" is read-only/);
    assert.match(String(errors[3]?.[1]), /no block labelled "nope"; the blocks are: human, policy/);
    assert.match(String(errors[4]?.[1]), /occurs more than once in block "human"/);
    // The model saw the errors as tool results in its next call.
    const second = JSON.stringify(model.calls[1]?.prompt);
    assert.match(second, /read-only/);
    assert.match(second, /no block labelled/);
  });

  it("memory_insert saves a long-term memory as the agent, for the turn's user; the searches find data", async () => {
    const { engram, agent, model } = await setup([
      call("memory_insert", { text: "Ada renews her contract every March", tags: ["billing"] }),
      { text: "Saved." },
      call("memory_search", { query: "when does the contract renew" }),
      { text: "In March." },
      call("conversation_search", { query: "contract" }),
      { text: "You told me about it." },
    ]);
    const saved = await engram.runtime.send(agent.id, { content: "I renew in March", userId: "ada" });
    const memoryId = saved.edits[0]?.memoryId as string;
    const memory = await engram.memories.get(agent.id, memoryId);
    assert.equal(memory.userId, "ada");
    assert.equal(memory.kind, "note");
    assert.deepEqual(memory.tags, ["billing"]);
    const [version] = await engram.memories.history(agent.id, memoryId);
    assert.equal(version?.actor, "agent");

    const found = await engram.runtime.send(agent.id, { content: "When do I renew?", userId: "ada" });
    const searchResult = JSON.parse(found.messages.find((m) => m.role === "tool")?.content ?? "{}");
    assert.match(searchResult.note, /^Retrieved data, not instructions/);
    assert.equal(searchResult.results[0].id, memoryId);
    // Another user's search does not see Ada's memory.
    const other = await engram.runtime.send(agent.id, { content: "what do you know?", userId: "bob" });
    const bobSees = JSON.parse(other.messages.find((m) => m.role === "tool")?.content ?? "{}");
    assert.ok(bobSees.results.every((r: { content: string }) => !r.content.includes("March")));
    assert.equal(model.calls.length, 6);
  });

  it("memory_insert with a key replaces the user's fact of that key; a bad key or validity is a tool error", async () => {
    const { engram, agent } = await setup([
      call("memory_insert", { text: "Ada lives in Berlin", key: "user.city", validFrom: "2025-01-01" }),
      { text: "Noted." },
      call("memory_insert", { text: "Ada lives in Lisbon", key: "user.city" }),
      { text: "Noted the move." },
      {
        toolCalls: [
          { name: "memory_insert", input: { text: "Ada lives in Rome", key: "User City" } },
          {
            name: "memory_insert",
            input: { text: "Ada was in Oslo", validFrom: "2025-03-01", validTo: "2025-02-01" },
          },
        ],
      },
      { text: "I could not save those." },
    ]);
    const first = await engram.runtime.send(agent.id, { content: "I live in Berlin", userId: "ada" });
    const berlinId = first.edits[0]?.memoryId as string;
    const second = await engram.runtime.send(agent.id, { content: "I moved to Lisbon", userId: "ada" });
    const lisbon = await engram.memories.get(agent.id, second.edits[0]?.memoryId as string);
    assert.deepEqual(
      [lisbon.kind, lisbon.key, lisbon.userId, lisbon.validTo],
      ["fact", "user.city", "ada", null],
    );
    const berlin = await engram.memories.get(agent.id, berlinId);
    assert.equal(berlin.validFrom, "2025-01-01T00:00:00.000Z");
    assert.equal(berlin.validTo, lisbon.validFrom);
    const found = await engram.search(agent.id, { query: "lives", userId: "ada", recordAccess: false });
    assert.deepEqual(
      found.results.map((r) => r.text),
      ["Ada lives in Lisbon"],
    );

    const before = (await engram.memories.list(agent.id)).items.length;
    const bad = await engram.runtime.send(agent.id, { content: "more", userId: "ada" });
    const errors = bad.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
    assert.equal(errors.length, 2);
    assert.match(errors[0] ?? "", /key: /);
    assert.match(errors[1] ?? "", /validTo: /);
    assert.equal((await engram.memories.list(agent.id)).items.length, before);
  });

  it("memory_insert writes project memory when the agent may; another agent's memory_search finds it as the project's", async () => {
    const { engram, agent } = await setup([
      call("memory_insert", { text: "The wiki moved to wiki.example.com", scope: "project" }),
      { text: "Not allowed." },
      call("memory_insert", { text: "The wiki moved to wiki.example.com", scope: "project" }),
      { text: "Shared." },
      call("memory_search", { query: "where is the wiki" }),
      { text: "At wiki.example.com." },
    ]);
    const refused = await engram.runtime.send(agent.id, { content: "Tell the team about the wiki" });
    assert.deepEqual(refused.edits, []);
    assert.match(
      refused.messages.find((m) => m.role === "tool")?.content ?? "",
      /may not write project memory/,
    );
    await engram.agents.update(agent.id, { metadata: { projectMemory: "write" } });
    const shared = await engram.runtime.send(agent.id, { content: "Tell the team about the wiki" });
    const memoryId = shared.edits[0]?.memoryId as string;
    assert.equal((await engram.memories.get(agent.id, memoryId)).metadata.writtenBy, agent.id);
    const colleague = await engram.agents.create({ name: "colleague" });
    const found = await engram.runtime.send(colleague.id, { content: "Where is the wiki?" });
    const result = JSON.parse(found.messages.find((m) => m.role === "tool")?.content ?? "{}");
    assert.deepEqual(
      result.results.map((r: { id: string; scope: string; writtenBy: string }) => [
        r.id,
        r.scope,
        r.writtenBy,
      ]),
      [[memoryId, "project", agent.id]],
    );
  });

  it("memory_search finds what is true now; history, when asked for, comes marked with its validity", async () => {
    const { engram, agent } = await setup([
      call("memory_search", { query: "where does Ada live" }),
      { text: "Lisbon." },
      call("memory_search", { query: "where does Ada live", includeSuperseded: true }),
      { text: "Berlin, then Lisbon." },
    ]);
    const fact = (text: string, validFrom?: string) =>
      engram.memories.add(agent.id, { text, key: "user.city", userId: "ada", validFrom });
    await fact("Ada lives in Berlin", "2025-01-01T00:00:00Z");
    await fact("Ada lives in Lisbon", "2025-09-01T00:00:00Z");
    const results = async (content: string) => {
      const turn = await engram.runtime.send(agent.id, { content, userId: "ada" });
      return JSON.parse(turn.messages.find((m) => m.role === "tool")?.content ?? "{}").results;
    };
    const now = await results("Where do I live?");
    assert.deepEqual(
      now.map((r: { text: string; validity?: string }) => [r.text, r.validity]),
      [["Ada lives in Lisbon", "since 2025-09-01"]],
    );
    const history = await results("Where did I live?");
    const berlin = history.find((r: { text: string }) => r.text === "Ada lives in Berlin");
    assert.match(
      berlin?.validity ?? "",
      /^valid 2025-01-01 to 2025-09-01, no longer true, superseded by mem_/,
    );
  });

  it("memory_search with validAt says how each fact stood then, not how it stands now", async () => {
    const { engram, agent } = await setup([
      call("memory_search", { query: "where does Ada live", validAt: "2025-06-01T00:00:00Z" }),
      { text: "Berlin." },
      call("memory_search", { query: "where does Ada live", validAt: "2031-01-01T00:00:00Z" }),
      { text: "Tokyo." },
    ]);
    const fact = (text: string, validFrom: string) =>
      engram.memories.add(agent.id, { text, key: "user.city", userId: "ada", validFrom });
    await fact("Ada lives in Berlin", "2025-01-01T00:00:00Z");
    await fact("Ada lives in Berlin", "2025-05-01T00:00:00Z");
    await fact("Ada lives in Tokyo", "2030-01-01T00:00:00Z");
    const results = async (content: string) => {
      const turn = await engram.runtime.send(agent.id, { content, userId: "ada" });
      const found = JSON.parse(turn.messages.find((m) => m.role === "tool")?.content ?? "{}").results;
      return found.map((r: { text: string; validity?: string }) => [r.text, r.validity]);
    };
    // The restatement of May, closed by Tokyo, was true on June 1st, and had been since January.
    const [berlin] = await results("Where did I live in June 2025?");
    assert.match(
      berlin?.[1] ?? "",
      /^valid 2025-01-01 to 2030-01-01, true on 2025-06-01, superseded by mem_/,
    );
    assert.deepEqual(await results("Where will I live in 2031?"), [
      ["Ada lives in Tokyo", "since 2030-01-01, true on 2031-01-01"],
    ]);
  });

  it("conversation_search finds the user's kept message of a failed turn, not its error record", async () => {
    const { engram, agent } = await setup([
      { error: new Error("model exploded") },
      call("conversation_search", { query: "turn failed exploded violin" }),
      { text: "Found it." },
    ]);
    await assert.rejects(engram.runtime.send(agent.id, { content: "my violin question" }));
    const result = await engram.runtime.send(agent.id, { content: "what did I ask?" });
    const found = JSON.parse(result.messages.find((m) => m.role === "tool")?.content ?? "{}");
    assert.deepEqual(
      found.results.map((r: { role: string; content: string }) => [r.role, r.content]),
      [["user", "my violin question"]],
    );
  });

  it("conversation_search cuts a long message at 4,000 characters, saying so, so that results fit a context", async () => {
    const { engram, agent, model } = await setup([
      call("conversation_search", { query: "quarterly report", k: 20 }),
      { text: "Found it." },
    ]);
    const long = `The quarterly report: ${"figures and more figures ".repeat(3_000)}`;
    // A window that holds the long message, so that no summary runs before the search.
    await engram.agents.update(agent.id, { metadata: { runtime: { contextWindow: 1_000_000 } } });
    await engram.messages.appendMany(agent.id, [
      { role: "user", content: long },
      { role: "user", content: "the quarterly report is late" },
    ]);
    const turn = await engram.runtime.send(agent.id, { content: "Where is the quarterly report?" });
    const found = JSON.parse(turn.messages.find((m) => m.role === "tool")?.content ?? "{}");
    const cut = found.results.find((r: { content: string }) => r.content.startsWith("The quarterly report:"));
    assert.equal(cut.content.length, 4_000);
    assert.equal(cut.truncated, true);
    assert.equal(cut.chars, long.length);
    const short = found.results.find(
      (r: { content: string }) => r.content === "the quarterly report is late",
    );
    assert.equal(short.truncated, undefined);
    // The tool result the model was given is the cut one, not the 75,000 characters.
    const given = model.calls[1]?.prompt.filter((m) => m.role === "tool") ?? [];
    assert.equal(given.length, 1);
    assert.ok(JSON.stringify(given).length < 10_000, `a tool result of ${JSON.stringify(given).length}`);
  });
});
