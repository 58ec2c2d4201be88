import assert from "node:assert/strict";
import { it } from "node:test";
import type { GraphRecord } from "../core/graph-types.ts";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** The entity graph's part of `runStoreSuite`. */
export function graphStoreCases(kit: SuiteKit): void {
  const { at, withStore, seed } = kit;
  const record = (
    id: string,
    n: number,
    keys: string[],
    options: { userId?: string | null; closedAt?: string | null; source?: "memory" | "message" } = {},
  ): GraphRecord => ({
    source: options.source ?? "memory",
    id,
    userId: options.userId ?? null,
    at: at(n),
    closedAt: options.closedAt ?? null,
    entities: keys.map((key) => ({ key, name: key.toUpperCase(), type: "person" })),
    relations: keys.slice(1).map((key) => ({ source: keys[0] ?? "", target: key, type: "co_occurs" })),
  });

  it("graph: records entities, mentions and relations; a relation is strengthened, widened and keeps its sources", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      await store.graph.record(agent.id, [
        record("m1", 5, ["ada", "bea"]),
        record("m2", 2, ["ada", "bea", "lisbon"]),
      ]);
      await store.graph.record(agent.id, [record("m3", 9, ["ada", "bea"], { source: "message" })]);
      const entities = await store.graph.listEntities(agent.id, null, { limit: 10 });
      assert.deepEqual(
        entities.map((e) => [e.key, e.name, e.mentions, e.firstSeen, e.lastSeen]),
        [
          ["ada", "ADA", 3, at(2), at(9)],
          ["bea", "BEA", 3, at(2), at(9)],
          ["lisbon", "LISBON", 1, at(2), at(2)],
        ],
      );
      const relations = await store.graph.relations(agent.id, [null], ["bea"], 10);
      assert.equal(relations.length, 1);
      assert.deepEqual(relations[0], {
        source: "ada",
        target: "bea",
        type: "co_occurs",
        userId: null,
        weight: 3,
        validFrom: at(2),
        validTo: null,
        provenance: [
          { source: "memory", id: "m1" },
          { source: "memory", id: "m2" },
          { source: "message", id: "m3" },
        ],
      });
      // A relation between two of the keys asked for comes once; the strongest come first.
      assert.deepEqual(
        (await store.graph.relations(agent.id, [null], ["bea", "ada"], 10)).map((r) => [
          r.source,
          r.target,
          r.weight,
        ]),
        [
          ["ada", "bea", 3],
          ["ada", "lisbon", 1],
        ],
      );
      // The first step of a search's walk reads what findEntities and relations read, in one go;
      // entities named by more items than maxMentions come back but their relations are not read.
      const keys = ["bea", "ada", "nobody"];
      const walk = await store.graph.namedWithRelations(agent.id, [null], keys, {
        maxMentions: 10,
        limit: 10,
      });
      assert.deepEqual(walk.entities, await store.graph.findEntities(agent.id, [null], keys));
      assert.deepEqual(
        walk.relations,
        await store.graph.relations(agent.id, [null], ["bea", "ada"], 10, { provenance: false }),
      );
      const capped = await store.graph.namedWithRelations(agent.id, [null, null], ["ada", "lisbon"], {
        maxMentions: 2,
        limit: 1,
      });
      assert.deepEqual(
        capped.entities.map((e) => e.key),
        ["ada", "lisbon"],
      );
      assert.deepEqual(
        capped.relations,
        await store.graph.relations(agent.id, [null], ["lisbon"], 1, { provenance: false }),
      );
      assert.deepEqual(
        await store.graph.namedWithRelations(agent.id, [null], ["nobody"], { maxMentions: 9, limit: 9 }),
        {
          entities: [],
          relations: [],
        },
      );
      // A key or user given twice is asked about once.
      assert.deepEqual(
        (await store.graph.findEntities(agent.id, [null, null], ["ada", "ada", "bea"])).map((e) => e.key),
        ["ada", "bea"],
      );
      assert.deepEqual(
        (await store.graph.relations(agent.id, [null, null], ["lisbon", "lisbon"], 10)).map((r) => r.target),
        ["lisbon"],
      );
      assert.deepEqual(
        (await store.graph.mentions(agent.id, [null, null], ["lisbon", "lisbon"], 10)).map((m) => m.id),
        ["m2"],
      );
      assert.deepEqual(
        (await store.graph.relations(agent.id, [null], ["lisbon", "nobody"], 10, { provenance: false })).map(
          (r) => [r.source, r.target, r.provenance],
        ),
        [["ada", "lisbon", []]],
      );
      const mentions = await store.graph.mentions(agent.id, [null], ["lisbon", "bea"], 2);
      assert.deepEqual(
        mentions.map((m) => [m.key, m.id, m.source]),
        [
          ["bea", "m3", "message"],
          ["bea", "m1", "memory"],
        ],
      );
      assert.deepEqual(
        (await store.graph.listEntities(agent.id, null, { after: "ada", limit: 1 })).map((e) => e.key),
        ["bea"],
      );
      // By mentions: the most named first, ties by key, paged after a (mentions, key) position.
      await store.graph.record(agent.id, [record("m4", 10, ["lisbon", "oslo"])]);
      const byMentions = async (after?: { mentions: number; key: string }) =>
        (
          await store.graph.listEntities(agent.id, null, {
            byMentions: true,
            ...(after === undefined ? {} : { after }),
            limit: 2,
          })
        ).map((e) => [e.key, e.mentions]);
      assert.deepEqual(await byMentions(), [
        ["ada", 3],
        ["bea", 3],
      ]);
      assert.deepEqual(await byMentions({ mentions: 3, key: "ada" }), [
        ["bea", 3],
        ["lisbon", 2],
      ]);
      assert.deepEqual(await byMentions({ mentions: 2, key: "lisbon" }), [["oslo", 1]]);
    });
  });

  it("graph: recording an item again replaces its mentions; a relation closes only when all its sources are closed", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      await store.graph.record(agent.id, [record("m1", 1, ["ada", "berlin"], { closedAt: at(7) })]);
      let [relation] = await store.graph.relations(agent.id, [null], ["ada"], 10);
      assert.equal(relation?.validTo, at(7));
      await store.graph.record(agent.id, [record("m2", 3, ["ada", "berlin"], { closedAt: at(8) })]);
      [relation] = await store.graph.relations(agent.id, [null], ["ada"], 10);
      assert.equal(relation?.validTo, at(8), "closed at the later end");
      await store.graph.record(agent.id, [record("m3", 4, ["ada", "berlin"])]);
      [relation] = await store.graph.relations(agent.id, [null], ["ada"], 10);
      assert.equal(relation?.validTo, null, "an open source reopens it");
      await store.graph.record(agent.id, [record("m1", 1, ["lisbon"])]);
      assert.deepEqual(
        (await store.graph.mentions(agent.id, [null], ["ada", "berlin", "lisbon"], 10))
          .map((m) => `${m.key}:${m.id}`)
          .sort(),
        ["ada:m2", "ada:m3", "berlin:m2", "berlin:m3", "lisbon:m1"],
      );
      assert.deepEqual(
        (await store.graph.findEntities(agent.id, [null], ["ada", "berlin", "lisbon"])).map((e) => [
          e.key,
          e.mentions,
        ]),
        [
          ["ada", 2],
          ["berlin", 2],
          ["lisbon", 1],
        ],
        "a re-recorded item's old mentions no longer count",
      );
    });
  });

  it("graph: recording an item again takes back what it gave its relations: an edited source counts once, a relation left with one closed source closes, one left with none goes", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const adaBea = async () =>
        (await store.graph.relations(agent.id, [null], ["ada"], 10)).map((r) => ({
          target: r.target,
          weight: r.weight,
          validTo: r.validTo,
          sources: r.provenance.map((p) => p.id),
        }));
      await store.graph.record(agent.id, [record("m1", 1, ["ada", "bea"])]);
      await store.graph.record(agent.id, [record("m1", 1, ["ada", "bea"])]);
      assert.deepEqual(await adaBea(), [{ target: "bea", weight: 1, validTo: null, sources: ["m1"] }]);
      await store.graph.record(agent.id, [record("m2", 2, ["ada", "bea"])]);
      // m1 closed: the relation stays open through m2.
      await store.graph.record(agent.id, [record("m1", 1, ["ada", "bea"], { closedAt: at(5) })]);
      assert.deepEqual(await adaBea(), [{ target: "bea", weight: 2, validTo: null, sources: ["m2", "m1"] }]);
      // m2 deleted (an empty record), then m1 recorded again, still closed: m1 alone states it.
      await store.graph.record(agent.id, [{ ...record("m2", 2, []), relations: [] }]);
      assert.deepEqual(
        (await adaBea()).map((r) => [r.weight, r.sources]),
        [[1, ["m1"]]],
      );
      await store.graph.record(agent.id, [record("m1", 1, ["ada", "bea"], { closedAt: at(5) })]);
      assert.deepEqual(await adaBea(), [{ target: "bea", weight: 1, validTo: at(5), sources: ["m1"] }]);
      // m1 deleted: the relation goes; one between other entities is untouched.
      await store.graph.record(agent.id, [record("m3", 3, ["cleo", "dan"])]);
      await store.graph.record(agent.id, [{ ...record("m1", 1, []), relations: [] }]);
      assert.deepEqual(await adaBea(), []);
      assert.deepEqual(
        (await store.graph.relations(agent.id, [null], ["cleo"], 10)).map((r) => [r.target, r.weight]),
        [["dan", 1]],
      );
      // Ada and Bea, named by nothing now and joined by no relation, go as a rebuild would leave them out.
      assert.deepEqual(
        (await store.graph.findEntities(agent.id, [null], ["ada", "bea", "cleo"])).map((e) => e.key),
        ["cleo"],
      );
    });
  });

  it("graph: an entity no item names goes when an item is recorded again, unless a relation still joins it", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const entity = (key: string, mentions: number) => ({
        key,
        name: key.toUpperCase(),
        type: "person" as const,
        userId: null,
        mentions,
        firstSeen: at(1),
        lastSeen: at(1),
      });
      // As an import may hold them: entities no mention names, one of them in a relation.
      await store.graph.replace(agent.id, {
        entities: [entity("eve", 0), entity("fay", 0), entity("gus", 0)],
        relations: [
          {
            source: "eve",
            target: "gus",
            type: "knows",
            userId: null,
            weight: 1,
            validFrom: at(1),
            validTo: null,
            provenance: [{ source: "memory", id: "elsewhere" }],
          },
        ],
        mentions: [],
      });
      const keys = async () =>
        (await store.graph.findEntities(agent.id, [null], ["eve", "fay", "gus", "hal"])).map((e) => e.key);
      assert.deepEqual(await keys(), ["eve", "fay", "gus"]);
      await store.graph.record(agent.id, [record("m1", 2, ["hal"])]);
      assert.deepEqual(await keys(), ["eve", "gus", "hal"]);
    });
  });

  it("graph: a relation a source says has ended is closed then, though other sources state it open", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const livesIn = (id: string, n: number, extra: { validFrom?: string; validTo?: string } = {}) => ({
        ...record(id, n, ["ada", "berlin"]),
        relations: [{ source: "ada", target: "berlin", type: "lives_in", ...extra }],
      });
      await store.graph.record(agent.id, [livesIn("m1", 2, { validFrom: at(1) })]);
      await store.graph.record(agent.id, [livesIn("m2", 3)]);
      let [relation] = await store.graph.relations(agent.id, [null], ["berlin"], 10);
      assert.deepEqual([relation?.validFrom, relation?.validTo, relation?.weight], [at(1), null, 2]);
      await store.graph.record(agent.id, [livesIn("m3", 9, { validTo: at(6) })]);
      [relation] = await store.graph.relations(agent.id, [null], ["berlin"], 10);
      assert.deepEqual([relation?.validFrom, relation?.validTo, relation?.weight], [at(1), at(6), 3]);
      assert.deepEqual(
        relation?.provenance.map((p) => p.id),
        ["m1", "m2", "m3"],
      );
      // An end stated for a relation never recorded open starts no later than it ends.
      await store.graph.record(agent.id, [
        {
          ...livesIn("m4", 9, { validTo: at(4) }),
          relations: [{ source: "ada", target: "paris", type: "lives_in", validTo: at(4) }],
        },
      ]);
      const paris = (await store.graph.relations(agent.id, [null], ["paris"], 10))[0];
      assert.deepEqual([paris?.validFrom, paris?.validTo], [at(4), at(4)]);
    });
  });

  it("graph: each user's graph is apart; reads cover only the users asked for", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      await store.graph.record(agent.id, [
        record("a1", 1, ["ada", "bea"], { userId: "u1" }),
        record("b1", 2, ["ada", "cleo"], { userId: "u2" }),
        record("n1", 3, ["ada", "dan"]),
      ]);
      const neighbours = async (users: (string | null)[]) =>
        (await store.graph.relations(agent.id, users, ["ada"], 10)).map((r) => r.target).sort();
      assert.deepEqual(await neighbours(["u1"]), ["bea"]);
      assert.deepEqual(await neighbours(["u2", null]), ["cleo", "dan"]);
      assert.deepEqual(await neighbours([]), []);
      assert.deepEqual(
        (await store.graph.findEntities(agent.id, ["u1"], ["ada", "cleo"])).map((e) => [e.key, e.userId]),
        [["ada", "u1"]],
      );
      assert.deepEqual(
        (await store.graph.listEntities(agent.id, "u2", { limit: 10 })).map((e) => e.key),
        ["ada", "cleo"],
      );
      assert.deepEqual(
        (await store.graph.mentions(agent.id, ["u1"], ["ada", "cleo"], 10)).map((m) => m.id),
        ["a1"],
      );
    });
  });

  it("graph: dump and replace round-trip the whole graph; deleting the agent removes it", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const other = await seed(store);
      await store.graph.record(agent.id, [
        record("m1", 1, ["ada", "bea"], { userId: "u1", closedAt: at(4) }),
        record("m2", 2, ["ada", "cleo"]),
      ]);
      const graph = await store.graph.dump(agent.id);
      assert.equal(graph.entities.length, 4);
      assert.equal(graph.relations.length, 2);
      assert.equal(graph.mentions.length, 4);
      await store.graph.replace(other.agent.id, graph);
      assert.deepEqual(await store.graph.dump(other.agent.id), graph);
      await store.graph.replace(other.agent.id, { entities: [], relations: [], mentions: [] });
      assert.deepEqual(await store.graph.dump(other.agent.id), { entities: [], relations: [], mentions: [] });
      await store.agents.delete(agent.id, kit.event(agent.projectId, "agent.deleted", agent.id));
      assert.deepEqual(await store.graph.dump(agent.id), { entities: [], relations: [], mentions: [] });
    });
  });
}
