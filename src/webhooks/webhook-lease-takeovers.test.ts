import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";

/** A receiver on 127.0.0.1 that takes each request and never answers it. */
async function hangingReceiver() {
  const held: ServerResponse[] = [];
  let arrived = () => {};
  const server = createServer((request, response) => {
    request.resume();
    held.push(response);
    arrived();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    held,
    /** Resolves once `n` requests have arrived. */
    async requests(n: number): Promise<void> {
      while (held.length < n) await new Promise<void>((resolve) => (arrived = resolve));
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("a webhook delivery whose lease keeps being lost", () => {
  it("counts each lost try as an attempt and gives the event up after maxAttempts, saying why", async () => {
    let time = Date.UTC(2026, 0, 1);
    const engram = createTestEngram({ now: () => time++ });
    const receiver = await hangingReceiver();
    const leaseMs = 1_000;
    const timeoutMs = 1_000;
    // Each time the dispatcher's drain of the webhook ends, it releases its claim.
    let drained = () => {};
    const webhooks = engram.store.webhooks;
    const release = webhooks.release.bind(webhooks);
    webhooks.release = async (id, owner) => {
      await release(id, owner);
      if (owner !== "another server") drained();
    };
    const settings = { pollMs: 20, leaseMs, timeoutMs, backoffMs: 10, maxAttempts: 3, disableAfter: 10 };
    let dispatcher = engram.webhooks.startDispatcher(settings);
    try {
      const agent = await engram.agents.create({ name: "a" });
      const hook = await engram.webhooks.create({ url: receiver.url, events: ["memory.created"] });
      await engram.memories.add(agent.id, { text: "one" });
      for (let lost = 1; lost <= 2; lost++) {
        await receiver.requests(lost);
        // While the receiver hangs, the lease lapses and another server takes the webhook over,
        // then dies holding it: the dispatcher's try ends with no outcome it may record.
        const ended = new Promise<void>((resolve) => (drained = resolve));
        time += 10 * (leaseMs + timeoutMs);
        assert.ok(await webhooks.claim(hook.id, "another server", time, time + leaseMs), `takeover ${lost}`);
        await ended;
        time += 10 * leaseMs;
      }
      // The third try is cut short too: its server stops while the receiver hangs.
      await receiver.requests(3);
      await dispatcher.stop();
      assert.deepEqual((await engram.webhooks.deliveries(hook.id)).items, [], "no outcome recorded so far");

      // The next server finds three tries begun and none recorded: it gives the event up.
      dispatcher = engram.webhooks.startDispatcher(settings);
      const deadline = Date.now() + 10_000;
      let log = await engram.webhooks.deliveries(hook.id);
      while (log.items.length === 0 && receiver.held.length === 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        log = await engram.webhooks.deliveries(hook.id);
      }
      assert.equal(receiver.held.length, 3, "no try after the third");
      assert.equal(log.items.length, 1, JSON.stringify(log.items));
      const [entry] = log.items;
      assert.equal(entry?.ok, false);
      assert.equal(entry?.attempt, 3);
      assert.equal(
        entry?.error,
        "lease lost 3 times: the receiver did not answer within the 2000 ms lease of each try, or the server sending it stopped first",
      );
      const stored = await engram.webhooks.get(hook.id);
      assert.equal(stored.consecutiveFailures, 1, "the event counts as failed");
    } finally {
      await dispatcher.stop();
      await receiver.close();
      await engram.close();
    }
  });
});
