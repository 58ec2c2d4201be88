import assert from "node:assert/strict";
import { it } from "node:test";
import type { SuiteKit } from "./store-suite-jobs.ts";

/**
 * Leases' part of `runStoreSuite`: turn leases (one holder per conversation) and leader leases (one
 * owner per role), each held until it lapses or is released.
 */
export function turnLeaseCases(kit: SuiteKit): void {
  const { withStore, seed } = kit;
  const lease = (holder: string, owner: string, expiresMs: number) => ({ holder, owner, expiresMs });

  it("turn leases: a live lease keeps other holders out; a lapsed one is taken over", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const first = lease("trn_1", "eng_a", 1_000);
      assert.deepEqual(await store.turnLeases.acquire(agent.id, "", first, 0), first);
      // Another engine before expiry: the standing lease is returned, not replaced.
      assert.deepEqual(
        await store.turnLeases.acquire(agent.id, "", lease("trn_2", "eng_b", 2_000), 999),
        first,
      );
      // Another conversation of the same agent is free.
      const other = lease("trn_3", "eng_b", 2_000);
      assert.deepEqual(await store.turnLeases.acquire(agent.id, "ada", other, 999), other);
      // Once lapsed, it is taken over, and the old holder can neither renew nor release it.
      const second = lease("trn_2", "eng_b", 3_000);
      assert.deepEqual(await store.turnLeases.acquire(agent.id, "", second, 1_000), second);
      assert.equal(await store.turnLeases.renew(agent.id, "", "trn_1", 5_000), false);
      await store.turnLeases.release(agent.id, "", "trn_1");
      assert.deepEqual(
        await store.turnLeases.acquire(agent.id, "", lease("trn_4", "eng_c", 9_000), 2_000),
        second,
      );
    });
  });

  it("turn leases: renewal moves the expiry on; release frees the conversation at once", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      await store.turnLeases.acquire(agent.id, "", lease("trn_1", "eng_a", 1_000), 0);
      assert.equal(await store.turnLeases.renew(agent.id, "", "trn_1", 5_000), true);
      const late = lease("trn_2", "eng_b", 9_000);
      assert.equal((await store.turnLeases.acquire(agent.id, "", late, 4_000)).holder, "trn_1");
      await store.turnLeases.release(agent.id, "", "trn_1");
      assert.deepEqual(await store.turnLeases.acquire(agent.id, "", late, 4_000), late);
      // The same holder taking its own lease again refreshes it.
      const again = lease("trn_2", "eng_b", 12_000);
      assert.deepEqual(await store.turnLeases.acquire(agent.id, "", again, 4_001), again);
    });
  });
  leaderLeaseCases(kit);
}

/** One owner per role until its lease lapses or is released. */
function leaderLeaseCases(kit: SuiteKit): void {
  const { withStore, id } = kit;

  it("leader leases: a live lease keeps other owners out; its owner renews it; a lapsed one is taken", async () => {
    await withStore(async (store) => {
      const role = id("role");
      const leases = store.leaderLeases;
      assert.equal(await leases.get(role), null);
      assert.equal(await leases.claim(role, "eng_a", 0, 1_000), true);
      assert.equal(await leases.claim(role, "eng_b", 999, 2_000), false);
      assert.deepEqual(await leases.get(role), { owner: "eng_a", expiresMs: 1_000 });
      // The owner's claim renews it.
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
