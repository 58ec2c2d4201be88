import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Agent, Message } from "../../core/types.ts";
import { castModel, createTestEngram, type RoleScript } from "../../test/index.ts";

const ask = (agent: string, message: string, wait = true) => ({
  toolCalls: [
    { name: wait ? "send_message_to_agent_and_wait" : "send_message_to_agent", input: { agent, message } },
  ],
});

/** An engine whose agents' instructions carry their role's tag, with messaging on for each. */
async function team<K extends string>(
  roles: Record<K, RoleScript>,
  runtime: Record<string, unknown> = { messaging: true },
) {
  const engram = createTestEngram({ model: castModel(roles) });
  const agents = {} as Record<K, Agent>;
  for (const role of Object.keys(roles) as K[])
    agents[role] = await engram.agents.create({
      name: role,
      instructions: `[${role}] You are ${role}.`,
      metadata: { runtime },
    });
  return { engram, agents };
}

const toolResults = (messages: readonly Message[]) =>
  messages.filter((m) => m.role === "tool").map((m) => [m.metadata.isError === true, m.content] as const);

describe("agent messaging", () => {
  it("send_message_to_agent_and_wait runs the other agent's turn and returns its answer; the message records its sender", async () => {
    const { engram, agents } = await team({
      boss: [ask("worker", "What is 6 times 7?"), { text: "The worker says 42." }],
      worker: [{ text: "42" }],
    });
    const result = await engram.runtime.send(agents.boss.id, { content: "Ask the worker", userId: "ada" });
    assert.equal(result.answer, "The worker says 42.");
    const [[isError, content]] = toolResults(result.messages) as [[boolean, string]];
    assert.equal(isError, false);
    const answer = JSON.parse(content);
    assert.equal(answer.answer, "42");
    assert.equal(answer.agentId, agents.worker.id);

    const log = (await engram.messages.list(agents.worker.id)).items;
    assert.deepEqual(
      log.map((m) => [m.role, m.content, m.name, m.userId]),
      [
        ["user", "What is 6 times 7?", "boss", "ada"],
        ["assistant", "42", null, "ada"],
      ],
    );
    const from = log[0]?.metadata.from as Record<string, unknown>;
    assert.equal(from.agentId, agents.boss.id);
    assert.equal(from.agentName, "boss");
    assert.equal(from.turnId, result.turnId);
    assert.equal(from.mode, "wait");
    assert.match(String(from.toolCallId), /^call_/);
    assert.deepEqual(
      (from.chain as { agentId: string }[]).map((hop) => hop.agentId),
      [agents.boss.id],
    );
    assert.equal(answer.turnId, log[0]?.metadata.turnId);
  });

  it("send_message_to_agent delivers the message and the other agent answers in its own turn, later", async () => {
    const { engram, agents } = await team({
      boss: [ask("worker", "Please file the report", false), { text: "Sent." }],
      worker: [{ text: "Filed." }],
    });
    const result = await engram.runtime.send(agents.boss.id, { content: "Get the report filed" });
    assert.equal(result.answer, "Sent.");
    const [[isError, content]] = toolResults(result.messages) as [[boolean, string]];
    assert.equal(isError, false);
    const sent = JSON.parse(content);
    assert.deepEqual(sent, {
      delivered: true,
      agent: "worker",
      agentId: agents.worker.id,
      deliveryJobId: sent.deliveryJobId,
    });
    await engram.runtime.settled();
    const log = (await engram.messages.list(agents.worker.id)).items;
    assert.deepEqual(
      log.map((m) => [m.role, m.content, m.name]),
      [
        ["user", "Please file the report", "boss"],
        ["assistant", "Filed.", null],
      ],
    );
    const from = log[0]?.metadata.from as Record<string, unknown>;
    assert.equal(from.turnId, result.turnId);
    assert.equal(from.mode, "async");
    // The delivery was a job of the worker's, queued before the tool answered, done once its turn was.
    const job = await engram.sleeptime.get(agents.worker.id, sent.deliveryJobId);
    assert.equal(job.kind, "deliver");
    assert.equal(job.agentId, agents.worker.id);
    assert.equal(job.status, "succeeded");
    assert.equal(job.attempts, 1);
    assert.deepEqual(job.result, { turnId: log[0]?.metadata.turnId, messageIds: log.map((m) => m.id) });
    assert.deepEqual(
      (await engram.sleeptime.list(agents.worker.id, { kind: "deliver" })).items.map((j) => j.id),
      [job.id],
    );
  });

  it("a cycle of waits (A waits on B, which waits on A) is refused as a tool error, not a deadlock", async () => {
    const { engram, agents } = await team({
      a: [ask("b", "Ask a what it thinks"), { text: "b answered." }],
      b: [ask("a", "What do you think?"), { text: "I could not ask a." }],
    });
    const result = await engram.runtime.send(agents.a.id, { content: "start" });
    assert.equal(result.answer, "b answered.");
    const bLog = (await engram.messages.list(agents.b.id)).items;
    const refused = toolResults(bLog);
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.[0], true);
    assert.match(String(refused[0]?.[1]), /cycle refused: a already waits in this chain \(a → b → a\)/);
    // a ran one turn only: the refused message never reached it.
    const aUsers = (await engram.messages.list(agents.a.id)).items.filter((m) => m.role === "user");
    assert.deepEqual(
      aUsers.map((m) => m.content),
      ["start"],
    );
  });

  it("waiting on an agent that sent without waiting is no cycle: its turn holds nothing the chain waits for", async () => {
    const { engram, agents } = await team({
      a: [ask("b", "Ask me something later", false), { text: "Sent." }, { text: "A here." }],
      b: [ask("a", "Are you there?"), { text: "a answered." }],
    });
    await engram.runtime.send(agents.a.id, { content: "start" });
    await engram.runtime.settled();
    const results = toolResults((await engram.messages.list(agents.b.id)).items);
    assert.deepEqual(
      results.map(([isError]) => isError),
      [false],
    );
    assert.equal(JSON.parse(results[0]?.[1] ?? "{}").answer, "A here.");
    const from = (await engram.messages.list(agents.a.id)).items.find((m) => m.name === "b")?.metadata.from as
      | { chain: { agentId: string; via: string | null }[] }
      | undefined;
    assert.deepEqual(
      from?.chain.map((hop) => [hop.agentId, hop.via]),
      [
        [agents.a.id, null],
        [agents.b.id, "async"],
      ],
    );
  });

  it("a chain longer than maxHops is refused at the hop that would pass it", async () => {
    const { engram, agents } = await team(
      {
        a: [ask("b", "pass it on"), { text: "done" }],
        b: [ask("c", "pass it on"), { text: "c was out of reach" }],
        c: [{ text: "never" }],
      },
      { messaging: true, maxHops: 1 },
    );
    await engram.runtime.send(agents.a.id, { content: "start" });
    const refused = toolResults((await engram.messages.list(agents.b.id)).items);
    assert.match(String(refused[0]?.[1]), /would be 2 hops long, over the limit of 1 \(maxHops\)/);
    assert.equal((await engram.messages.list(agents.c.id)).items.length, 0);
  });

  it("a turn sends at most maxMessagesPerTurn messages (8 by default): the ones past it are refused and nothing is queued for them", async () => {
    const burst = Array.from({ length: 10 }, (_, i) => ask("b", `task ${i}`, false).toolCalls).flat();
    const { engram, agents } = await team({
      a: [{ toolCalls: burst }, { text: "done" }],
      b: () => ({ text: "ok" }),
    });
    const result = await engram.runtime.send(agents.a.id, { content: "fan out" });
    await engram.runtime.settled();
    const results = toolResults(result.messages);
    assert.equal(results.filter(([isError]) => !isError).length, 8);
    const refused = results.filter(([isError]) => isError);
    assert.equal(refused.length, 2);
    for (const [, content] of refused)
      assert.match(String(content), /sent 8 messages, the limit of 8 per turn \(maxMessagesPerTurn\)/);
    assert.equal((await engram.sleeptime.list(agents.b.id, { kind: "deliver" })).items.length, 8);
    const heard = (await engram.messages.list(agents.b.id)).items.filter((m) => m.role === "user");
    assert.equal(heard.length, 8);
  });

  it("maxMessagesPerTurn counts both tools, in each turn of a chain: a recipient that fans out is bounded too", async () => {
    const { engram, agents } = await team(
      {
        a: [
          { toolCalls: [...ask("b", "go wide").toolCalls, ...ask("c", "and you", false).toolCalls] },
          { text: "done" },
        ],
        b: [
          {
            toolCalls: [
              ...ask("c", "one").toolCalls,
              ...ask("c", "two").toolCalls,
              ...ask("c", "three").toolCalls,
            ],
          },
          { text: "b is done" },
        ],
        c: () => ({ text: "ok" }),
      },
      { messaging: true, maxMessagesPerTurn: 2 },
    );
    const result = await engram.runtime.send(agents.a.id, { content: "start" });
    await engram.runtime.settled();
    assert.deepEqual(
      toolResults(result.messages).map(([isError]) => isError),
      [false, false],
    );
    const bResults = toolResults((await engram.messages.list(agents.b.id)).items);
    assert.equal(bResults.filter(([isError]) => !isError).length, 2);
    assert.match(
      String(bResults.find(([isError]) => isError)?.[1]),
      /the limit of 2 per turn \(maxMessagesPerTurn\)/,
    );
    // c heard a's message and two of b's three.
    const heard = (await engram.messages.list(agents.c.id)).items.filter((m) => m.role === "user");
    assert.equal(heard.length, 3);
  });

  it("messaging a missing agent, itself, or an agent of another project is a tool error that reaches no one", async () => {
    const { engram, agents } = await team({
      a: [
        {
          toolCalls: [
            ...ask("ghost", "hi").toolCalls,
            ...ask("a", "hi").toolCalls,
            ...ask("spy", "hi").toolCalls,
          ],
        },
        { text: "nobody answered" },
      ],
    });
    const foreign = await engram.agents.create(
      {
        name: "spy",
        project: "other",
        instructions: "[a]",
      },
      { createProject: true },
    );
    const byId = await engram.runtime.send(agents.a.id, { content: "go" });
    const errors = toolResults(byId.messages);
    assert.deepEqual(
      errors.map(([isError]) => isError),
      [true, true, true],
    );
    assert.match(String(errors[0]?.[1]), /no agent "ghost" in your project/);
    assert.match(String(errors[1]?.[1]), /cannot send a message to yourself/);
    assert.match(String(errors[2]?.[1]), /no agent "spy" in your project/);
    assert.equal((await engram.messages.list(foreign.id)).items.length, 0);
  });

  it("an agent of another project is not found by its id either", async () => {
    const engram = createTestEngram({
      model: castModel({ a: (call) => (call === 0 ? ask(foreignId, "hi") : { text: "ok" }) }),
    });
    const foreign = await engram.agents.create({ name: "spy", project: "other" }, { createProject: true });
    const foreignId = foreign.id;
    const a = await engram.agents.create({
      name: "a",
      instructions: "[a]",
      metadata: { runtime: { messaging: true } },
    });
    const result = await engram.runtime.send(a.id, { content: "go" });
    assert.match(
      String(toolResults(result.messages)[0]?.[1]),
      new RegExp(`no agent "${foreignId}" in your project`),
    );
    assert.equal((await engram.messages.list(foreign.id)).items.length, 0);
  });

  it("the tools are offered only to agents whose messaging setting is on", async () => {
    const engram = createTestEngram({ model: castModel({ a: [{ text: "hi" }] }) });
    const off = await engram.agents.create({ name: "off", instructions: "[a]" });
    const on = await engram.agents.create({
      name: "on",
      instructions: "[a]",
      metadata: { runtime: { messaging: true } },
    });
    assert.ok(!(await engram.runtime.toolNames(off.id)).includes("send_message_to_agent"));
    assert.deepEqual(
      (await engram.runtime.toolNames(on.id)).filter((n) => n.startsWith("send_")),
      ["send_message_to_agent", "send_message_to_agent_and_wait"],
    );
    const context = await engram.runtime.context(off.id);
    assert.ok(!context.sections.tools.names.includes("send_message_to_agent"));
  });

  it("a hop or message limit of 0 is refused when the agent is created or updated, and nothing changes", async () => {
    const engram = createTestEngram();
    await assert.rejects(
      engram.agents.create({ name: "zero", metadata: { runtime: { messaging: true, maxHops: 0 } } }),
      /invalid agent metadata\.runtime: maxHops: must be at least 1/,
    );
    await assert.rejects(
      engram.agents.create({ name: "zero", metadata: { runtime: { maxMessagesPerTurn: 0 } } }),
      /invalid agent metadata\.runtime: maxMessagesPerTurn: must be at least 1/,
    );
    assert.equal((await engram.agents.list()).items.length, 0);
    const agent = await engram.agents.create({ name: "ok" });
    await assert.rejects(
      engram.agents.update(agent.id, { metadata: { runtime: { maxHops: 0 } } }),
      /maxHops: must be at least 1/,
    );
    assert.deepEqual((await engram.agents.get(agent.id)).metadata, {});
  });

  it("an application's tool cannot take a messaging tool's name", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const { z } = await import("zod");
    await assert.rejects(
      engram.runtime.addTool(agent.id, "send_message_to_agent", {
        description: "mine",
        inputSchema: z.object({}),
        execute: () => ({}),
      }),
      /send_message_to_agent is a built-in messaging tool/,
    );
  });
});
