import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createEngram } from "../../engram.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-access-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("memory access statistics", () => {
  it("are seen at once by this process, by another within moments, and survive close", async () => {
    const path = join(dir, "access.db");
    const engram = createEngram({ path, embedder: null, env: {} });
    const agent = await engram.agents.create({ name: "a" });
    const [memory] = (await engram.memories.addMany(agent.id, [{ text: "the blue whale is huge" }])).value;
    assert.ok(memory);
    await engram.search(agent.id, { query: "blue whale" });
    await engram.search(agent.id, { query: "whale" });
    const seen = await engram.memories.get(agent.id, memory.id);
    assert.equal(seen.accessCount, 2);
    assert.notEqual(seen.lastAccessedAt, null);
    assert.equal((await engram.memories.list(agent.id)).items[0]?.accessCount, 2);

    // Another process (here: another connection) sees them once written, within about a second.
    const other = createEngram({ path, embedder: null, env: {} });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1300));
      assert.equal((await other.memories.get(agent.id, memory.id)).accessCount, 2);
      await engram.search(agent.id, { query: "huge" });
      await engram.close();
      assert.equal((await other.memories.get(agent.id, memory.id)).accessCount, 3, "written at close");
    } finally {
      await other.close();
    }
  });
});
