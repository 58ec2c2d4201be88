import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { castModel, createTestEngram, type RoleScript } from "../test/index.ts";
import { sseEvents, testApp } from "./test-support.ts";

function setup(roles: Record<string, RoleScript>) {
  return testApp({ engram: createTestEngram({ model: castModel(roles) }) });
}

const supervisor: Record<string, RoleScript> = {
  lead: [
    {
      toolCalls: [{ name: "send_message_to_agent_and_wait", input: { agent: "adder", message: "19 + 23?" } }],
    },
    { text: "It is 42." },
  ],
  adder: [{ text: "42" }],
};

describe("groups over HTTP", () => {
  test("create, get, list, send (blocking) and delete a supervisor group", async () => {
    const t = setup(supervisor);
    const lead = await t.agent({ name: "lead", instructions: "[lead]" });
    const adder = await t.agent({ name: "adder", instructions: "[adder]" });
    const created = await t.post("/v1/groups", {
      name: "desk",
      pattern: "supervisor",
      manager: "lead",
      members: [{ agent: "adder", responder: "simple" }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.managerId, lead.id);
    assert.deepEqual(created.body.members, [{ agentId: adder.id, responder: "simple" }]);
    const id = created.body.id;
    assert.deepEqual((await t.get(`/v1/groups/${id}`)).body, created.body);
    assert.deepEqual(
      (await t.get("/v1/groups")).body.items.map((g: { id: string }) => g.id),
      [id],
    );
    const reply = await t.post(`/v1/groups/${id}/messages`, { content: "Add 19 and 23" });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.answer, "It is 42.");
    assert.equal(reply.body.turns[0].agentId, lead.id);
    const workerLog = await t.get(`/v1/agents/${adder.id}/messages`);
    assert.equal(workerLog.body.items[0].metadata.from.agentId, lead.id);
    assert.equal((await t.del(`/v1/groups/${id}`)).status, 204);
    assert.equal((await t.get(`/v1/groups/${id}`)).status, 404);
    assert.deepEqual(t.internalErrors, []);
  });

  test("stream: true answers with each turn's events, then group-done", async () => {
    const t = setup({ a: [{ text: "one" }], b: [{ text: "two" }] });
    await t.agent({ name: "a", instructions: "[a]" });
    await t.agent({ name: "b", instructions: "[b]" });
    const group = await t.post("/v1/groups", { name: "rr", pattern: "round-robin", members: ["a", "b"] });
    const response = await t.app.request(`/v1/groups/${group.body.id}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "go", stream: true }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
    const received = await sseEvents(response);
    assert.deepEqual(
      received.filter((e) => ["start", "done", "group-done"].includes(e.event ?? "")).map((e) => e.event),
      ["start", "done", "start", "done", "group-done"],
    );
    assert.equal(received.at(-1)?.data.answer, "two");
  });

  test("bad input and agents of another project are refused naming them, and nothing is written", async () => {
    const t = setup({});
    await t.agent({ name: "lead" });
    const foreign = await t.engram.agents.create({ name: "spy", project: "other" }, { createProject: true });
    const cases: [unknown, number, RegExp][] = [
      [
        { name: "g", pattern: "supervisor", manager: "lead", members: [] },
        400,
        /members: must name at least one agent/,
      ],
      [
        { name: "g", pattern: "supervisor", manager: "lead", members: [foreign.id] },
        404,
        /members\.0: no agent "agt_/,
      ],
      [
        { name: "g", pattern: "supervisor", manager: "lead", members: ["ghost"] },
        404,
        /members\.0: no agent "ghost"/,
      ],
      [{ name: "g", pattern: "round-robin", members: ["lead"], extra: 1 }, 400, /extra/],
    ];
    for (const [body, status, message] of cases) {
      const reply = await t.post("/v1/groups", body);
      assert.equal(reply.status, status, JSON.stringify(reply.body));
      assert.match(reply.body.error.message, message);
    }
    assert.deepEqual((await t.get("/v1/groups")).body.items, []);
    const missing = await t.post("/v1/groups/grp_00000000000000000000000000/messages", { content: "hi" });
    assert.equal(missing.status, 404);
    const unknownQuery = await t.get("/v1/groups?colour=red");
    assert.equal(unknownQuery.status, 400);
  });
});
