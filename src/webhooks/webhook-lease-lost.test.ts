import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";

describe("a webhook whose claim another server takes while it retries", () => {
  it("stops trying the event and records nothing: the server that holds it now delivers it", async () => {
    let tries = 0;
    const server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        tries++;
        response.statusCode = 500;
        response.end("down");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const engram = createEngram({ path: ":memory:" });
    // A short lease, lapsing during the wait before the second try.
    const dispatcher = engram.webhooks.startDispatcher({
      pollMs: 50,
      leaseMs: 50,
      timeoutMs: 200,
      backoffMs: 600,
      maxAttempts: 5,
    });
    try {
      const agent = await engram.agents.create({ name: "busy" });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const hook = await engram.webhooks.create({ url, events: ["memory.created"] });
      await engram.memories.add(agent.id, { text: "one" });
      while (tries < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      // Another server claims the webhook once this one's lease has lapsed.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const now = Date.now();
      assert.ok(await engram.store.webhooks.claim(hook.id, "another server", now, now + 60_000));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(tries, 1, "no try after the claim was lost");
      const log = await engram.webhooks.deliveries(hook.id);
      assert.deepEqual(log.items, [], "the event is left to the server that holds the webhook");
    } finally {
      await dispatcher.stop();
      await engram.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
