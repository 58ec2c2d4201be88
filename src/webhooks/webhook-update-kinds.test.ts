import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";

describe("a webhook's kinds changed while it delivers a backlog", () => {
  it("sends the newly wanted kinds written after the change, skipping none", async () => {
    const kinds: string[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        kinds.push(JSON.parse(body).event.kind);
        setTimeout(() => response.end("ok"), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const engram = createEngram({ path: ":memory:" });
    const dispatcher = engram.webhooks.startDispatcher({ pollMs: 50 });
    try {
      const agent = await engram.agents.create({ name: "busy" });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
