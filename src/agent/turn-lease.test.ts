import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConflictError } from "../core/errors.ts";
import { createEngram } from "../engram.ts";
import { type ScriptedModel, scriptedModel } from "../test/index.ts";
import { holdConversation } from "./turn-lease.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-lease-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A model that answers only once `open` is called, and says when it was asked. */
function gatedModel(answer: string) {
  let open = () => {};
  let asked = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const called = new Promise<void>((resolve) => {
    asked = resolve;
  });
  const inner = scriptedModel([{ text: answer }]);
  const model: ScriptedModel = {
    ...inner,
    doGenerate: async (options) => {
      asked();
      await gate;
      return inner.doGenerate(options);
    },
  };
  return { model, open, called };
}

/** Two engines on one database file: two processes, as far as the database can tell. */
function twoEngines(name: string, first: ScriptedModel, second: ScriptedModel, secondTimeoutMs?: number) {
  const path = join(dir, `${name}.db`);
  const a = createEngram({ path, model: first, env: {} });
  const b = createEngram({
    path,
    model: second,
    env: {},
    ...(secondTimeoutMs === undefined ? {} : { runtime: { timeoutMs: secondTimeoutMs } }),
  });
  return { a, b, close: async () => Promise.all([a.close(), b.close()]) };
}

const texts = async (engram: ReturnType<typeof createEngram>, agentId: string) =>
  (await engram.messages.list(agentId)).items.map((m) => m.content);

describe("turns across processes", () => {
  it("runs a conversation's turns one at a time across processes: the second waits and sees the first", async () => {
    const gated = gatedModel("first answer");
    const second = scriptedModel([{ text: "second answer" }]);
    const { a, b, close } = twoEngines("queue", gated.model, second);
    try {
      const agent = await a.agents.create({ name: "a" });
      const one = a.runtime.send(agent.id, { content: "one" });
      await gated.called;
      const two = b.runtime.send(agent.id, { content: "two" });
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(second.calls.length, 0, "the second turn waits for the first");
      gated.open();
      assert.equal((await one).answer, "first answer");
      assert.equal((await two).answer, "second answer");
      assert.match(JSON.stringify(second.calls[0]?.prompt), /first answer/);
      assert.deepEqual(await texts(a, agent.id), ["one", "first answer", "two", "second answer"]);
    } finally {
      await close();
    }
  });

  it("lets other users' conversations run meanwhile", async () => {
    const gated = gatedModel("for ada");
    const { a, b, close } = twoEngines("users", gated.model, scriptedModel([{ text: "for bo" }]));
    try {
      const agent = await a.agents.create({ name: "a" });
      const ada = a.runtime.send(agent.id, { content: "hi", userId: "ada" });
      await gated.called;
      assert.equal((await b.runtime.send(agent.id, { content: "hi", userId: "bo" })).answer, "for bo");
      gated.open();
      assert.equal((await ada).answer, "for ada");
    } finally {
      await close();
    }
  });

  it("gives up waiting after the turn's time-out with a conflict, writing nothing", async () => {
    const gated = gatedModel("slow");
    const second = scriptedModel([{ text: "never" }]);
    const { a, b, close } = twoEngines("busy", gated.model, second, 200);
    try {
      const agent = await a.agents.create({ name: "a" });
      const one = a.runtime.send(agent.id, { content: "one" });
      await gated.called;
      await assert.rejects(
        b.runtime.send(agent.id, { content: "two" }),
        (error: unknown) =>
          error instanceof ConflictError &&
          /another turn of this conversation is still running .* after 200 ms/.test(error.message),
      );
      assert.equal(second.calls.length, 0);
      gated.open();
      await one;
      assert.deepEqual(await texts(a, agent.id), ["one", "slow"]);
    } finally {
      await close();
    }
  });

  it("takes over a lease its owner stopped renewing: a server that died or hung", async () => {
    const { a, b, close } = twoEngines(
      "takeover",
      scriptedModel([]),
      scriptedModel([{ text: "after a crash" }]),
      1000,
    );
    try {
      const agent = await a.agents.create({ name: "a" });
      // An engine that took the lease and then vanished: it lapsed, and nobody renews it.
      const lapsed = { holder: "trn_crashed", owner: "eng_gone", expiresMs: Date.now() - 1 };
      await a.store.turnLeases.acquire(agent.id, "", lapsed, Date.now() - 10);
      const crashed = await b.runtime.send(agent.id, { content: "hello" });
      assert.equal(crashed.answer, "after a crash");
    } finally {
      await close();
    }
  });
});

describe("holdConversation", () => {
  const hold = (engram: ReturnType<typeof createEngram>, agentId: string, holder: string, waitMs: number) =>
    holdConversation(engram.store, {
      agentId,
      conversation: "",
      holder,
      owner: holder.replace("trn", "eng"),
      waitMs,
      nowMs: () => Date.now(),
      leaseMs: 90,
    });

  it("renews a held lease, so a turn longer than the lease keeps its conversation", async () => {
    const { a, b, close } = twoEngines("renew", scriptedModel([]), scriptedModel([]));
    try {
      const agent = await a.agents.create({ name: "a" });
      const first = await hold(a, agent.id, "trn_long", 0);
      // Four lease lengths later the lease still stands, because it was renewed meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 360));
      await assert.rejects(hold(b, agent.id, "trn_next", 20), ConflictError);
      assert.equal(first.lost.aborted, false);
      await first.release();
      const second = await hold(b, agent.id, "trn_next", 0);
      await second.release();
    } finally {
      await close();
    }
  });

  it("tells the holder when its lease lapsed and was taken: the turn must stop", async () => {
    const { a, close } = twoEngines("lost", scriptedModel([]), scriptedModel([]));
    try {
      const agent = await a.agents.create({ name: "a" });
      const held = await hold(a, agent.id, "trn_stalled", 0);
      // As another engine sees it once this one stalled past the lease: lapsed, so taken over.
      const taker = { holder: "trn_taker", owner: "eng_taker", expiresMs: Date.now() + 60_000 };
      await a.store.turnLeases.acquire(agent.id, "", taker, Date.now() + 1_000);
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(held.lost.aborted, true);
      assert.ok(held.lost.reason instanceof ConflictError);
      // Its release does not free what the taker now holds.
      await held.release();
      const standing = await a.store.turnLeases.acquire(
        agent.id,
        "",
        { ...taker, holder: "trn_x" },
        Date.now(),
      );
      assert.equal(standing.holder, "trn_taker");
    } finally {
      await close();
    }
  });
});
