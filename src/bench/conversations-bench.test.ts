import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatConversationsBench, runConversationsBench } from "./conversations-bench.ts";

describe("bench conversations", () => {
  it("finds each asked user's own facts among interleaved conversations, and no one else's messages", async () => {
    const result = await runConversationsBench({ users: 40, turns: 5, asked: 10, seed: 3 });
    assert.equal(result.messages, 200);
    assert.equal(result.asked, 10);
    assert.equal(result.othersResults, 0);
    assert.ok(result.addressAccuracy >= 0.9, String(result.addressAccuracy));
    assert.ok(result.orderAccuracy >= 0.9, String(result.orderAccuracy));
    assert.equal(result.searchMs.samples, 20);
    assert.equal(result.listMs.samples, 10);
    assert.match(formatConversationsBench(result), /^40 users × 5 turns \(200 messages/);
  });

  it("finds each user's own fact first though an assistant answers every turn with a stock reply", async () => {
    const result = await runConversationsBench({ users: 60, turns: 10, asked: 20, replies: true, seed: 1 });
    assert.equal(result.messages, 1_200);
    assert.equal(result.othersResults, 0);
    assert.ok(result.addressAccuracy >= 0.95, String(result.addressAccuracy));
    assert.ok(result.orderAccuracy >= 0.95, String(result.orderAccuracy));
    assert.match(formatConversationsBench(result), /each answered by a stock reply \(1200 messages/);
  });

  it("finds each user's own fact first in a log of users' own turns alone, much of it small talk", async () => {
    // Each user's turns follow one another: the one after "Could you check the address on the
    // invoice?" is no answer to it, and must not be found by "address" as the user's statement is.
    const result = await runConversationsBench({ users: 200, turns: 30, asked: 20, seed: 1 });
    assert.equal(result.othersResults, 0);
    assert.ok(result.addressAccuracy >= 0.95, String(result.addressAccuracy));
    assert.ok(result.orderAccuracy >= 0.95, String(result.orderAccuracy));
  });

  it("refuses fewer than three turns, naming them", async () => {
    await assert.rejects(
      runConversationsBench({ users: 2, turns: 2 }),
      /turns: must be an integer of at least 3/,
    );
  });
});
