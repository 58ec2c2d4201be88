import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TurnEvent } from "../agent/turn-events.ts";
import type { Engram } from "../engram.ts";
import { type RunningServer, startServer } from "../server/serve.ts";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";
import { ConflictError, createClient, EngramError, InvalidInputError, NotFoundError } from "./index.ts";

/** A turn that edits memory with a tool, then answers in two words. */
const SCRIPT: ScriptStep[] = [
  { toolCalls: [{ name: "memory_append", input: { label: "human", text: "Likes tea" } }] },
  { text: "Noted, Ada!" },
];

describe("the client's errors, auth and streamed turns, against a served engine", () => {
  let engram: Engram;
  let server: RunningServer;
  let key: string;

  before(async () => {
    engram = createTestEngram({ model: scriptedModel(() => ({ text: "unused" })) });
    server = await startServer({ engram, port: 0, auth: true, rateLimit: false });
    key = (await engram.keys.create({ project: "mine", name: "test" }, { createProject: true })).key;
  });
  after(async () => {
    await server.close();
    await engram.close();
  });

  it("refuses a missing or wrong key with 401 `unauthorized`, and works with the right one", async () => {
    for (const apiKey of [undefined, "ek_not-a-key"]) {
      const client = createClient({ baseUrl: server.url, ...(apiKey === undefined ? {} : { apiKey }) });
      await assert.rejects(client.agents.list(), (error: unknown) => {
        assert.ok(EngramError.isInstance(error));
        assert.equal(error.code, "unauthorized");
        assert.equal(error.status, 401);
        return true;
      });
    }
    const client = createClient({ baseUrl: server.url, apiKey: key });
    const agent = await client.agents.create({ name: "keyed" });
    assert.equal((await client.agents.list()).items[0]?.id, agent.id);
  });

  it("raises the library's classes: not found, a stale expectedHead, a bad field", async () => {
    const client = createClient({ baseUrl: server.url, apiKey: key });
    await assert.rejects(client.agents.get("agt_00000000000000000000000000"), NotFoundError);
    const agent = await client.agents.create({ name: "errors" });
    const first = await client.blocks.set(agent.id, "human", "one");
    await client.blocks.set(agent.id, "human", "two");
    await assert.rejects(
      client.blocks.set(agent.id, "human", "three", { expectedHead: first.commit.id }),
      (error: unknown) => {
        assert.ok(error instanceof ConflictError, String(error));
        return true;
      },
    );
    assert.equal(
      (await client.blocks.get(agent.id, "human")).value,
      "two",
      "the stale write changed nothing",
    );
    await assert.rejects(client.memories.add(agent.id, { text: "" }), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError, String(error));
      assert.match(error.message, /text/);
      return true;
    });
    // An option the client cannot carry is refused before anything is sent.
    await assert.rejects(
      client.runtime.send(agent.id, { content: "hi" }, { model: "openai:gpt-4o" }),
      (error: unknown) => error instanceof InvalidInputError && error.details?.field === "model",
    );
  });

  it("streams a turn as the same events the library yields", async () => {
    const local = createTestEngram({ model: scriptedModel(SCRIPT) });
    const remoteEngine = createTestEngram({ model: scriptedModel(SCRIPT) });
    const remote = await startServer({ engram: remoteEngine, port: 0 });
    try {
      const client = createClient({ baseUrl: remote.url });
      const there = await client.agents.create({ name: "streamer" });
      const here = await local.agents.create({ name: "streamer" });
      const collect = async (stream: AsyncIterable<TurnEvent>) => {
        const events: TurnEvent[] = [];
        for await (const event of stream) events.push(event);
        return events;
      };
      const input = { content: "I am Ada and I like tea", userId: "ada" };
      const overHttp = await collect(await client.runtime.stream(there.id, input));
      const inProcess = await collect(await local.runtime.stream(here.id, input));
      const shape = (events: TurnEvent[]) =>
        events.map((event) => (event.type === "text-delta" ? `${event.type}:${event.text}` : event.type));
      assert.deepEqual(shape(overHttp), shape(inProcess));
      assert.ok(shape(overHttp).includes("memory-edit"));
      const done = overHttp.at(-1) as Extract<TurnEvent, { type: "done" }>;
      assert.equal(done.answer, "Noted, Ada!");
      assert.match((await client.blocks.get(there.id, "human")).value, /Likes tea/);
    } finally {
      await remote.close();
      await remoteEngine.close();
      await local.close();
    }
  });

  it("refuses its own bad input before sending anything: the URL, an empty id", async () => {
    for (const baseUrl of ["", "127.0.0.1:8420", "ftp://host"]) {
      assert.throws(
        () => createClient({ baseUrl }),
        (error: unknown) => error instanceof InvalidInputError && error.details?.field === "baseUrl",
      );
    }
    let sent = 0;
    const client = createClient({
      baseUrl: server.url,
      fetch: (input, init) => {
        sent++;
        return fetch(input, init);
      },
    });
    await assert.rejects(
      client.memories.get("", "mem_1"),
      (error: unknown) => error instanceof InvalidInputError && /\bid\b/.test(error.message),
    );
    assert.equal(sent, 0);
  });

  it("a server that is down is `unavailable`, naming its URL", async () => {
    const goneEngine = createTestEngram();
    const gone = await startServer({ engram: goneEngine, port: 0 });
    const url = gone.url;
    await gone.close();
    await goneEngine.close();
    const client = createClient({ baseUrl: url });
    await assert.rejects(client.agents.list(), (error: unknown) => {
      assert.ok(EngramError.isInstance(error));
      assert.equal(error.code, "unavailable");
      assert.ok(error.message.includes(url), error.message);
      return true;
    });
  });
});
