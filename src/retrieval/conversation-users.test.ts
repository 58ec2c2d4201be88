import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";

describe("conversation search among end users", () => {
  it("is not changed by the speakers of another user's conversations", async () => {
    const engram = createTestEngram();
    try {
      const agent = await engram.agents.create({ name: "desk" });
      await engram.messages.appendMany(agent.id, [
        { role: "user", name: "Ada", userId: "ada", content: "I bought pistachios at the market." },
        { role: "user", name: "Ada", userId: "ada", content: "I bought Jordan almonds at the market." },
      ]);
      const search = async () =>
        (
          await engram.search(agent.id, {
            query: "bought Jordan",
            sources: ["messages"],
            userId: "ada",
            recordAccess: false,
          })
        ).results.map((r) => r.text);
      const before = await search();
      assert.equal(before[0], "I bought Jordan almonds at the market.");
      // Another end user's conversation has a participant named Jordan: Ada's search must not know
      // (conversation-ranker.ts took every speaker of the agent out of the query's words).
      await engram.messages.append(agent.id, {
        role: "user",
        name: "Jordan",
        userId: "bob",
        content: "Hello there.",
      });
      assert.deepEqual(await search(), before);
    } finally {
      await engram.close();
    }
  });

  it("counts a session's strength within its user's conversation: two users' sessions of one name are two", async () => {
    const engram = createTestEngram();
    try {
      const agent = await engram.agents.create({ name: "desk" });
      // Cleo's turn comes first, Bo's after: as strong a match each, and each alone in its session.
      // Ada's session has Bo's session's name and three strong matches, which must not lift Bo's turn.
      await engram.messages.append(agent.id, {
        role: "user",
        userId: "cleo",
        sessionId: "s9",
        content: "The kayak trip is on.",
      });
      await engram.messages.append(agent.id, {
        role: "user",
        userId: "bo",
        sessionId: "s1",
        content: "The kayak trip is set.",
      });
      for (let i = 0; i < 12; i++)
        await engram.messages.append(agent.id, {
          role: "user",
          userId: "dan",
          content: `Order ${i} is late.`,
        });
      for (const content of ["My kayak is red.", "A kayak paddle broke.", "Kayak lessons start soon."])
        await engram.messages.append(agent.id, { role: "user", userId: "ada", sessionId: "s1", content });
      const results = (
        await engram.search(agent.id, { query: "kayak trip", sources: ["messages"], recordAccess: false })
      ).results.filter((r) => r.text.startsWith("The kayak trip"));
      assert.deepEqual(
        results.map((r) => r.message?.userId),
        ["cleo", "bo"],
      );
    } finally {
      await engram.close();
    }
  });
});
