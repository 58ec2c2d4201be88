import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";

describe("a webhook whose claim another server takes during its last try", () => {
  it("records nothing of that try: the server that holds the webhook now delivers the event", async () => {
    let time = Date.UTC(2026, 0, 1);
    const engram = createTestEngram({ now: () => time++ });
    const held: ServerResponse[] = [];
    let arrived = () => {};
    const receiver = createServer((request, response) => {
      request.resume();
      held.push(response);
      arrived();
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    // The dispatcher's drain of the webhook ends by releasing its claim.
    let drained = () => {};
    const ended = new Promise<void>((resolve) => (drained = resolve));
    const webhooks = engram.store.webhooks;
    const release = webhooks.release.bind(webhooks);
    webhooks.release = async (id, owner) => {
      await release(id, owner);
      if (owner !== "another server") drained();
    };
    const leaseMs = 1_000;
    const dispatcher = engram.webhooks.startDispatcher({
      pollMs: 20,
      leaseMs,
      timeoutMs: 60_000,
      maxAttempts: 1,
    });
    try {
      const agent = await engram.agents.create({ name: "a" });
      const hook = await engram.webhooks.create({ url, events: ["memory.created"] });
      await engram.memories.add(agent.id, { text: "one" });
      while (held.length < 1) await new Promise<void>((resolve) => (arrived = resolve));
      // The try outlives its lease; another server takes the webhook over, then the receiver answers.
      time += 10 * (leaseMs + 60_000);
      assert.ok(await webhooks.claim(hook.id, "another server", time, time + 10 * leaseMs));
      held[0]?.end("ok");
      await ended;
      assert.deepEqual((await engram.webhooks.deliveries(hook.id)).items, [], "no outcome of the lost try");
      const stored = await engram.webhooks.get(hook.id);
      assert.equal(stored.cursor, hook.cursor, "the event is left to the server that holds the webhook");
    } finally {
      await dispatcher.stop();
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await engram.close();
    }
  });
});
