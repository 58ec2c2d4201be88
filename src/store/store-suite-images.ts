import assert from "node:assert/strict";
import { it } from "node:test";
import type { StoredImage } from "./store.ts";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** Images' part of `runStoreSuite`: stored once per (agent, hash), bytes intact, captioned once. */
export function imageStoreCases(kit: SuiteKit): void {
  const { withStore, seed, at, event } = kit;
  const image = (agentId: string, sha256: string, bytes: number[]): StoredImage => ({
    agentId,
    sha256,
    mediaType: "image/png",
    size: bytes.length,
    data: new Uint8Array(bytes),
    caption: null,
    createdAt: at(1),
  });

  it("images: stored once by hash with their bytes intact, captioned once, gone with their agent", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const bytes = [0x89, 0x50, 0x4e, 0x47, 0, 255, 128, 7];
      await store.images.put([image(agent.id, "a".repeat(64), bytes)]);
      // A second put of the same hash keeps the first row (and its bytes).
      await store.images.put([
        image(agent.id, "a".repeat(64), [1, 2, 3]),
        image(agent.id, "b".repeat(64), [9]),
      ]);
      const got = await store.images.get(agent.id, "a".repeat(64));
      assert.deepEqual([...(got?.data ?? [])], bytes);
      assert.equal(got?.size, bytes.length);
      assert.equal(got?.mediaType, "image/png");
      assert.equal(got?.caption, null);
      assert.equal(await store.images.get("agt_other", "a".repeat(64)), null);
      assert.deepEqual(
        (await store.images.list(agent.id)).map((i) => i.sha256),
        ["a".repeat(64), "b".repeat(64)],
      );
      assert.equal(await store.images.setCaption(agent.id, "a".repeat(64), "a red bicycle"), true);
      assert.equal(await store.images.setCaption(agent.id, "a".repeat(64), "something else"), false);
      assert.equal((await store.images.get(agent.id, "a".repeat(64)))?.caption, "a red bicycle");
      assert.equal(await store.images.setCaption(agent.id, "c".repeat(64), "missing"), false);
      await store.agents.delete(agent.id, event(agent.projectId, "agent.deleted", agent.id));
      assert.deepEqual(await store.images.list(agent.id), []);
    });
  });
}
