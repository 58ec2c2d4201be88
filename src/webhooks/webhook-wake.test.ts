import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EngineContext } from "../memory/context.ts";
import { startWebhookDispatcher } from "./webhook-dispatcher.ts";

/** A context whose store counts the dispatcher's looks at the webhooks and hands out its wake-up. */
function countingContext() {
  const seen = { looks: 0, wake: (): void => {} };
  const ctx = {
    now: () => Date.now(),
    instanceId: "test",
    store: {
      webhooks: {
        async enabled() {
          seen.looks++;
          return [];
        },
      },
      events: {
        watch(listener: () => void) {
          seen.wake = listener;
          return () => {};
        },
      },
    },
  } as unknown as EngineContext;
  return { ctx, seen };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("webhook dispatcher wake-ups", () => {
  it("looks at the webhooks once for a burst of writes, and at once for a lone write", async () => {
    const { ctx, seen } = countingContext();
    const dispatcher = startWebhookDispatcher(ctx, { pollMs: 60_000 });
    try {
      await settle(150);
      assert.equal(seen.looks, 1, "the first look, at start");
      for (let i = 0; i < 50; i++) seen.wake();
      await settle(0);
      assert.equal(seen.looks, 2, "the burst's first write wakes it at once");
      await settle(200);
      assert.equal(seen.looks, 3, "the rest of the burst: one more look, when the gap has passed");
      await settle(150);
      seen.wake();
      await settle(0);
      assert.equal(seen.looks, 4, "a lone write after a quiet spell: looked at once");
    } finally {
      await dispatcher.stop();
    }
  });
});
