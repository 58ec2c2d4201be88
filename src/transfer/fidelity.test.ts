import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSqliteStore } from "../store/sqlite/sqlite-store.ts";
import { createTestEngram } from "../test/index.ts";
import { copyDatabase } from "./copy-database.ts";
import type { ExportDocument } from "./format.ts";

const withoutTime = (doc: ExportDocument) => ({ ...doc, exportedAt: "" });

/** Imports `doc` into a fresh database and returns its export from there. */
async function roundTrip(doc: ExportDocument): Promise<ExportDocument> {
  const target = createTestEngram();
  try {
    await target.transfer.import(JSON.parse(JSON.stringify(doc)));
    return await target.transfer.export(doc.agent.id);
  } finally {
    await target.close();
  }
}

describe("what engram writes, an export carries and an import takes back", () => {
  it("feedback on a turn whose id the caller chose (an episode epi_feedback_…)", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "booker" });
    await engram.messages.appendMany(agent.id, [
      { role: "user", content: "Book a table for two", metadata: { turnId: "chat-42" } },
      { role: "assistant", content: "Booked for eight.", metadata: { turnId: "chat-42" } },
    ]);
    const feedback = await engram.feedback.give(agent.id, "chat-42", { reward: -1, comment: "ask first" });
    assert.match(feedback.episode.id, /^epi_feedback_[0-9a-f]{12}_chat-42$/);
    const doc = await engram.transfer.export(agent.id);
    assert.deepEqual(withoutTime(await roundTrip(doc)), withoutTime(doc));
  });

  it("an episode recorded step by step past the 10,000 steps one request may send", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "walker" });
    const episode = await engram.experience.startEpisode(agent.id, { task: "walk the corridor" });
    for (let i = 0; i <= 10_000; i++) {
      await engram.experience.recordStep(agent.id, episode.id, {
        observation: `cell ${i % 50}`,
        availableActions: ["left", "right"],
        action: "right",
        reward: 0.1,
      });
    }
    const doc = await engram.transfer.export(agent.id);
    assert.equal(doc.episodes[0]?.steps.length, 10_001);
    assert.deepEqual(withoutTime(await roundTrip(doc)), withoutTime(doc));
  });
});

describe("copyDatabase and shared blocks", () => {
  it("copies the shared blocks no agent carries, and each block at its version", async () => {
    const source = createTestEngram();
    const agent = await source.agents.create({ name: "keeper" });
    const unattached = await source.sharedBlocks.create({ label: "policy", value: "No food in the dome" });
    const detached = await source.sharedBlocks.create({ label: "rota", value: "Ada on Mondays" });
    await source.sharedBlocks.attach(agent.id, detached.id);
    await source.blocks.set(agent.id, "rota", "Ada on Tuesdays");
    await source.sharedBlocks.detach(agent.id, "rota");
    const carried = await source.sharedBlocks.create({ label: "team", value: "We observe on Fridays" });
    await source.sharedBlocks.attach(agent.id, carried.id);
    await source.blocks.set(agent.id, "team", "We observe on Saturdays");
    const before = await source.store.sharedBlocks.list({ limit: 10 });
    assert.equal(before.length, 3);

    const target = createSqliteStore({ path: ":memory:" });
    try {
      const report = await copyDatabase(source.store, target);
      assert.deepEqual(report.agents.differing, []);
      assert.deepEqual(await target.sharedBlocks.list({ limit: 10 }), before);
      assert.deepEqual(
        await target.sharedBlocks.attachments(carried.id),
        await source.store.sharedBlocks.attachments(carried.id),
      );
      assert.deepEqual(await target.sharedBlocks.attachments(unattached.id), []);
    } finally {
      await target.close();
      await source.close();
    }
  });
});
