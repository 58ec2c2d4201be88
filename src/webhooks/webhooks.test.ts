import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createEngram, type Engram } from "../engram.ts";
import { type RunningServer, startServer } from "../server/serve.ts";
import { verifyWebhookSignature } from "./signature.ts";

/** A receiver on 127.0.0.1 that records what it is sent and answers with the next scripted status. */
async function receiver(statuses: number[] = []) {
  const received: { body: string; headers: IncomingMessage["headers"]; at: number }[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push({ body, headers: request.headers, at: Date.now() });
      response.statusCode = statuses.shift() ?? 200;
      response.end("ok");
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    /** Resolves once `n` requests arrived (or fails the test after 5 s). */
    async count(n: number): Promise<void> {
      const deadline = Date.now() + 5000;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} deliveries, got ${received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Json = Record<string, unknown>;

describe("webhooks", () => {
  let engram: Engram;
  let open: RunningServer;
  before(async () => {
    engram = createEngram({ path: ":memory:" });
    open = await startServer({
      engram,
      port: 0,
      host: "127.0.0.1",
      webhooks: { backoffMs: 20, maxAttempts: 3, disableAfter: 2, pollMs: 50 },
    });
  });
  after(async () => {
    await open.close();
    await engram.close();
  });
  const call = async (server: RunningServer, method: string, path: string, body?: unknown, key?: string) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as Json };
  };

  it("delivers each matching event signed, retries a failure with backoff, and logs every try", async () => {
    const hook = await receiver([500, 503]);
    const created = await call(open, "POST", "/v1/webhooks", {
      url: hook.url,
      events: ["memory.created"],
      secret: "a-secret-of-sixteen-or-more",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.secret, "a-secret-of-sixteen-or-more");
    const id = created.body.id as string;
    const shown = await call(open, "GET", `/v1/webhooks/${id}`);
    assert.equal(shown.body.secret, undefined);
    assert.equal(shown.body.secretPreview, "a-secret-o…");
    assert.ok(
      !JSON.stringify((await call(open, "GET", "/v1/events?limit=500")).body).includes("sixteen-or-more"),
    );

    const agent = await engram.agents.create({ name: "hooked" });
    await engram.blocks.set(agent.id, "persona", "not sent: another kind");
    const memory = await engram.memories.add(agent.id, { text: "sent to the hook" });
    await hook.count(3);
    for (const { body, headers } of hook.received) {
      assert.ok(
        verifyWebhookSignature({
          secret: "a-secret-of-sixteen-or-more",
          body,
          signature: headers["engram-signature"] as string,
          timestamp: headers["engram-timestamp"] as string,
        }),
      );
      assert.ok(
        !verifyWebhookSignature({
          secret: "another-secret-entirely",
          body,
          signature: headers["engram-signature"] as string,
          timestamp: headers["engram-timestamp"] as string,
        }),
      );
      const sent = JSON.parse(body);
      assert.equal(sent.event.kind, "memory.created");
      assert.equal(sent.event.targetId, memory.id);
    }
    const gaps = hook.received.slice(1).map((r, i) => r.at - (hook.received[i]?.at ?? 0));
    // Retries wait backoffMs (20), then twice that.
    assert.ok((gaps[0] ?? 0) >= 20 && (gaps[1] ?? 0) >= 40, `backoff grows: ${gaps}`);
    const log = await call(open, "GET", `/v1/webhooks/${id}/deliveries`);
    const items = log.body.items as Json[];
    assert.deepEqual(
      items.map((d) => [d.attempt, d.status, d.ok]),
      [
        [3, 200, true],
        [2, 503, false],
        [1, 500, false],
      ],
    );
    assert.equal((await call(open, "DELETE", `/v1/webhooks/${id}`)).status, 204);
    await hook.close();
  });

  it("disables a webhook after repeated failed deliveries, saying why", async () => {
    const hook = await receiver(Array.from({ length: 20 }, () => 500));
    const created = await call(open, "POST", "/v1/webhooks", { url: hook.url, events: ["memory.*"] });
    const id = created.body.id as string;
    assert.match(created.body.secret as string, /^whsec_/);
    const agent = await engram.agents.create({ name: "failing" });
    await engram.memories.add(agent.id, { text: "one" });
    await engram.memories.add(agent.id, { text: "two" });
    await hook.count(6);
    const deadline = Date.now() + 5000;
    let webhook = (await call(open, "GET", `/v1/webhooks/${id}`)).body;
    while (webhook.enabled === true && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      webhook = (await call(open, "GET", `/v1/webhooks/${id}`)).body;
    }
    assert.equal(webhook.enabled, false);
    assert.match(webhook.disabledReason as string, /2 events in a row.*HTTP 500/);
    await engram.memories.add(agent.id, { text: "three: not sent" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(hook.received.length, 6);
    await hook.close();
  });

  it("turns a disabled webhook on again, from now or with what it missed, and off at a user's word", async (t) => {
    const failing = await receiver(Array.from({ length: 20 }, () => 500));
    const healthy = await receiver();
    t.after(() => Promise.all([failing.close(), healthy.close()]));
    const created = await call(open, "POST", "/v1/webhooks", { url: failing.url, events: ["memory.*"] });
    const id = created.body.id as string;
    const agent = await engram.agents.create({ name: "recovering" });
    const texts = async (hook: Awaited<ReturnType<typeof receiver>>) =>
      hook.received.map((r) => JSON.parse(r.body).event.after?.text ?? JSON.parse(r.body).event.kind);
    const disabled = async () => {
      const deadline = Date.now() + 5000;
      let webhook = (await call(open, "GET", `/v1/webhooks/${id}`)).body;
      while (webhook.enabled === true && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        webhook = (await call(open, "GET", `/v1/webhooks/${id}`)).body;
      }
      return webhook;
    };
    await engram.memories.add(agent.id, { text: "one" });
    await engram.memories.add(agent.id, { text: "two" });
    assert.equal((await disabled()).enabled, false);
    await engram.memories.add(agent.id, { text: "three: missed while disabled" });

    // Bad changes are refused, naming the field, and change nothing.
    for (const [body, message] of [
      [{}, /give at least one of url, events and enabled/],
      [{ resume: "missed" }, /resume: only with enabled: true/],
      [{ url: "ftp://example.com/hook" }, /url/],
      [{ events: [] }, /events/],
      [{ enabled: "yes" }, /enabled/],
    ] as const) {
      const refused = await call(open, "PATCH", `/v1/webhooks/${id}`, body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match((refused.body.error as Json).message as string, message);
    }
    assert.equal(
      (await call(open, "PATCH", "/v1/webhooks/whk_00000000000000000000000000", { enabled: true })).status,
      404,
    );
    assert.equal((await call(open, "GET", `/v1/webhooks/${id}`)).body.url, failing.url);

    // On again at a new URL, from now on: "three" is not sent, "four" is.
    const enabled = await call(open, "PATCH", `/v1/webhooks/${id}`, { url: healthy.url, enabled: true });
    assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
    assert.deepEqual(
      [enabled.body.enabled, enabled.body.disabledReason, enabled.body.consecutiveFailures, enabled.body.url],
      [true, null, 0, healthy.url],
    );
    await engram.memories.add(agent.id, { text: "four" });
    await healthy.count(1);
    assert.deepEqual(await texts(healthy), ["four"]);

    // Off at a user's word, then on with what it missed.
    const off = await call(open, "PATCH", `/v1/webhooks/${id}`, { enabled: false });
    assert.deepEqual([off.body.enabled, off.body.disabledReason], [false, "disabled by a user"]);
    await engram.memories.add(agent.id, { text: "five: missed while off" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await texts(healthy), ["four"]);
    const back = await call(open, "PATCH", `/v1/webhooks/${id}`, { enabled: true, resume: "missed" });
    assert.equal(back.status, 200);
    await healthy.count(2);
    assert.deepEqual(await texts(healthy), ["four", "five: missed while off"]);
    const kinds = ((await call(open, "GET", "/v1/events?limit=500")).body.items as Json[])
      .filter((e) => e.targetId === id)
      .map((e) => e.kind);
    assert.deepEqual(kinds, [
      "webhook.created",
      "webhook.disabled",
      "webhook.updated",
      "webhook.updated",
      "webhook.updated",
    ]);
    assert.equal((await call(open, "DELETE", `/v1/webhooks/${id}`)).status, 204);
  });

  it("refuses a URL that is not http(s), naming the field", async () => {
    const before = ((await call(open, "GET", "/v1/webhooks")).body.items as Json[]).length;
    const bad = await call(open, "POST", "/v1/webhooks", { url: "ftp://example.com/x", events: ["*"] });
    assert.equal(bad.status, 400);
    assert.match((bad.body.error as Json).message as string, /webhook: url: must be an http\(s\) URL/);
    const kinds = await call(open, "POST", "/v1/webhooks", {
      url: "https://example.com",
      events: ["Memory!"],
    });
    assert.equal(kinds.status, 400);
    assert.match((kinds.body.error as Json).message as string, /webhook: events: 0:/);
    assert.equal(((await call(open, "GET", "/v1/webhooks")).body.items as Json[]).length, before);
  });

  it("with auth, refuses 127.0.0.1 unless the operator lists it, and then delivers", async () => {
    const hook = await receiver();
    const key = (await engram.keys.create({ project: "tenant" }, { createProject: true })).key;
    const guarded = await startServer({ engram, port: 0, host: "127.0.0.1", auth: true, webhooks: false });
    const listed = await startServer({
      engram,
      port: 0,
      host: "127.0.0.1",
      auth: true,
      allowUrls: [`http://127.0.0.1:${hook.port}`],
      webhooks: { pollMs: 50 },
    });
    try {
      const refused = await call(guarded, "POST", "/v1/webhooks", { url: hook.url, events: ["*"] }, key);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.match((refused.body.error as Json).message as string, /webhook: url: .*allowlist/);
      const wildcard = await startServer({
        engram,
        port: 0,
        host: "127.0.0.1",
        auth: true,
        allowUrls: [`http://*:${hook.port}`],
        webhooks: false,
      });
      const viaWildcard = await call(wildcard, "POST", "/v1/webhooks", { url: hook.url, events: ["*"] }, key);
      await wildcard.close();
      assert.equal(viaWildcard.status, 403, JSON.stringify(viaWildcard.body));
      assert.match((viaWildcard.body.error as Json).message as string, /non-public address/);

      const accepted = await call(
        listed,
        "POST",
        "/v1/webhooks",
        { url: hook.url, events: ["agent.created"] },
        key,
      );
      assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
      // A changed URL is held to the allowlist too, and a refused change changes nothing.
      const moved = await call(
        guarded,
        "PATCH",
        `/v1/webhooks/${accepted.body.id}`,
        { url: `http://127.0.0.1:${hook.port + 1}/elsewhere` },
        key,
      );
      assert.equal(moved.status, 403, JSON.stringify(moved.body));
      assert.match((moved.body.error as Json).message as string, /webhook update: url: .*allowlist/);
      assert.equal(
        (await call(listed, "GET", `/v1/webhooks/${accepted.body.id}`, undefined, key)).body.url,
        hook.url,
      );
      const tenant = engram.forProject(accepted.body.projectId as string);
      const agent = await tenant.agents.create({ name: "in-tenant" });
      await engram.agents.create({ name: "elsewhere" });
      await hook.count(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(hook.received.length, 1, "only the tenant's own event");
      assert.equal(JSON.parse(hook.received[0]?.body ?? "{}").event.targetId, agent.id);
    } finally {
      await guarded.close();
      await listed.close();
      await hook.close();
    }
  });
});
