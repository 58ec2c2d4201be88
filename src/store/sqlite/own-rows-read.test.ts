import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { indexTerms } from "../../core/text.ts";
import type { Engram } from "../../engram.ts";
import { CONVERSATION_DEFAULTS } from "../../retrieval/conversation-ranker.ts";
import { withTwoEngines } from "./two-engines-test-support.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-own-rows-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The texts a user's conversation search by these words finds, best first (the store's own ranking). */
const found = async (engram: Engram, agentId: string, words: string) =>
  (
    await engram.store.messages.searchText(
      { agentId, userId: "ada" },
      { terms: indexTerms(words), weights: CONVERSATION_DEFAULTS.weights },
      10,
    )
  ).map((hit) => hit.item.content);

describe("one user's messages, read once for a search's two passes", () => {
  it("are read again once anything was written, here or by another connection to the file", async () => {
    await withTwoEngines(join(dir, "two.db"), async (one, two) => {
      const agent = await one.agents.create({ name: "shop" });
      await one.messages.appendMany(agent.id, [
        { role: "user", content: "My parcel went to the old flat.", userId: "ada" },
        { role: "assistant", content: "I will send the parcel again.", userId: "ada" },
      ]);
      assert.equal((await found(one, agent.id, "parcel")).length, 2);
      assert.deepEqual(await found(one, agent.id, "parcel"), await found(one, agent.id, "parcel"));
      // Written through this connection.
      await one.messages.appendMany(agent.id, [
        { role: "user", content: "Where is my parcel?", userId: "ada" },
      ]);
      assert.equal((await found(one, agent.id, "parcel")).length, 3);
      // Written through the other one.
      await two.messages.appendMany(agent.id, [
        { role: "assistant", content: "The parcel left today.", userId: "ada" },
      ]);
      const after = await found(one, agent.id, "parcel");
      assert.equal(after.length, 4);
      assert.ok(after.includes("The parcel left today."));
      // Another user's messages never join them.
      await two.messages.appendMany(agent.id, [
        { role: "user", content: "My parcel is late.", userId: "bob" },
      ]);
      assert.equal((await found(one, agent.id, "parcel")).length, 4);
    });
  });
});
