import assert from "node:assert/strict";
import { request } from "node:http";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { startServer } from "./serve.ts";
import { testApp } from "./test-support.ts";

describe("failed authentication limit", () => {
  it("answers 429 with Retry-After once an address has failed too often, valid key or not, until it refills", async () => {
    let now = 1_000_000;
    const t = testApp({ auth: true, authFailureLimit: { perMinute: 6, burst: 3, now: () => now } });
    const { key } = await t.engram.keys.create({ project: "red" }, { createProject: true });
    const good = { authorization: `Bearer ${key}` };
    const bad = { authorization: `Bearer ${key.slice(0, -3)}xyz` };
    const statuses: number[] = [];
    for (let i = 0; i < 400; i++) statuses.push((await t.get("/v1/agents", bad)).status);
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
    assert.ok(
      statuses.slice(3).every((s) => s === 429),
      "every attempt past the burst is refused",
    );

    const blocked = await t.get("/v1/agents", good);
    assert.equal(blocked.status, 429, "the address is limited, so its valid key waits too");
    assert.equal(blocked.body.error.code, "rate_limited");
    assert.match(blocked.body.error.message, /too many failed authentications from this address/);
    // 6 per minute: a new attempt every 10 s.
    assert.equal(blocked.headers.get("retry-after"), "10");
    assert.equal((await t.get("/health")).status, 200, "the public paths stay open");

    now += 10_000;
    assert.equal((await t.get("/v1/agents", good)).status, 200, "a valid key costs nothing");
    assert.equal((await t.get("/v1/agents", good)).status, 200);
    assert.equal((await t.get("/v1/agents", bad)).status, 401, "one refilled attempt");
    assert.equal((await t.get("/v1/agents", bad)).status, 429);
    assert.deepEqual(t.internalErrors, []);
  });

  it("counts each client address on its own over a real socket, and can be turned off", async () => {
    const engram = createEngram({ path: ":memory:" });
    await engram.keys.create({ project: "red" }, { createProject: true });
    const server = await startServer({ engram, port: 0, auth: true, authFailureLimit: { perMinute: 2 } });
    const open = await startServer({ engram, port: 0, auth: true, authFailureLimit: false });
    try {
      const get = async (base: string) =>
        (await fetch(`${base}/v1/agents`, { headers: { authorization: "Bearer egk_wrong" } })).status;
      assert.deepEqual(
        [await get(server.url), await get(server.url), await get(server.url)],
        [401, 401, 429],
      );
      // Another loopback address is another client, with its own attempts.
      assert.equal(await statusFrom("127.0.0.2", server.port), 401);
      // X-Forwarded-For is not trusted: claiming another address changes nothing.
      const spoofed = await fetch(`${server.url}/v1/agents`, {
        headers: { authorization: "Bearer egk_wrong", "x-forwarded-for": "203.0.113.9" },
      });
      assert.equal(spoofed.status, 429);
      assert.match(spoofed.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
      const statuses = new Set<number>();
      for (let i = 0; i < 50; i++) statuses.add(await get(open.url));
      assert.deepEqual([...statuses], [401]);
    } finally {
      await server.close();
      await open.close();
      await engram.close();
    }
  });
});

/** A request with a wrong key sent from `localAddress`, so the server sees that client address. */
function statusFrom(localAddress: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/v1/agents",
        localAddress,
        headers: { authorization: "Bearer egk_wrong" },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
