import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createEngram } from "../../engram.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-term-budget-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("full-text term choice across processes on one file", () => {
  it("finds at once what another process wrote with a word this one had found nowhere", async () => {
    const path = join(dir, "two.db");
    // Two connections to one file, as the workers of `engram serve --workers 2` are.
    const one = createEngram({ path, embedder: null, env: {} });
    const two = createEngram({ path, embedder: null, env: {} });
    try {
      const agent = await one.agents.create({ name: "a" });
      await one.memories.add(agent.id, { text: "hello world" });
      await one.messages.append(agent.id, { role: "user", content: "hello there" });
      const texts = async (source: "memories" | "messages") =>
        (await one.search(agent.id, { query: "zebra", sources: [source] })).results.map((r) => r.text);
      // The word is nowhere yet: the first process looks and remembers that.
      assert.deepEqual(await texts("memories"), []);
      assert.deepEqual(await texts("messages"), []);

      await two.memories.add(agent.id, { text: "a zebra crossing" });
      await two.messages.append(agent.id, { role: "user", content: "I saw a zebra" });
      assert.deepEqual(await texts("memories"), ["a zebra crossing"]);
      // A turn's neighbours may follow it (conversation search): the one naming the word comes first.
      assert.equal((await texts("messages"))[0], "I saw a zebra");
    } finally {
      await one.close();
      await two.close();
    }
  });
});
