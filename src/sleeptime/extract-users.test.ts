import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";
import { scriptedModel } from "./test-support.ts";

/** The item ids a prompt shows, in order. */
const idsIn = (prompt: string) =>
  [...prompt.matchAll(/id ((?:mem|msg)_[0-9a-z]+)/g)].map((m) => m[1] as string);

describe("sleep-time extraction and end users", () => {
  it("never shows the model one user's items or relations beside another user's", async () => {
    const prompts: string[] = [];
    // A model that, when its prompt says Ada lives in Berlin, reads that for every item it is shown:
    // a confusion the prompt invites when it mixes users, as nothing says whose item is whose.
    const model = scriptedModel((prompt) => {
      if (!prompt.includes("knowledge graph")) return {};
      prompts.push(prompt);
      if (!prompt.includes("Berlin")) return { items: [] };
      return {
        items: idsIn(prompt).map((id) => ({
          id,
          entities: [
            { name: "Ada", type: "person" },
            { name: "Berlin", type: "place" },
          ],
          relations: [{ source: "Ada", target: "Berlin", type: "lives_in" }],
        })),
      };
    });
    const engram = createTestEngram({ model });
    try {
      const agent = await engram.agents.create({
        name: "a",
        metadata: { graph: "model", sleeptime: { decideOnWrite: false } },
      });
      const ada = await engram.memories.add(agent.id, { text: "Ada lives in Berlin.", userId: "ada" });
      const bob = await engram.memories.add(agent.id, { text: "I moved last year.", userId: "bob" });
      const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
      assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
      for (const prompt of prompts) {
        const ids = idsIn(prompt);
        assert.ok(
          !(ids.includes(ada.id) && ids.includes(bob.id)),
          `one prompt holds Ada's and Bob's items:\n${prompt}`,
        );
      }
      // What Ada said must not end up in Bob's graph.
      const bobs = await engram.entities.list(agent.id, { userId: "bob" });
      assert.deepEqual(
        bobs.items.map((e) => e.key).filter((k) => k === "berlin"),
        [],
        "Bob's graph names Berlin, which only Ada's memory says",
      );
    } finally {
      await engram.close();
    }
  });
});
