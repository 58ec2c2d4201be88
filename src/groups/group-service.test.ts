import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import type { GroupEvent } from "./group-events.ts";
import { cast } from "./group-test-support.ts";

const wait = (agent: string, message: string) => ({
  toolCalls: [{ name: "send_message_to_agent_and_wait", input: { agent, message } }],
});

/** The answer in the last tool result the model was given. */
function workerAnswer(prompt: readonly { role: string; content: unknown }[]): string {
  const parts = prompt.findLast((m) => m.role === "tool")?.content as {
    output: { value: { answer: string } };
  }[];
  return parts[0]?.output.value.answer ?? "(none)";
}

describe("groups", () => {
  it("a supervisor routes a task to a worker and answers with the worker's result", async () => {
    const { engram, agents } = await cast({
      lead: (call, options) =>
        call === 0
          ? wait("adder", "What is 19 + 23?")
          : { text: `The sum is ${workerAnswer(options.prompt)}.` },
      adder: [{ text: "42" }],
    });
    const group = await engram.groups.create({
      name: "desk",
      pattern: "supervisor",
      manager: "lead",
      members: ["adder"],
    });
    assert.match(group.id, /^grp_/);
    assert.deepEqual(group.members, [{ agentId: agents.adder.id, responder: null }]);
    const result = await engram.groups.send(group.id, { content: "Add 19 and 23", userId: "ada" });
    assert.equal(result.answer, "The sum is 42.");
    assert.equal(result.turns.length, 1);
    assert.equal(result.turns[0]?.agentId, agents.lead.id);
    const workerLog = (await engram.messages.list(agents.adder.id)).items;
    assert.deepEqual(
      workerLog.map((m) => [m.role, m.content, m.name, m.userId]),
      [
        ["user", "What is 19 + 23?", "lead", "ada"],
        ["assistant", "42", null, "ada"],
      ],
    );
    const from = workerLog[0]?.metadata.from as { turnId: string } | undefined;
    assert.equal(from?.turnId, result.turns[0]?.turnId);
    // Messaging was on for the group's turn only: the lead's own setting is still off.
    assert.ok(!(await engram.runtime.toolNames(agents.lead.id)).includes("send_message_to_agent"));
  });

  it("a supervisor reaches only its workers", async () => {
    const { engram, agents } = await cast({
      lead: [wait("outsider", "psst"), { text: "I could not reach it." }],
      worker: [{ text: "unused" }],
      outsider: [{ text: "never" }],
    });
    const group = await engram.groups.create({
      name: "desk",
      pattern: "supervisor",
      manager: agents.lead.id,
      members: [agents.worker.id],
    });
    const result = await engram.groups.send(group.id, { content: "go" });
    const tool = result.turns[0]?.messages.find((m) => m.role === "tool");
    assert.equal(tool?.metadata.isError, true);
    assert.match(String(tool?.content), /no agent "outsider" among the agents you can message/);
    assert.equal((await engram.messages.list(agents.outsider.id)).items.length, 0);
  });

  it("round-robin: the members speak in turn, each hearing what was said since it last spoke, with their responders", async () => {
    const { engram, agents } = await cast({
      a: [{ text: "I say yes." }, { text: "Agreed, then." }],
      b: [{ text: "I say no." }],
    });
    const group = await engram.groups.create({
      name: "debate",
      pattern: "round-robin",
      members: [{ agent: "a", responder: "reactive" }, "b"],
      maxTurns: 3,
    });
    assert.equal(group.maxTurns, 3);
    const events: GroupEvent[] = [];
    for await (const event of await engram.groups.stream(group.id, { content: "Should we?", name: "ada" }))
      events.push(event);
    const starts = events.flatMap((e) => (e.type === "start" ? [[e.agentId, e.responder]] : []));
    assert.deepEqual(starts, [
      [agents.a.id, "reactive"],
      [agents.b.id, "simple"],
      [agents.a.id, "reactive"],
    ]);
    const done = events.at(-1);
    assert.equal(done?.type, "group-done");
    assert.equal(done?.type === "group-done" && done.answer, "Agreed, then.");
    assert.equal(done?.type === "group-done" && done.turnIds.length, 3);
    const heardByA = (await engram.messages.list(agents.a.id)).items.filter((m) => m.role === "user");
    assert.deepEqual(
      heardByA.map((m) => [m.name, m.content]),
      [
        ["ada", "Should we?"],
        ["b", "I say no."],
      ],
    );
    const heardByB = (await engram.messages.list(agents.b.id)).items.filter((m) => m.role === "user");
    assert.deepEqual(
      heardByB.map((m) => [m.name, m.content]),
      [[null, "ada: Should we?\n\na: I say yes."]],
    );
  });

  it("sleeptime: the primary answers; then the background agent refines the blocks they share", async () => {
    const { engram, agents } = await cast({
      desk: [{ text: "Tea it is." }, { text: "You like tea." }],
      gardener: [
        { toolCalls: [{ name: "memory_append", input: { label: "notes", text: "Ada likes tea." } }] },
        { text: "Noted Ada's taste." },
      ],
    });
    await assert.rejects(
      engram.groups.create({ name: "g", pattern: "sleeptime", manager: "gardener", members: ["desk"] }),
      /manager: gardener shares no block it may write with desk/,
    );
    const notes = await engram.sharedBlocks.create({ label: "notes", value: "" });
    await engram.sharedBlocks.attach(agents.desk.id, notes.id);
    await engram.sharedBlocks.attach(agents.gardener.id, notes.id);
    const group = await engram.groups.create({
      name: "g",
      pattern: "sleeptime",
      manager: "gardener",
      members: ["desk"],
    });
    const result = await engram.groups.send(group.id, { content: "I'd like tea", userId: "ada" });
    assert.equal(result.answer, "Tea it is.");
    await engram.runtime.settled();
    const told = (await engram.messages.list(agents.gardener.id)).items[0];
    assert.equal(told?.name, "desk");
    assert.match(told?.content ?? "", /Message: I'd like tea\ndesk's answer: Tea it is\./);
    assert.equal((await engram.blocks.get(agents.desk.id, "notes")).value, "Ada likes tea.");
    const context = await engram.runtime.context(agents.desk.id, { userId: "ada" });
    assert.match(context.system, /Ada likes tea\./);
  });

  it("bad groups are refused naming the problem, and nothing is written", async () => {
    const engram = createTestEngram();
    await engram.agents.create({ name: "lead" });
    await engram.agents.create({ name: "w" });
    const foreign = await engram.agents.create({ name: "spy", project: "other" }, { createProject: true });
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { name: "g", pattern: "supervisor", manager: "lead", members: [] },
        /members: must name at least one agent/,
      ],
      [
        { name: "g", pattern: "supervisor", manager: "lead", members: ["ghost"] },
        /members\.0: no agent "ghost" in project default/,
      ],
      [
        { name: "g", pattern: "supervisor", manager: "lead", members: [foreign.id] },
        /members\.0: no agent "agt_\w+" in project default/,
      ],
      [{ name: "g", pattern: "supervisor", manager: "lead", members: ["spy"] }, /members\.0: no agent "spy"/],
      [{ name: "g", pattern: "supervisor", members: ["w"] }, /manager: required for a supervisor group/],
      [
        { name: "g", pattern: "round-robin", manager: "lead", members: ["w"] },
        /manager: a round-robin group has none/,
      ],
      [
        { name: "g", pattern: "supervisor", manager: "lead", members: ["w", "w"] },
        /members\.1: w is already in the group/,
      ],
      [
        { name: "g", pattern: "supervisor", manager: "lead", members: ["lead"] },
        /members\.0: lead is already in the group/,
      ],
      [
        { name: "g", pattern: "supervisor", manager: "lead", members: ["w"], maxTurns: 2 },
        /maxTurns: only a round-robin group/,
      ],
      [{ name: "g", pattern: "sleeptime", manager: "lead", members: ["w", "spy"] }, /exactly one member/],
      [
        { name: "g", pattern: "committee", members: ["w"] },
        /pattern: must be one of supervisor, round-robin, sleeptime/,
      ],
      [{ name: "g", pattern: "round-robin", members: ["w"], maxTurns: 0 }, /maxTurns/],
    ];
    for (const [input, message] of cases)
      await assert.rejects(engram.groups.create(input as never), message, JSON.stringify(input));
    assert.deepEqual((await engram.groups.list()).items, []);
    const events = (await engram.events.list({ limit: 100 })).items.map((e) => e.kind);
    assert.ok(!events.includes("group.created"));
  });

  it("a project's view sees only its groups; get, send and delete of another's are not found", async () => {
    const { engram } = await cast({ a: [{ text: "hi" }] });
    await engram.agents.create({ name: "b", project: "other", instructions: "[a]" }, { createProject: true });
    const mine = await engram.groups.create({ name: "g", pattern: "round-robin", members: ["a"] });
    const theirs = await engram.groups.create({
      name: "g",
      project: "other",
      pattern: "round-robin",
      members: ["b"],
    });
    const other = await engram.projects.get("other");
    const view = engram.forProject(other.id);
    assert.deepEqual(
      (await view.groups.list()).items.map((g) => g.id),
      [theirs.id],
    );
    await assert.rejects(view.groups.get(mine.id), /group grp_\w+ not found/);
    await assert.rejects(view.groups.send(mine.id, { content: "hi" }), /not found/);
    await assert.rejects(view.groups.delete(mine.id), /not found/);
    // And a group of the view's project cannot take an agent of another.
    await assert.rejects(
      view.groups.create({ name: "x", pattern: "round-robin", members: ["a"] }),
      /members\.0: no agent "a" in project other/,
    );
    assert.equal((await engram.groups.get(mine.id)).id, mine.id);
    await engram.groups.delete(mine.id);
    await assert.rejects(engram.groups.get(mine.id), /not found/);
  });

  it("deleting an agent says what became of its groups: group.deleted for those it managed, group.updated for those it left", async () => {
    const engram = createTestEngram();
    for (const name of ["lead", "w1", "w2"]) await engram.agents.create({ name });
    const desk = await engram.groups.create({
      name: "desk",
      pattern: "supervisor",
      manager: "lead",
      members: ["w1"],
    });
    const ring = await engram.groups.create({ name: "ring", pattern: "round-robin", members: ["w1", "w2"] });
    await engram.agents.delete((await engram.agents.find("lead")).id);
    await engram.agents.delete((await engram.agents.find("w1")).id);
    const events = (await engram.events.list({ limit: 100 })).items.filter((e) =>
      e.kind.startsWith("group."),
    );
    const w2 = (await engram.agents.find("w2")).id;
    assert.deepEqual(
      events.map((e) => [e.kind, e.targetId]),
      [
        ["group.created", desk.id],
        ["group.created", ring.id],
        ["group.deleted", desk.id],
        ["group.updated", ring.id],
      ],
    );
    assert.deepEqual(events[2]?.before, desk);
    assert.deepEqual(events[3]?.before, ring);
    assert.deepEqual(events[3]?.after, { ...ring, members: [{ agentId: w2, responder: null }] });
    assert.deepEqual(await engram.groups.get(ring.id), events[3]?.after);
  });

  it("a message a group cannot start is refused before anything is written", async () => {
    const engram = createTestEngram();
    await engram.agents.create({ name: "a" });
    const group = await engram.groups.create({ name: "g", pattern: "round-robin", members: ["a"] });
    await assert.rejects(engram.groups.stream(group.id, { content: "hi" }), /no language model/i);
    await assert.rejects(engram.groups.send(group.id, { content: "" }), /content: must not be empty/);
    await assert.rejects(engram.groups.send(group.id, { content: "hi", maxSteps: 2 } as never), /maxSteps/);
    assert.equal((await engram.messages.list((await engram.agents.find("a")).id)).items.length, 0);
  });
});
