import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { APICallError } from "@ai-sdk/provider";
import { PROJECT_HOLDER_NAME } from "../memory/memories/project-memory.ts";
import { testApp } from "../server/test-support.ts";
import { castModel, createTestEngram } from "../test/index.ts";

describe("agents working together: edge cases", () => {
  it("the project's hidden holder of project memory is no agent a group or a message can name", async () => {
    let holderId = "";
    const engram = createTestEngram({
      model: castModel({
        a: (_, call) =>
          call.prompt.at(-1)?.role === "tool"
            ? { text: "done" }
            : {
                toolCalls: [
                  { name: "send_message_to_agent_and_wait", input: { agent: holderId, message: "hi" } },
                  { name: "send_message_to_agent", input: { agent: PROJECT_HOLDER_NAME, message: "hi" } },
                ],
              },
      }),
    });
    const a = await engram.agents.create({
      name: "a",
      instructions: "[a]",
      metadata: { runtime: { messaging: true } },
    });
    await engram.agents.create({ name: "b", instructions: "[b]" });
    // A project memory's agentId is the holder's.
    holderId = (await engram.memories.add(a.id, { text: "Invoices go out on the 5th", scope: "project" }))
      .agentId;
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { name: "g", pattern: "round-robin", members: ["b", holderId] },
        new RegExp(`members\\.1: no agent "${holderId}" in project default`),
      ],
      [
        { name: "g", pattern: "supervisor", manager: holderId, members: ["b"] },
        /manager: no agent "agt_\w+" in project default/,
      ],
      [
        { name: "g", pattern: "supervisor", manager: "a", members: [PROJECT_HOLDER_NAME] },
        /members\.0: no agent "engram:project-memory" in project default/,
      ],
    ];
    for (const [input, message] of cases)
      await assert.rejects(engram.groups.create(input as never), message, JSON.stringify(input));
    assert.deepEqual((await engram.groups.list()).items, []);

    const turn = await engram.runtime.send(a.id, { content: "message the holder" });
    const errors = turn.messages.filter((m) => m.role === "tool").map((m) => [m.metadata.isError, m.content]);
    assert.deepEqual(
      errors.map(([isError]) => isError),
      [true, true],
    );
    assert.match(String(errors[0]?.[1]), /no agent "agt_\w+" in your project/);
    assert.match(String(errors[1]?.[1]), /no agent "engram:project-memory" in your project/);
    await engram.close();
  });

  it("a member given as {agent, responder} with a bad responder is refused naming the field and the problem", async () => {
    const engram = createTestEngram();
    await engram.agents.create({ name: "lead" });
    await engram.agents.create({ name: "w" });
    await assert.rejects(
      engram.groups.create({
        name: "g",
        pattern: "supervisor",
        manager: "lead",
        members: ["w", { agent: "lead", responder: "weird" as never }],
      }),
      /invalid group: members\.1\.responder: must be one of simple, reactive/,
    );
    await assert.rejects(
      engram.groups.create({
        name: "g",
        pattern: "supervisor",
        manager: "lead",
        members: [{ agnt: "w" } as never],
      }),
      /invalid group: members\.0\.agent: required/,
    );
    await assert.rejects(
      engram.groups.create({ name: "g", pattern: "supervisor", manager: "lead", members: [42 as never] }),
      /invalid group: members\.0: /,
    );
    assert.deepEqual((await engram.groups.list()).items, []);
    await engram.close();
  });

  it("an agent imported back beside the agents that went on editing its shared block carries the block as they see it", async () => {
    const engram = createTestEngram();
    const lead = await engram.agents.create({ name: "lead" });
    const researcher = await engram.agents.create({ name: "researcher" });
    const plan = await engram.sharedBlocks.create({ label: "plan", value: "1. find sources" });
    await engram.sharedBlocks.attach(lead.id, plan.id);
    await engram.sharedBlocks.attach(researcher.id, plan.id, { readOnly: true });
    const backup = await engram.transfer.export(researcher.id);
    await engram.agents.delete(researcher.id);
    await engram.blocks.commit(lead.id, {
      changes: [{ op: "append", label: "plan", text: "2. write it up" }],
    });

    const { agent, report } = await engram.transfer.importWithReport(backup);
    const shared = "1. find sources\n2. write it up";
    assert.equal((await engram.sharedBlocks.get(plan.id)).value, shared);
    const block = await engram.blocks.get(agent.id, "plan");
    assert.deepEqual([block.value, block.readOnly, block.sharedId], [shared, true, plan.id]);
    assert.match(
      report.notes.join("\n"),
      /shared block plan \(blk_\w+\): the project has it with another value/,
    );
    // The exported value stays in its history, one commit back.
    assert.equal((await engram.blocks.get(agent.id, "plan", { at: "HEAD~1" })).value, "1. find sources");
    // Its next edit starts from what the others see: nothing of theirs is written over.
    await engram.blocks.commit(agent.id, { changes: [{ op: "append", label: "plan", text: "3. review" }] });
    const after = `${shared}\n3. review`;
    assert.equal((await engram.sharedBlocks.get(plan.id)).value, after);
    assert.equal((await engram.blocks.get(lead.id, "plan")).value, after);
    await engram.close();
  });

  it("agents exported one by one at different times share one value again after import", async () => {
    const source = createTestEngram();
    const a = await source.agents.create({ name: "a" });
    const b = await source.agents.create({ name: "b" });
    const team = await source.sharedBlocks.create({ label: "team", value: "v1" });
    await source.sharedBlocks.attach(a.id, team.id);
    await source.sharedBlocks.attach(b.id, team.id);
    const docA = await source.transfer.export(a.id);
    await source.blocks.set(b.id, "team", "v2");
    const docB = await source.transfer.export(b.id);
    await source.close();
    const target = createTestEngram();
    await target.transfer.import(docA);
    await target.transfer.import(docB);
    const value = (await target.sharedBlocks.get(team.id)).value;
    assert.equal(value, "v1", "the block is as the first import made it");
    assert.equal((await target.blocks.get(a.id, "team")).value, value);
    assert.equal((await target.blocks.get(b.id, "team")).value, value);
    assert.equal((await target.blocks.get(b.id, "team", { at: "HEAD~1" })).value, "v2");
    await target.close();
  });

  it("over HTTP: a bad member is refused naming its field; a group whose 2nd speaker fails keeps what ran, and runs again whole", async () => {
    let bFails = true;
    const t = testApp({
      engram: createTestEngram({
        model: castModel({
          a: (call) => ({ text: `a ${call}` }),
          b: (call) =>
            bFails
              ? {
                  error: new APICallError({
                    message: "boom",
                    url: "http://x",
                    requestBodyValues: {},
                    statusCode: 400,
                  }),
                }
              : { text: `b ${call}` },
          c: (call) => ({ text: `c ${call}` }),
        }),
      }),
    });
    const agents: { id: string }[] = [];
    for (const name of ["a", "b", "c"]) agents.push(await t.agent({ name, instructions: `[${name}]` }));
    const bad = await t.post("/v1/groups", {
      name: "g",
      pattern: "round-robin",
      members: ["a", { agent: "b", responder: "clever" }],
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /members\.1\.responder: must be one of simple, reactive/);
    const group = await t.post("/v1/groups", { name: "g", pattern: "round-robin", members: ["a", "b", "c"] });
    const failed = await t.post(`/v1/groups/${group.body.id}/messages`, {
      content: "plan it",
      userId: "ada",
    });
    assert.equal(failed.status, 503);
    const logOf = async (i: number) =>
      (await t.get(`/v1/agents/${agents[i]?.id}/messages`)).body.items.map((m: { role: string }) => m.role);
    assert.deepEqual(await logOf(0), ["user", "assistant"]);
    assert.deepEqual(await logOf(1), ["user", "system"]);
    assert.deepEqual(await logOf(2), []);
    const failedTurn = (await t.get(`/v1/agents/${agents[1]?.id}/messages`)).body.items[0].metadata.turnId;
    assert.equal(failed.body.error.details.turnId, failedTurn);
    bFails = false;
    const again = await t.post(`/v1/groups/${group.body.id}/messages`, { content: "plan it", userId: "ada" });
    assert.equal(again.status, 201);
    assert.equal(again.body.turns.length, 3);
    assert.deepEqual(await logOf(0), ["user", "assistant", "user", "assistant"]);
    assert.deepEqual(await logOf(2), ["user", "assistant"]);
    // A 5xx is reported to the operator: here the model's failure, and nothing else.
    assert.deepEqual(
      t.internalErrors.map((e) => (e as { code?: string }).code),
      ["unavailable"],
    );
    await t.engram.close();
  });
});
