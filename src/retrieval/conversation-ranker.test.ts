import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import type { MessageInput } from "../memory/messages/message-service.ts";
import { createTestEngram } from "../test/index.ts";

async function conversation(engram: Engram, turns: [string, string, string][]) {
  const agent = await engram.agents.create({ name: "c" });
  const inputs: MessageInput[] = turns.map(([session, name, content], i) => ({
    role: name === "Ada" ? "user" : "assistant",
    name,
    sessionId: session,
    content,
    createdAt: new Date(Date.UTC(2024, 4, 1 + Number(session.slice(1)), 10, 0, i)).toISOString(),
    provenance: { externalIds: [`t${i}`] },
  }));
  await engram.messages.appendMany(agent.id, inputs);
  return agent;
}

const ids = (response: Awaited<ReturnType<Engram["search"]>>) =>
  response.results.map((r) => r.message?.provenance.externalIds[0]);

describe("conversation search", () => {
  it("finds a short reply by the question it answers", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "Which city did you move to last spring?"],
      ["s1", "Bo", "Lisbon, and I love it."],
      ["s1", "Ada", "I prefer mountains to beaches."],
    ]);
    const response = await engram.search(agent.id, {
      query: "Which city did Bo move to?",
      sources: ["messages"],
      k: 3,
    });
    assert.ok(ids(response).slice(0, 2).includes("t1"), JSON.stringify(ids(response)));
    const top = response.results.find((r) => r.message?.provenance.externalIds[0] === "t1");
    assert.ok((top?.components.lexicalScore ?? 0) > 0);
  });

  it("keeps neighbours within a session", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "We should talk about the violin recital."],
      ["s2", "Bo", "Good morning!"],
    ]);
    const response = await engram.search(agent.id, { query: "violin recital", sources: ["messages"], k: 5 });
    assert.deepEqual(ids(response), ["t0"]);
  });

  it("favours the turns of the one speaker a question names", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "I started painting landscapes this year."],
      ["s1", "Bo", "I started painting portraits this year."],
    ]);
    const forBo = await engram.search(agent.id, {
      query: "What did Bo start painting?",
      sources: ["messages"],
      k: 2,
    });
    assert.equal(ids(forBo)[0], "t1");
    const forAda = await engram.search(agent.id, {
      query: "What did Ada start painting?",
      sources: ["messages"],
      k: 2,
    });
    assert.equal(ids(forAda)[0], "t0");
  });

  it("matches the date words of a turn", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "The concert was great."],
      ["s9", "Ada", "The concert was loud."],
    ]);
    const response = await engram.search(agent.id, {
      query: "the concert on 10 May 2024",
      sources: ["messages"],
      k: 2,
    });
    assert.equal(ids(response)[0], "t1");
  });

  it("expands the query with words shared by the best turns", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "My sourdough starter needs feeding with rye flour."],
      ["s1", "Bo", "Rye flour makes a tangy starter."],
      ["s2", "Ada", "Bought more rye flour at the mill."],
      ["s3", "Bo", "The weather is sunny today."],
      ["s3", "Ada", "Let us go hiking."],
    ]);
    const response = await engram.search(agent.id, { query: "sourdough", sources: ["messages"], k: 5 });
    const found = ids(response);
    assert.equal(found[0], "t0");
    assert.ok(
      found.includes("t2"),
      `expansion should reach a turn sharing 'rye flour': ${JSON.stringify(found)}`,
    );
    assert.ok(!found.includes("t3"));
  });
});
