import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "../client/index.ts";
import { createEngram, type Engram } from "../engram.ts";
import { type RunningServer, startServer } from "./serve.ts";

/** Reads SSE messages from a response, one `{id, event, data}` per message; comments are counted. */
function sseReader(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let comments = 0;
  return {
    get comments() {
      return comments;
    },
    async next(): Promise<{ id: string; event: string; data: { seq: number; kind: string } }> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(":")) {
            comments++;
            continue;
          }
          const field = (name: string) =>
            block
              .split("\n")
              .find((line) => line.startsWith(`${name}: `))
              ?.slice(name.length + 2) ?? "";
          return { id: field("id"), event: field("event"), data: JSON.parse(field("data")) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe("GET /v1/events/stream", () => {
  const closes: string[] = [];
  let engram: Engram;
  let server: RunningServer;
  before(async () => {
    engram = createEngram({ path: ":memory:" });
    server = await startServer({
      engram,
      port: 0,
      host: "127.0.0.1",
      eventStream: { heartbeatMs: 50 },
      onClientClose: (closed) => closes.push(closed.path),
    });
  });
  after(async () => {
    await server.close();
    await engram.close();
    // A follower leaving is how a stream ends: it is not reported as a request cut short.
    assert.deepEqual(closes, []);
  });

  it("streams new events at once, and a reconnect with Last-Event-ID misses none", async () => {
    const agent = await engram.agents.create({ name: "streamed" });
    const first = new AbortController();
    const response = await fetch(`${server.url}/v1/events/stream?agentId=streamed&kinds=memory.*`, {
      signal: first.signal,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
    const stream = sseReader(response);
    const one = await engram.memories.add(agent.id, { text: "first fact" });
    const got = await stream.next();
    assert.equal(got.event, "memory.created");
    assert.equal(got.id, String(got.data.seq));
    assert.equal((got.data as unknown as { targetId: string }).targetId, one.id);
    first.abort();
    await stream.cancel().catch(() => {});
    // Written while no one listens: the reconnect must deliver them, in order, and nothing else.
    await engram.blocks.set(agent.id, "persona", "not a memory event");
    const missed = [];
    for (let i = 0; i < 5; i++) missed.push((await engram.memories.add(agent.id, { text: `fact ${i}` })).id);
    const again = await fetch(`${server.url}/v1/events/stream?agentId=${agent.id}&kinds=memory.created`, {
      headers: { "last-event-id": got.id },
    });
    const resumed = sseReader(again);
    const seen: Awaited<ReturnType<typeof resumed.next>>[] = [];
    for (let i = 0; i < 5; i++) seen.push(await resumed.next());
    assert.deepEqual(
      seen.map((e) => (e.data as unknown as { targetId: string }).targetId),
      missed,
    );
    assert.ok(seen.every((e, i) => i === 0 || Number(e.id) > Number(seen[i - 1]?.id)));
    // Idle now: heartbeats keep it open.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const live = engram.memories.add(agent.id, { text: "after the pause" });
    const next = await resumed.next();
    assert.equal((next.data as unknown as { targetId: string }).targetId, (await live).id);
    assert.ok(resumed.comments >= 2, `heartbeats seen: ${resumed.comments}`);
    await resumed.cancel();
  });

  it("refuses a bad kind or Last-Event-ID before the stream starts", async () => {
    const bad = await fetch(`${server.url}/v1/events/stream?kinds=Memory!`);
    assert.equal(bad.status, 400);
    assert.match(
      ((await bad.json()) as { error: { message: string } }).error.message,
      /kinds: 0: "Memory!" is not an event kind/,
    );
    const unknownKind = await fetch(`${server.url}/v1/events/stream?kinds=memory.*,nosuch.kind`);
    assert.equal(unknownKind.status, 400);
    assert.match(
      ((await unknownKind.json()) as { error: { message: string } }).error.message,
      /kinds: 1: "nosuch.kind" is not an event kind: .*memory\.\*/,
    );
    const id = await fetch(`${server.url}/v1/events/stream`, { headers: { "last-event-id": "x1" } });
    assert.equal(id.status, 400);
    assert.match(((await id.json()) as { error: { message: string } }).error.message, /Last-Event-ID/);
    const unknown = await fetch(`${server.url}/v1/events/stream?agentId=nobody`);
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
  });

  it("with auth, streams the key's project only", async () => {
    const mine = await engram.keys.create({ project: "mine" }, { createProject: true });
    const theirs = await engram.forProject((await engram.projects.create({ name: "theirs" })).id);
    const guarded = await startServer({ engram, port: 0, host: "127.0.0.1", auth: true, webhooks: false });
    const stop = new AbortController();
    try {
      const response = await fetch(`${guarded.url}/v1/events/stream`, {
        headers: { authorization: `Bearer ${mine.key}` },
        signal: stop.signal,
      });
      assert.equal(response.status, 200);
      const stream = sseReader(response);
      await theirs.agents.create({ name: "not-yours" });
      const own = await engram.forProject(mine.project.id).agents.create({ name: "yours" });
      const got = await stream.next();
      assert.equal((got.data as unknown as { targetId: string }).targetId, own.id);
      const refused = await fetch(`${guarded.url}/v1/events/stream?project=theirs`, {
        headers: { authorization: `Bearer ${mine.key}` },
      });
      assert.equal(refused.status, 404);
      await refused.body?.cancel();
      stop.abort();
      await stream.cancel().catch(() => {});
    } finally {
      await guarded.close();
    }
  });

  it("reaches the typed client as events.follow", async () => {
    const agent = await engram.agents.create({ name: "client-followed" });
    const client = createClient({ baseUrl: server.url });
    const stop = new AbortController();
    const events = await client.events.follow({ agentId: agent.id, signal: stop.signal });
    const written = engram.memories.add(agent.id, { text: "seen by the client" });
    for await (const event of events) {
      assert.equal(event.kind, "memory.created");
      assert.equal(event.targetId, (await written).id);
      stop.abort();
    }
  });
});
