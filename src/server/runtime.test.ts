import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { APICallError } from "ai";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";
import { refuses, sseEvents, testApp } from "./test-support.ts";

function setup(script: ScriptStep[]) {
  const model = scriptedModel(script);
  return { t: testApp({ engram: createTestEngram({ model, env: {} }) }), model };
}

const remember: ScriptStep[] = [
  { toolCalls: [{ name: "memory_append", input: { label: "human", text: "Likes tea" } }] },
  { text: "Noted, you like tea." },
];

describe("running an agent over HTTP", () => {
  test("a body without a role runs a turn: 201 with every new message, the answer, usage and edits", async () => {
    const { t } = setup(remember);
    const agent = await t.agent();
    const reply = await t.post(`/v1/agents/${agent.id}/messages`, { content: "I like tea", userId: "ada" });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.answer, "Noted, you like tea.");
    assert.match(reply.body.turnId, /^trn_/);
    assert.deepEqual(
      reply.body.messages.map((m: { role: string }) => m.role),
      ["user", "assistant", "tool", "assistant"],
    );
    assert.equal(reply.body.edits[0].label, "human");
    assert.equal(reply.body.usage.totalTokens, 30);
    const block = await t.get(`/v1/agents/${agent.id}/blocks/human`);
    assert.equal(block.body.value, "Likes tea");
    const log = await t.get(`/v1/agents/${agent.id}/commits?limit=1`);
    assert.equal(log.body.items[0].author, "agent");
    assert.deepEqual(t.internalErrors, []);
  });

  test("stream: true answers with named server-sent events, ending with done", async () => {
    const { t } = setup(remember);
    const agent = await t.agent();
    const response = await t.app.request(`/v1/agents/${agent.id}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "I like tea", stream: true }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const received = await sseEvents(response);
    assert.ok(received.every((e) => e.event === e.data.type));
    const names = received.map((e) => e.event);
    assert.equal(names[0], "start");
    assert.deepEqual(names.slice(-5), ["message", "message", "message", "message", "done"]);
    for (const name of ["tool-call", "memory-edit", "tool-result", "text-delta", "step-finish"])
      assert.ok(names.includes(name), name);
    const done = received.at(-1)?.data;
    assert.equal(done.answer, "Noted, you like tea.");
    const log = await t.get(`/v1/agents/${agent.id}/messages`);
    assert.deepEqual(
      done.messageIds,
      log.body.items.map((m: { id: string }) => m.id),
    );
  });

  test("a model failure is 503 with the reason; the user's message and an error record are kept", async () => {
    const { t } = setup([
      {
        error: new APICallError({
          message: "Incorrect API key",
          url: "http://127.0.0.1/v1/chat/completions",
          requestBodyValues: {},
          statusCode: 401,
        }),
      },
    ]);
    const agent = await t.agent();
    const reply = await t.post(`/v1/agents/${agent.id}/messages`, { content: "Hello" });
    assert.equal(reply.status, 503);
    assert.equal(reply.body.error.code, "unavailable");
    assert.equal(reply.body.error.details.reason, "auth");
    assert.match(reply.body.error.details.turnId, /^trn_/);
    const log = await t.get(`/v1/agents/${agent.id}/messages`);
    assert.deepEqual(
      reply.body.error.details.messageIds,
      log.body.items.map((m: { id: string }) => m.id),
    );
    assert.deepEqual(
      log.body.items.map((m: { role: string }) => m.role),
      ["user", "system"],
    );
  });

  test("a failure during a stream is an error event that ends it", async () => {
    const { t } = setup([{ textBefore: "Half", streamError: new Error("connection reset") }]);
    const agent = await t.agent();
    const response = await t.app.request(`/v1/agents/${agent.id}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "Hi", stream: true }),
    });
    assert.equal(response.status, 200);
    const received = await sseEvents(response);
    assert.equal(received.at(-1)?.event, "error");
    assert.equal(received.at(-1)?.data.error.details.reason, "stream");
  });

  test("bad input and unknown agents are refused before anything is written", async () => {
    const { t, model } = setup([]);
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/messages`;
    const cases: [unknown, RegExp][] = [
      [{ content: "" }, /^invalid request body: content: must not be empty$/],
      [{ content: "  " }, /^invalid request body: content: must not be empty$/],
      [{ content: "hi", stream: "yes" }, /^invalid request body: stream: /],
      [
        { content: "hi", responder: "clever" },
        /^invalid request body: responder: must be one of simple, reactive$/,
      ],
      [{ content: "hi", maxSteps: 0 }, /^invalid request body: maxSteps: /],
      [{ content: "hi", temperature: 2 }, /^invalid request body: Unrecognized key: "temperature"$/],
    ];
    for (const [body, message] of cases) {
      await refuses(t, agent.id, () => t.post(base, body), { status: 400, code: "invalid_input", message });
    }
    const missing = await t.post("/v1/agents/agt_00000000000000000000000000/messages", { content: "hi" });
    assert.equal(missing.status, 404);
    assert.equal(model.calls.length, 0);
  });
});

describe("GET /v1/agents/{id}/context", () => {
  test("returns the compiled sections with token counts, the prompt and the messages", async () => {
    const { t } = setup([]);
    const agent = await t.agent({ name: "helper", instructions: "Be kind." });
    await t.post(`/v1/agents/${agent.id}/memories`, { text: "Ada likes violin music", userId: "ada" });
    await t.post(`/v1/agents/${agent.id}/messages`, { role: "user", content: "Hello", userId: "ada" });
    const reply = await t.get(`/v1/agents/helper/context?query=violin&userId=ada&responder=reactive`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.query, "violin");
    assert.equal(reply.body.responder, "reactive");
    assert.equal(reply.body.sections.memories.items[0].text, "Ada likes violin music");
    assert.ok(reply.body.sections.blocks.tokens > 0);
    assert.match(reply.body.system, /Be kind\./);
    assert.deepEqual(reply.body.messages, [{ role: "user", content: "Hello" }]);
    const other = await t.get(`/v1/agents/${agent.id}/context?userId=bob`);
    assert.deepEqual(other.body.messages, []);
    assert.equal(other.body.query, null);
  });

  test("bad parameters are 400 naming them; an unknown agent is 404", async () => {
    const { t } = setup([]);
    const agent = await t.agent();
    const bad = await t.get(`/v1/agents/${agent.id}/context?contextWindow=12`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^invalid query: contextWindow: /);
    const responder = await t.get(`/v1/agents/${agent.id}/context?responder=x`);
    assert.match(responder.body.error.message, /responder: must be one of simple, reactive/);
    assert.equal((await t.get("/v1/agents/agt_00000000000000000000000000/context")).status, 404);
  });
});

test("/openapi.json describes running an agent, its event stream and the context", async () => {
  const doc = (await testApp().get("/openapi.json")).body;
  const post = doc.paths["/v1/agents/{id}/messages"].post;
  const body = post.requestBody.content["application/json"].schema;
  assert.ok(body.anyOf.some((s: { $ref?: string }) => s.$ref === "#/components/schemas/RunAgentRequest"));
  assert.ok("text/event-stream" in post.responses["200"].content);
  assert.ok(post.responses["503"]);
  const turn = doc.components.schemas.TurnResult;
  assert.deepEqual(turn.required.sort(), [
    "agentId",
    "answer",
    "edits",
    "messages",
    "steps",
    "summaryMessageId",
    "turnId",
    "usage",
  ]);
  const context = doc.paths["/v1/agents/{id}/context"].get;
  assert.equal(
    context.responses["200"].content["application/json"].schema.$ref,
    "#/components/schemas/CompiledContext",
  );
});
