import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { createTestEngram, scriptedModel } from "../test/index.ts";

/** An agent whose log holds one turn the caller named `turnId`. */
async function agentWithTurn(engram: Engram, name: string, turnId: string) {
  const agent = await engram.agents.create({ name });
  await engram.messages.appendMany(agent.id, [
    { role: "user", content: "Book a table for two", metadata: { turnId } },
    { role: "assistant", content: "Booked for eight.", metadata: { turnId } },
  ]);
  return agent;
}

describe("feedback's episode ids", () => {
  it("two agents' turns of one caller-chosen id are rated once each, neither blocking the other", async () => {
    const engram = createTestEngram();
    const a = await agentWithTurn(engram, "a", "chat-42");
    const b = await agentWithTurn(engram, "b", "chat-42");
    const first = await engram.feedback.give(a.id, "chat-42", { reward: 1 });
    const second = await engram.feedback.give(b.id, "chat-42", { reward: -1 });
    assert.notEqual(first.episode.id, second.episode.id);
    assert.match(first.episode.id, /^epi_feedback_[0-9a-f]{12}_chat-42$/);
    await assert.rejects(engram.feedback.give(b.id, "chat-42", { reward: 1 }), {
      name: "ConflictError",
      message: `turn chat-42 already has feedback (episode ${second.episode.id}): it is given once per turn`,
    });
  });

  it("a turn rated before episode ids named the agent is not rated again", async () => {
    const source = createTestEngram();
    const agent = await agentWithTurn(source, "a", "chat-7");
    const given = await source.feedback.give(agent.id, "chat-7", { reward: 1 });
    const doc = await source.transfer.export(agent.id);
    // The episode as an earlier engram named it: after the turn alone.
    const earlier = JSON.parse(JSON.stringify(doc).replaceAll(given.episode.id, "epi_feedback_chat-7"));
    const engram = createTestEngram();
    await engram.transfer.import(earlier);
    await assert.rejects(engram.feedback.give(agent.id, "chat-7", { reward: -1 }), {
      name: "ConflictError",
      message: /already has feedback \(episode epi_feedback_chat-7\)/,
    });
  });

  it("an agent copied with new ids beside the original rates its own copy of a rated turn, once", async () => {
    const engram = createTestEngram({ model: scriptedModel([{ text: "Booked." }]) });
    const agent = await engram.agents.create({ name: "booker" });
    const turn = await engram.runtime.send(agent.id, { content: "Book a table" });
    await engram.feedback.give(agent.id, turn.turnId, { reward: 1 });
    const copy = await engram.transfer.import(await engram.transfer.export(agent.id), { newIds: true });
    const copyId = copy.id;
    const rated = (await engram.experience.listEpisodes(copyId)).items;
    assert.equal(rated.length, 1, "the copy carries the original's feedback");
    // Its turn ids are the original's: the copy's feedback is the copy's, and already given.
    await assert.rejects(engram.feedback.give(copyId, turn.turnId, { reward: -1 }), {
      name: "ConflictError",
    });
  });
});
