import assert from "node:assert/strict";
import { test } from "node:test";
import { createEngram, type Engram } from "../engram.ts";
import { startServer } from "./serve.ts";

test("startServer serves the API over a real socket and closes cleanly", async () => {
  const engram = createEngram({ path: ":memory:" });
  const server = await startServer({ engram, port: 0 });
  try {
    assert.equal(server.host, "127.0.0.1");
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);

    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "ok");

    const created = await fetch(`${server.url}/v1/agents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "over-the-wire" }),
    });
    assert.equal(created.status, 201);
    const agent = (await created.json()) as { id: string };
    const written = await fetch(`${server.url}/v1/agents/${agent.id}/blocks/persona`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: "Sent over TCP." }),
    });
    assert.equal(written.status, 200);
    assert.equal((await engram.blocks.get(agent.id, "persona")).value, "Sent over TCP.");

    const tooBig = await fetch(`${server.url}/v1/agents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }),
    });
    assert.equal(tooBig.status, 413);
    assert.equal(((await tooBig.json()) as { error: { code: string } }).error.code, "payload_too_large");
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`${server.url}/health`));
  // The engram is the caller's: still open after the server closed.
  assert.equal((await engram.agents.list()).items.length, 1);
  await engram.close();
});

test("close() lets a request in flight finish before it resolves", async () => {
  const real = createEngram({ path: ":memory:" });
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started: () => void = () => {};
  const inFlight = new Promise<void>((resolve) => {
    started = resolve;
  });
  const slow: Engram = {
    ...real,
    agents: Object.assign(Object.create(real.agents), {
      list: async () => {
        started();
        await gate;
        return { items: [], nextCursor: null };
      },
    }),
  };
  const server = await startServer({ engram: slow, port: 0 });
  const pending = fetch(`${server.url}/v1/agents`);
  await inFlight;
  let closed = false;
  const closing = server.close().then(() => {
    closed = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(closed, false);
  release();
  const reply = await pending;
  assert.equal(reply.status, 200);
  assert.deepEqual(await reply.json(), { items: [], nextCursor: null });
  await closing;
  assert.equal(closed, true);
  await real.close();
});

test("over a socket, bodies are checked the same way: malformed, not JSON, empty, chunked, mounted", async () => {
  const { serve } = await import("@hono/node-server");
  const { createApp } = await import("./app.ts");
  const engram = createEngram({ path: ":memory:" });
  const app = createApp({ engram });
  app.post("/mounted", async (c) => c.json({ echoed: await c.req.raw.json() }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const post = (path: string, body: string | ReadableStream<Uint8Array>, type = "application/json") =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": type },
      body,
      duplex: "half",
    } as RequestInit);
  try {
    const malformed = await post("/v1/agents", "{nope");
    assert.equal(malformed.status, 400);
    assert.match(
      ((await malformed.json()) as { error: { message: string } }).error.message,
      /malformed JSON/,
    );
    assert.equal((await post("/v1/agents", JSON.stringify({ name: "x" }), "text/plain")).status, 415);
    const empty = await post("/v1/agents", "");
    assert.equal(empty.status, 400);
    assert.match(((await empty.json()) as { error: { message: string } }).error.message, /request body/);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"name":'));
        controller.enqueue(new TextEncoder().encode('"chunked"}'));
        controller.close();
      },
    });
    const created = await post("/v1/agents", chunked);
    assert.equal(created.status, 201);
    assert.equal(((await created.json()) as { name: string }).name, "chunked");
    const mounted = await post("/mounted", JSON.stringify({ a: 1 }));
    assert.deepEqual(await mounted.json(), { echoed: { a: 1 } });
    assert.equal((await engram.agents.list()).items.length, 1, "only the valid request wrote");
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await engram.close();
  }
});

test("only loopback may serve without keys", async () => {
  const { isLoopback } = await import("./serve.ts");
  for (const host of [
    "127.0.0.1",
    "127.1.2.3",
    "localhost",
    "api.localhost",
    "::1",
    "[::1]",
    "::ffff:127.0.0.1",
  ])
    assert.equal(isLoopback(host), true, host);
  for (const host of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", "::ffff:10.0.0.1"])
    assert.equal(isLoopback(host), false, host);
  const engram = createEngram({ path: ":memory:" });
  try {
    // Refused before anything listens.
    await assert.rejects(
      startServer({ engram, host: "0.0.0.0", port: 0, auth: false }),
      /auth cannot be off/,
    );
  } finally {
    await engram.close();
  }
});
