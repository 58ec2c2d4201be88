import assert from "node:assert/strict";
import { it } from "node:test";
import { ConflictError } from "../core/errors.ts";
import type { Memory } from "../core/types.ts";
import { type SuiteKit, suiteFixtures } from "./store-suite-jobs.ts";

/** Keyed facts' part of `runStoreSuite`: the open facts of a key, closed with the insert that replaces them. */
export function keyedFactCases(kit: SuiteKit): void {
  const { at, withStore, seed } = kit;
  const { memory, write } = suiteFixtures(kit);

  it("finds the facts of a key and closes them in the insert's transaction, or writes nothing", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const keyed = (text: string, userId: string | null, fields: Partial<Memory> = {}): Memory => ({
        ...memory(agent, text),
        userId,
        key: "user.city",
        ...fields,
      });
      const berlin = keyed("Berlin", "ada");
      const rome = keyed("Rome", "bob");
      const oslo = keyed("Oslo", null);
      const past = keyed("Paris", "ada", { validTo: at(0) });
      await store.memories.insert([berlin, rome, oslo, past].map((m) => write(project, m, "create")));
      const ada = { agentId: agent.id, userId: "ada", key: "user.city" };
      const ids = async (match: typeof ada | { agentId: string; userId: null; key: string }, since = at(1)) =>
        ((await store.memories.keyFacts([{ ...match, since }]))[0] ?? []).map((m) => m.id);
      assert.deepEqual(await ids(ada), [berlin.id]);
      // A fact closed after the instant asked about is still true then.
      assert.deepEqual(await ids(ada, at(-1)), [berlin.id, past.id]);
      assert.deepEqual(await ids({ ...ada, userId: null }), [oslo.id]);
      assert.deepEqual(await ids({ ...ada, key: "user.employer" }), []);
      // Several keys in one read, each answered in its place, a user-less key among them.
      assert.deepEqual(
        (
          await store.memories.keyFacts([
            { ...ada, key: "user.employer", since: at(1) },
            { ...ada, userId: null, since: at(1) },
            { ...ada, since: at(-1) },
            { ...ada, userId: "bob", since: at(1) },
          ])
        ).map((facts) => facts.map((m) => m.id)),
        [[], [oslo.id], [berlin.id, past.id], [rome.id]],
      );
      assert.deepEqual(await store.memories.keyFacts([]), []);

      const lisbon = keyed("Lisbon", "ada", { validFrom: at(5) });
      const closed = { ...berlin, validTo: at(5), version: 2 };
      await store.memories.insert([write(project, lisbon, "create")], {
        keys: [{ ...ada, since: at(1), ids: [berlin.id] }],
        closes: [{ write: write(project, closed, "update"), expectedVersion: 1 }],
      });
      assert.deepEqual(await ids(ada, at(5)), [lisbon.id]);
      assert.deepEqual(await ids(ada), [berlin.id, lisbon.id]);
      assert.deepEqual(await store.memories.get(agent.id, berlin.id), closed);

      // Computed from open facts that have changed since: a conflict, and nothing is written.
      const madrid = keyed("Madrid", "ada");
      await assert.rejects(
        store.memories.insert([write(project, madrid, "create")], {
          keys: [{ ...ada, since: at(1), ids: [berlin.id] }],
          closes: [],
        }),
        ConflictError,
      );
      assert.equal(await store.memories.get(agent.id, madrid.id), null);
      assert.deepEqual(await ids(ada, at(5)), [lisbon.id]);
      // A close at a stale version undoes the insert with it.
      await assert.rejects(
        store.memories.insert([write(project, madrid, "create")], {
          keys: [{ ...ada, since: at(5), ids: [lisbon.id] }],
          closes: [
            {
              write: write(project, { ...lisbon, validTo: at(9), version: 2 }, "update"),
              expectedVersion: 7,
            },
          ],
        }),
        ConflictError,
      );
      assert.equal(await store.memories.get(agent.id, madrid.id), null);
      assert.equal((await store.memories.get(agent.id, lisbon.id))?.validTo, null);
    });
  });
}
