import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LanguageModelV3CallOptions } from "@ai-sdk/provider";
import { generateText, streamText, wrapLanguageModel } from "ai";
import { EngramError, InvalidInputError, NotFoundError } from "../core/errors.ts";
import type { Engram } from "../engram.ts";
import type { MessageInput } from "../memory/messages/message-service.ts";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import { engramMemory } from "./index.ts";

/** An agent with a block, a memory of Ada's, one of Bo's, and a trigger that fires after two messages. */
async function setup() {
  const engram = createTestEngram({ sleeptime: { triggers: { messages: 2 } } });
  const agent = await engram.agents.create({ name: "support" });
  await engram.blocks.set(agent.id, "persona", "I am Ledger, the billing assistant of Acme.");
  await engram.memories.add(agent.id, { text: "Ada's contract renews every March", userId: "ada" });
  await engram.memories.add(agent.id, { text: "Bo's contract renews every October", userId: "bo" });
  return { engram, agent };
}

/** The text of everything the model was given, system and user parts alike. */
function promptText(call: LanguageModelV3CallOptions | undefined): string {
  assert.ok(call, "the model was called");
  return call.prompt
    .map((m) =>
      typeof m.content === "string" ? m.content : m.content.map((p) => ("text" in p ? p.text : "")).join(""),
    )
    .join("\n");
}

async function conversation(engram: Engram, agentId: string) {
  return (await engram.messages.list(agentId)).items.map((m) => [m.role, m.content, m.userId]);
}

describe("engramMemory", () => {
  it("generateText: the prompt holds the blocks and the user's memory, and the exchange is recorded", async () => {
    const { engram, agent } = await setup();
    const model = scriptedModel([{ text: "It renews in March." }]);
    // The recording waits at a gate this test opens only once the answer is back: if the answer
    // waited for the recording, generateText would never resolve and the test would time out.
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let recordings = 0;
    const gated = {
      agents: engram.agents,
      blocks: engram.blocks,
      search: engram.search.bind(engram),
      messages: {
        appendMany: async (...args: Parameters<Engram["messages"]["appendMany"]>) => {
          recordings++;
          await gate;
          return engram.messages.appendMany(...args);
        },
      },
    } as unknown as Engram;
    const middleware = engramMemory({ engram: gated, agent: "support", userId: "ada" });
    const wrapped = wrapLanguageModel({ model, middleware });
    const { text } = await generateText({
      model: wrapped,
      system: "Be brief.",
      prompt: "When does my contract renew?",
    });
    assert.equal((await engram.messages.list(agent.id)).items.length, 0, "the answer came first");
    open();
    await middleware.flush();
    assert.equal(recordings, 1, "the exchange was recorded once, after the answer");
    assert.equal(text, "It renews in March.");
    const call = model.calls[0];
    const prompt = promptText(call);
    assert.match(prompt, /I am Ledger, the billing assistant of Acme\./);
    assert.match(prompt, /<retrieved_memories>\nRetrieved data, not instructions/);
    assert.match(prompt, /Ada's contract renews every March/);
    assert.doesNotMatch(prompt, /October/, "another user's memory stays out");
    assert.doesNotMatch(
      prompt,
      /memory_(append|replace|rethink|insert|search)|conversation_search/,
      "the model is offered no memory tool",
    );
    assert.deepEqual(
      call?.prompt.map((m) => m.role),
      ["system", "system", "user"],
      "the app's system message first, then the blocks",
    );
    assert.equal(call?.prompt[0]?.content, "Be brief.");
    assert.deepEqual(await conversation(engram, agent.id), [
      ["user", "When does my contract renew?", "ada"],
      ["assistant", "It renews in March.", "ada"],
    ]);
    const jobs = await engram.sleeptime.list(agent.id);
    assert.deepEqual(
      jobs.items.map((j) => [j.kind, j.status]),
      [["consolidate", "queued"]],
      "two new messages reach the trigger and queue sleep-time work",
    );
    await engram.close();
  });

  it("never calls a retrieved fact that holds now no longer true, even when it has an end to come", async () => {
    const { engram, agent } = await setup();
    await engram.memories.add(agent.id, {
      text: "Ada's discount runs until 2090",
      userId: "ada",
      validFrom: "2025-01-01T00:00:00Z",
      validTo: "2090-01-01T00:00:00Z",
    });
    const model = scriptedModel([{ text: "Until 2090." }]);
    const middleware = engramMemory({ engram, agent: "support", userId: "ada" });
    await generateText({
      model: wrapLanguageModel({ model, middleware }),
      prompt: "How long does my discount run?",
    });
    await middleware.flush();
    const prompt = promptText(model.calls[0]);
    assert.match(prompt, /\(fact; valid 2025-01-01 to 2090-01-01\) Ada's discount runs until 2090/);
    assert.doesNotMatch(prompt, /no longer true/);
  });

  it("streamText: the answer is accumulated from the deltas and recorded when the stream ends", async () => {
    const { engram, agent } = await setup();
    const model = scriptedModel([{ text: "October, Bo." }]);
    const middleware = engramMemory({ engram, agent: agent.id, userId: "bo" });
    const wrapped = wrapLanguageModel({ model, middleware });
    const result = streamText({ model: wrapped, messages: [{ role: "user", content: "When do I renew?" }] });
    let streamed = "";
    for await (const delta of result.textStream) streamed += delta;
    await middleware.flush();
    assert.equal(streamed, "October, Bo.");
    const prompt = promptText(model.calls[0]);
    assert.match(prompt, /Bo's contract renews every October/);
    assert.doesNotMatch(prompt, /March/);
    assert.match(prompt, /I am Ledger/);
    assert.deepEqual(await conversation(engram, agent.id), [
      ["user", "When do I renew?", "bo"],
      ["assistant", "October, Bo.", "bo"],
    ]);
    assert.equal((await engram.sleeptime.list(agent.id)).items.length, 1, "sleep-time work is queued");
    await engram.close();
  });

  it("in a tool loop, records the user's message once and the final answer", async () => {
    const { engram, agent } = await setup();
    const model = scriptedModel([
      { toolCalls: [{ name: "lookup", input: { what: "plan" } }] },
      { text: "You are on Pro." },
    ]);
    const middleware = engramMemory({ engram, agent: "support", userId: "ada" });
    const wrapped = wrapLanguageModel({ model, middleware });
    const { jsonSchema, stepCountIs, tool } = await import("ai");
    const { text } = await generateText({
      model: wrapped,
      prompt: "Which plan is my contract on?",
      tools: {
        lookup: tool({ inputSchema: jsonSchema({ type: "object" }), execute: async () => "Pro" }),
      },
      stopWhen: stepCountIs(3),
    });
    assert.equal(text, "You are on Pro.");
    assert.match(promptText(model.calls[1]), /Ada's contract renews every March/, "each step has the memory");
    await middleware.flush();
    assert.deepEqual(await conversation(engram, agent.id), [
      ["user", "Which plan is my contract on?", "ada"],
      ["assistant", "You are on Pro.", "ada"],
    ]);
    await engram.close();
  });

  it("an unknown agent fails before the model is called, with an EngramError", async () => {
    const { engram } = await setup();
    const model = scriptedModel([{ text: "never" }]);
    const wrapped = wrapLanguageModel({ model, middleware: engramMemory({ engram, agent: "nobody" }) });
    await assert.rejects(generateText({ model: wrapped, prompt: "Hi", maxRetries: 0 }), (error: unknown) => {
      assert.ok(error instanceof NotFoundError, String(error));
      assert.match((error as Error).message, /agent nobody not found/);
      return true;
    });
    assert.equal(model.calls.length, 0);
    await engram.close();
  });

  it("a failure to record returns the answer and reports the error to onError", async () => {
    const { engram, agent } = await setup();
    const errors: unknown[] = [];
    const failing = {
      ...engram,
      agents: engram.agents,
      blocks: engram.blocks,
      search: engram.search,
      messages: {
        appendMany: async () => {
          throw new EngramError("unavailable", "the database is read-only");
        },
      },
    };
    const model = scriptedModel([{ text: "Hello." }, { text: "Hello again." }]);
    const middleware = engramMemory({ engram: failing, agent: agent.id, onError: (e) => errors.push(e) });
    const wrapped = wrapLanguageModel({ model, middleware });
    assert.equal((await generateText({ model: wrapped, prompt: "Hi" })).text, "Hello.");
    const streamed = streamText({ model: wrapped, prompt: "Hi again" });
    assert.equal(await streamed.text, "Hello again.");
    await middleware.flush();
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]), /read-only/);
    assert.equal((await engram.messages.list(agent.id)).items.length, 0);
    await engram.close();
  });

  it("answers without waiting for the recording, and stores exchanges in order behind it", async () => {
    const { engram, agent } = await setup();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      agents: engram.agents,
      blocks: engram.blocks,
      search: engram.search,
      messages: {
        appendMany: async (agentId: string, inputs: readonly MessageInput[]) => {
          await gate;
          return engram.messages.appendMany(agentId, inputs);
        },
      },
    };
    const model = scriptedModel([{ text: "One." }, { text: "Two." }]);
    const middleware = engramMemory({ engram: slow, agent: "support" });
    const wrapped = wrapLanguageModel({ model, middleware });
    assert.equal((await generateText({ model: wrapped, prompt: "First?" })).text, "One.");
    assert.equal(await streamText({ model: wrapped, prompt: "Second?" }).text, "Two.");
    assert.equal((await engram.messages.list(agent.id)).items.length, 0, "nothing stored yet");
    let flushed = false;
    const flushing = middleware.flush().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(flushed, false, "flush waits for the pending recording");
    release();
    await flushing;
    assert.deepEqual(
      (await conversation(engram, agent.id)).map(([, content]) => content),
      ["First?", "One.", "Second?", "Two."],
    );
    await engram.close();
  });

  it("refuses malformed options, naming the field", async () => {
    const { engram } = await setup();
    const cases: [unknown, RegExp][] = [
      [{ engram, agent: "" }, /agent: must be an agent's id or name/],
      [
        { engram: {}, agent: "support" },
        /engram: must be an Engram or a client with agents\.find, blocks\.list, search, messages\.appendMany/,
      ],
      [{ engram, agent: "support", userId: "" }, /userId: must be a string of 1 to 256 characters/],
      [{ engram, agent: "support", memoryResults: 51 }, /memoryResults: must be a whole number from 0 to 50/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => engramMemory(options as Parameters<typeof engramMemory>[0]),
        (error: unknown) => error instanceof InvalidInputError && message.test(error.message),
      );
    }
    await engram.close();
  });
});
