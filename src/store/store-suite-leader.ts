import assert from "node:assert/strict";
import { it } from "node:test";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** Leader leases' part of `runStoreSuite`: one owner per role until it lapses or is released. */
export function leaderLeaseCases(kit: SuiteKit): void {
  const { withStore, id } = kit;

  it("leader leases: a live lease keeps other owners out; its owner renews it; a lapsed one is taken", async () => {
    await withStore(async (store) => {
      const role = id("role");
      const leases = store.leaderLeases;
      assert.equal(await leases.get(role), null);
      assert.equal(await leases.claim(role, "eng_a", 0, 1_000), true);
      assert.equal(await leases.claim(role, "eng_b", 999, 2_000), false);
      assert.deepEqual(await leases.get(role), { owner: "eng_a", expiresMs: 1_000 });
      // The owner's claim renews it, even past its expiry.
      assert.equal(await leases.claim(role, "eng_a", 500, 1_500), true);
      assert.equal(await leases.claim(role, "eng_b", 1_000, 2_000), false);
      // Lapsed: another owner takes it, and the first can no longer renew it or give it up.
      assert.equal(await leases.claim(role, "eng_b", 1_500, 3_000), true);
      assert.equal(await leases.claim(role, "eng_a", 1_600, 4_000), false);
      await leases.release(role, "eng_a");
      assert.deepEqual(await leases.get(role), { owner: "eng_b", expiresMs: 3_000 });
      // Another role is held apart.
      assert.equal(await leases.claim(id("role"), "eng_a", 1_600, 4_000), true);
    });
  });

  it("leader leases: release frees the role at once; of concurrent claims exactly one wins", async () => {
    await withStore(async (store) => {
      const role = id("role");
      const leases = store.leaderLeases;
      await leases.claim(role, "eng_a", 0, 10_000);
      await leases.release(role, "eng_a");
      assert.equal(await leases.get(role), null);
      const owners = ["eng_1", "eng_2", "eng_3", "eng_4", "eng_5"];
      const won = await Promise.all(owners.map((owner) => leases.claim(role, owner, 100, 10_000)));
      assert.equal(won.filter(Boolean).length, 1);
      assert.equal((await leases.get(role))?.owner, owners[won.indexOf(true)]);
    });
  });
}
