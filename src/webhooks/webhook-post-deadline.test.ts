import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { UNRESTRICTED } from "./outbound-policy.ts";
import { postDelivery } from "./webhook-post.ts";

describe("webhook delivery deadline", () => {
  it("ends a try whose receiver keeps trickling its answer past the timeout", async () => {
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { "content-type": "text/plain" });
      // Never idle long enough for a socket timeout, never done.
      const trickle = setInterval(() => response.write("."), 50);
      response.on("close", () => clearInterval(trickle));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const started = Date.now();
    try {
      await assert.rejects(
        postDelivery(
          new URL(`http://127.0.0.1:${port}/hook`),
          "{}",
          {},
          {
            policy: UNRESTRICTED,
            timeoutMs: 300,
            signal: AbortSignal.timeout(5000),
          },
        ),
        /no answer within 300 ms/,
      );
      assert.ok(Date.now() - started < 2000, `ended after ${Date.now() - started} ms`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
