import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { type RunningServer, startServer } from "../server/serve.ts";
import { createTestEngram } from "../test/index.ts";
import { createClient } from "./index.ts";

describe("the client's import of a peer's file", () => {
  let engram: Engram;
  let server: RunningServer;

  before(async () => {
    engram = createTestEngram();
    server = await startServer({ engram, port: 0 });
  });
  after(async () => {
    await server.close();
    await engram.close();
  });

  it("returns the agent and the report apart, as the library does", async () => {
    const client = createClient({ baseUrl: server.url });
    const mem0 = {
      results: [
        { id: "m-1", memory: "Prefers email over phone", user_id: "ada", created_at: "2026-01-02T03:04:05Z" },
      ],
    };
    const { agent, report } = await client.transfer.importWithReport(mem0, { name: "from-mem0" });
    assert.equal(agent.name, "from-mem0");
    assert.equal("report" in agent, false);
    assert.equal(report.from, "mem0");
    assert.equal(report.counts.memories, 1);
    const stored = await engram.memories.list(agent.id, { userId: "ada" });
    assert.deepEqual(
      stored.items.map((m) => m.text),
      ["Prefers email over phone"],
    );
    const plain = await client.transfer.import(mem0, { name: "again" });
    assert.deepEqual(Object.keys(plain).sort(), Object.keys(agent).sort());
  });
});
