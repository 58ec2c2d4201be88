import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngram, type Engram } from "../engram.ts";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import { TokenBuckets } from "./rate-limit.ts";
import { startServer } from "./serve.ts";
import { testApp } from "./test-support.ts";
import { runsTurns } from "./timeout.ts";

describe("rate limit", () => {
  it("lets a burst through, then refills at the rate", () => {
    let now = 0;
    const buckets = new TokenBuckets({ requestsPerSecond: 2, burst: 3, now: () => now });
    assert.deepEqual(
      [1, 2, 3, 4].map(() => buckets.take("a")),
      [0, 0, 0, 1],
    );
    assert.equal(buckets.take("b"), 0, "another client has its own bucket");
    now += 499;
    assert.equal(buckets.take("a"), 1);
    now += 1;
    assert.equal(buckets.take("a"), 0);
    now += 10_000;
    assert.deepEqual(
      [1, 2, 3, 4].map(() => buckets.take("a")),
      [0, 0, 0, 1],
      "never more than the burst",
    );
    const slow = new TokenBuckets({ requestsPerSecond: 0.25, burst: 1, now: () => now });
    slow.take("a");
    assert.equal(slow.take("a"), 4);
  });

  it("answers 429 with Retry-After per key, changing nothing, and leaves /health alone", async () => {
    let now = 1_000;
    const t = testApp({ auth: true, rateLimit: { requestsPerSecond: 1, burst: 2, now: () => now } });
    const red = await t.engram.keys.create({ project: "red" }, { createProject: true });
    const blue = await t.engram.keys.create({ project: "blue" }, { createProject: true });
    const asRed = { authorization: `Bearer ${red.key}` };
    assert.equal((await t.post("/v1/agents", { name: "a" }, asRed)).status, 201);
    assert.equal((await t.get("/v1/agents", asRed)).status, 200);
    const limited = await t.post("/v1/agents", { name: "b" }, asRed);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, "rate_limited");
    assert.match(limited.body.error.message, /at most 1 per second/);
    assert.equal(limited.headers.get("retry-after"), "1");
    assert.equal((await t.get("/v1/agents", { authorization: `Bearer ${blue.key}` })).status, 200);
    assert.equal((await t.get("/health")).status, 200);
    now += 1_000;
    const listed = await t.get("/v1/agents", asRed);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.items.map((a: { name: string }) => a.name),
      ["a"],
    );
  });

  it("is off by default without auth, and on with auth", async () => {
    const open = testApp();
    for (let i = 0; i < 250; i++) assert.equal((await open.get("/v1/agents")).status, 200);
    const guarded = testApp({ auth: true });
    const { key } = await guarded.engram.keys.create({ project: "p" }, { createProject: true });
    // 100/s with bursts of 200: a client much faster than that is stopped after 200 and a bit.
    let allowed = 0;
    let status = 200;
    while (status === 200 && allowed < 1000) {
      status = (await guarded.get("/v1/agents", { authorization: `Bearer ${key}` })).status;
      if (status === 200) allowed++;
    }
    assert.equal(status, 429);
    assert.ok(allowed >= 200, `${allowed} allowed`);
  });

  it("limits by client address when auth is off and a limit is set", async () => {
    const engram = createEngram({ path: ":memory:" });
    const server = await startServer({ engram, port: 0, rateLimit: { requestsPerSecond: 1, burst: 1 } });
    try {
      assert.equal((await fetch(`${server.url}/v1/agents`)).status, 200);
      const limited = await fetch(`${server.url}/v1/agents`);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("retry-after"), "1");
    } finally {
      await server.close();
      await engram.close();
    }
  });
});

describe("request timeout", () => {
  /** An engine whose agent list waits until released. */
  function slowEngine(): { engram: Engram; release(): void } {
    const real = createEngram({ path: ":memory:" });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const engram: Engram = {
      ...real,
      agents: Object.assign(Object.create(real.agents), {
        list: async () => {
          await gate;
          return { items: [], nextCursor: null };
        },
      }),
    };
    return { engram, release };
  }

  it("answers 503 timeout when the response has not started in time", async () => {
    const { engram, release } = slowEngine();
    const t = testApp({ engram, requestTimeoutMs: 50 });
    const started = Date.now();
    const reply = await t.get("/v1/agents");
    assert.equal(reply.status, 503);
    assert.equal(reply.body.error.code, "timeout");
    assert.match(reply.body.error.message, /over 50 ms.*read before retrying/);
    assert.ok(Date.now() - started < 5_000);
    assert.equal((await t.get("/health")).status, 200);
    release();
    assert.equal(t.internalErrors.length, 0);
  });

  it("leaves a turn to its own time-out: a blocking turn slower than the request timeout answers", async () => {
    const scripted = scriptedModel([{ text: "slow but sure" }, { text: "the group answers" }]);
    const model = {
      ...scripted,
      doGenerate: async (options: Parameters<typeof scripted.doGenerate>[0]) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return scripted.doGenerate(options);
      },
    };
    const engram = createTestEngram({ model });
    const t = testApp({ engram, requestTimeoutMs: 30 });
    // Made through the library: over HTTP, on a slow database, they would meet the 30 ms themselves.
    const agent = await engram.agents.create({ name: "slow" });
    const group = await engram.groups.create({ name: "g", pattern: "round-robin", members: [agent.id] });
    const reply = await t.post(`/v1/agents/${agent.id}/messages`, { content: "hello" });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.answer, "slow but sure");
    const said = await t.post(`/v1/groups/${group.id}/messages`, { content: "all" });
    assert.equal(said.status, 201, JSON.stringify(said.body));
    // Anything else is still held to the request timeout.
    assert.equal(runsTurns(new Request("http://x/v1/agents/a/messages", { method: "GET" })), false);
    assert.equal(runsTurns(new Request("http://x/v1/agents/a/memories", { method: "POST" })), false);
  });

  it("does not cut a streaming response that started in time", async () => {
    const engram = createEngram({ path: ":memory:" });
    const t = testApp({ engram, requestTimeoutMs: 50 });
    t.app.get("/stream-test", () => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 30));
          controller.enqueue(new TextEncoder().encode(`data: ${sent}\n\n`));
          if (++sent === 5) controller.close();
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    });
    const res = await t.app.request("/stream-test");
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.equal(text.split("\n\n").filter(Boolean).length, 5);
  });
});
