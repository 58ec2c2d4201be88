import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AccessBuffer, type PendingAccess } from "./access-buffer.ts";

const memory = (id: string) => ({ id, accessCount: 1, lastAccessedAt: "2026-01-01T00:00:00.000Z" });

describe("AccessBuffer", () => {
  it("adds each id as often as given, keeps the latest instant, and writes them in one batch", async () => {
    const batches: PendingAccess[][] = [];
    const buffer = new AccessBuffer((accesses) => {
      batches.push([...accesses]);
    });
    buffer.add("agt_a", ["m1", "m1", "m2"], "2026-01-03T00:00:00.000Z");
    buffer.add("agt_a", ["m1"], "2026-01-02T00:00:00.000Z");
    assert.deepEqual(buffer.overlay(memory("m1")), {
      id: "m1",
      accessCount: 4,
      lastAccessedAt: "2026-01-03T00:00:00.000Z",
    });
    await buffer.flush();
    assert.deepEqual(batches, [
      [
        { id: "m1", agentId: "agt_a", count: 3, at: "2026-01-03T00:00:00.000Z" },
        { id: "m2", agentId: "agt_a", count: 1, at: "2026-01-03T00:00:00.000Z" },
      ],
    ]);
    assert.equal(buffer.overlay(memory("m1")).accessCount, 1, "written: no longer added on read");
    await buffer.close();
  });

  it("keeps overlaying accesses while they are being written, and keeps them when the write fails", async () => {
    let fail = true;
    let release: () => void = () => {};
    const written: PendingAccess[] = [];
    const buffer = new AccessBuffer(async (accesses) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      if (fail) throw new Error("the database is away");
      written.push(...accesses);
    });
    buffer.add("agt_a", ["m1"], "2026-01-02T00:00:00.000Z");
    const first = buffer.flush();
    buffer.add("agt_a", ["m1"], "2026-01-04T00:00:00.000Z");
    assert.equal(buffer.overlay(memory("m1")).accessCount, 3, "the one being written and the new one");
    release();
    await assert.rejects(first, /the database is away/);
    assert.equal(buffer.overlay(memory("m1")).accessCount, 3, "nothing lost by the failed write");
    fail = false;
    const second = buffer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await second;
    assert.deepEqual(written, [{ id: "m1", agentId: "agt_a", count: 2, at: "2026-01-04T00:00:00.000Z" }]);
  });

  it("forgets a deleted agent's accesses and gathers nothing after close", async () => {
    const written: PendingAccess[] = [];
    const buffer = new AccessBuffer((accesses) => {
      written.push(...accesses);
    });
    buffer.add("agt_gone", ["m1"], "2026-01-02T00:00:00.000Z");
    buffer.add("agt_kept", ["m2"], "2026-01-02T00:00:00.000Z");
    buffer.discardAgent("agt_gone");
    await buffer.close();
    buffer.add("agt_kept", ["m2"], "2026-01-03T00:00:00.000Z");
    await buffer.flush();
    assert.deepEqual(
      written.map((a) => [a.id, a.count]),
      [["m2", 1]],
    );
  });
});
