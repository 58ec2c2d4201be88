import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { ConversationCache } from "./conversation-cache.ts";

const contents = async (
  cache: ConversationCache,
  engram: ReturnType<typeof createTestEngram>,
  agentId: string,
) => {
  const out: string[] = [];
  for await (const m of cache.newestFirst(engram.store, agentId, undefined)) out.push(m.content);
  return out;
};

describe("conversation cache", () => {
  it("yields the conversation newest first, past its own capacity, and catches up with new messages", async () => {
    const engram = createTestEngram({ env: {} });
    const agent = await engram.agents.create({ name: "a" });
    await engram.messages.appendMany(
      agent.id,
      Array.from({ length: 250 }, (_, i) => ({ role: "user" as const, content: `m${i}` })),
    );
    const all = Array.from({ length: 250 }, (_, i) => `m${249 - i}`);
    const small = new ConversationCache({ messagesEach: 120 });
    assert.deepEqual(await contents(small, engram, agent.id), all);
    assert.deepEqual(await contents(small, engram, agent.id), all);
    await engram.messages.append(agent.id, { role: "user", content: "new" });
    assert.deepEqual(await contents(small, engram, agent.id), ["new", ...all]);
    const roomy = new ConversationCache();
    assert.deepEqual(await contents(roomy, engram, agent.id), ["new", ...all]);
    await engram.messages.append(agent.id, { role: "user", content: "newer" });
    assert.deepEqual(await contents(roomy, engram, agent.id), ["newer", "new", ...all]);
  });

  it("sees messages another process appended to the same database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "engram-cache-"));
    const path = join(dir, "db.sqlite");
    const one = createEngram({ path, env: {} });
    const two = createEngram({ path, env: {} });
    try {
      const agent = await one.agents.create({ name: "a" });
      await one.messages.append(agent.id, { role: "user", content: "from one" });
      assert.deepEqual(
        (await one.runtime.context(agent.id)).messages.map((m) => m.content),
        ["from one"],
      );
      await two.messages.append(agent.id, { role: "assistant", content: "from two" });
      assert.deepEqual(
        (await one.runtime.context(agent.id)).messages.map((m) => m.content),
        ["from one", "from two"],
      );
    } finally {
      await one.close();
      await two.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("forgets an agent that was deleted and imported again under the same id", async () => {
    const engram = createTestEngram({ env: {} });
    const agent = await engram.agents.create({ name: "a" });
    await engram.messages.append(agent.id, { role: "user", content: "before" });
    // The export carries the conversation as it was: the message after it is lost with the agent.
    const document = await engram.transfer.export(agent.id);
    await engram.messages.append(agent.id, { role: "user", content: "deleted" });
    assert.equal((await engram.runtime.context(agent.id)).messages.length, 2);
    await engram.agents.delete(agent.id);
    const again = await engram.transfer.import(document);
    assert.equal(again.id, agent.id);
    await engram.messages.append(agent.id, { role: "user", content: "after" });
    assert.deepEqual(
      (await engram.runtime.context(agent.id)).messages.map((m) => m.content),
      ["before", "after"],
    );
  });
});
