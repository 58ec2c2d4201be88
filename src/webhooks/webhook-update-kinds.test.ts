import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { startRecordingServer } from "../test/recording-server.ts";

describe("a webhook's kinds changed while it delivers a backlog", () => {
  it("sends the newly wanted kinds written after the change, skipping none", async () => {
    const kinds: string[] = [];
    const server = await startRecordingServer((request, response) => {
      kinds.push(request.body.event.kind);
      setTimeout(() => response.end("ok"), 20);
    });
    const engram = createEngram({ path: ":memory:" });
    const dispatcher = engram.webhooks.startDispatcher({ pollMs: 50 });
    try {
      const agent = await engram.agents.create({ name: "busy" });
      const url = `${server.origin}/hook`;
      const hook = await engram.webhooks.create({ url, events: ["memory.created"] });
      for (let i = 0; i < 30; i++) await engram.memories.add(agent.id, { text: `backlog ${i}` });
      while (kinds.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      // The dispatcher is still working through the backlog when the kinds change.
      await engram.webhooks.update(hook.id, { events: ["*"] });
      for (let i = 0; i < 5; i++) {
        await engram.blocks.set(agent.id, "persona", `persona ${i}`);
        await engram.memories.add(agent.id, { text: `after ${i}` });
      }
      const deadline = Date.now() + 8000;
      while (kinds.length < 41 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(kinds.filter((k) => k === "blocks.committed").length, 5, kinds.join(" "));
      assert.equal(kinds.filter((k) => k === "memory.created").length, 35);
    } finally {
      await dispatcher.stop();
      await engram.close();
      await server.close();
    }
  });
});
