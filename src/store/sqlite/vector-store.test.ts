import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { VectorHit } from "../store.ts";
import { seededRandom, trainCentroids } from "./ivf.ts";
import { probeBudget, SqliteVectorStore } from "./vector-store.ts";
import { A, B, clustered, D, Fixture } from "./vector-test-support.ts";

async function recallAt10(f: Fixture, agentId: string, queries: Float32Array[]): Promise<number> {
  let total = 0;
  for (const query of queries) {
    const exact = new Set(f.exact(agentId, query, 10).map((h) => h.id));
    const found = await f.store.search("memories", agentId, query, 10);
    total += found.filter((h) => exact.has(h.id)).length / 10;
  }
  return total / queries.length;
}

describe("SqliteVectorStore (IVF over sqlite-vec)", () => {
  it("searches exactly, in list 0, until the agent reaches the training threshold", async () => {
    const f = new Fixture({ trainThreshold: 200 });
    await f.store.initialise(D);
    await f.add(A, clustered(1, 150));
    assert.equal((await f.store.indexState("memories", A)).lists, 0);
    assert.ok([...f.parts().values()].every((p) => p === `${A}:0`));
    for (const query of clustered(2, 10)) {
      const found = await f.store.search("memories", A, query, 10);
      const exact = f.exact(A, query, 10);
      assert.deepEqual(
        found.map((h) => h.id),
        exact.map((h) => h.id),
      );
      found.forEach((h, i) => {
        assert.ok(Math.abs(h.distance - (exact[i] as VectorHit).distance) < 1e-5);
      });
    }
  });

  it("trains lists at the threshold, moves every vector into them and keeps recall@10 >= 0.9", async () => {
    const f = new Fixture({ trainThreshold: 1000, retrainGrowth: 0 });
    await f.store.initialise(D);
    const data = clustered(3, 4000, 40);
    for (let i = 0; i < data.length; i += 250) await f.add(A, data.slice(i, i + 250));
    const state = await f.store.indexState("memories", A);
    assert.equal(state.lists, 32, "round(sqrt(1000)) lists");
    assert.equal(state.trained, 1000);
    assert.equal(state.sizes[0], 0);
    assert.equal(
      state.sizes.reduce((a, b) => a + b, 0),
      4000,
    );
    const parts = [...f.parts().values()];
    assert.equal(parts.length, 4000);
    assert.equal(parts.filter((p) => p === `${A}:0`).length, 0, "nothing is left in the untrained list");
    assert.ok(new Set(parts).size > 16, "vectors are spread over the lists");
    for (let list = 1; list <= 32; list++) {
      assert.equal(
        parts.filter((p) => p === `${A}:${list}`).length,
        state.sizes[list],
        "list sizes are counted",
      );
    }
    const recall = await recallAt10(f, A, clustered(4, 50, 40));
    assert.ok(recall >= 0.9, `recall@10 ${recall}`);
    // Exact search over all lists agrees with brute force.
    const query = clustered(5, 1, 40)[0] as Float32Array;
    assert.deepEqual(
      (await f.store.searchExact("memories", A, query, 10)).map((h) => h.id),
      f.exact(A, query, 10).map((h) => h.id),
    );
  });

  it("probes only some lists once trained (a narrow nprobe loses neighbours an exact search finds)", async () => {
    const f = new Fixture({ trainThreshold: 400, nprobe: 2, minProbeFraction: 0 });
    await f.store.initialise(D);
    await f.add(A, clustered(6, 1600, 40, 0.6));
    assert.ok((await f.store.indexState("memories", A)).lists > 1);
    const recall = await recallAt10(f, A, clustered(7, 30, 40, 0.6));
    assert.ok(recall < 1, `recall@10 ${recall} with two lists' worth probed`);
  });

  it("scans every vector of an agent with fewer than minProbeVectors, trained or not", async () => {
    const f = new Fixture({ trainThreshold: 400, nprobe: 2, minProbeFraction: 0, minProbeVectors: 2000 });
    await f.store.initialise(D);
    await f.add(A, clustered(6, 1600, 40, 0.6));
    assert.ok((await f.store.indexState("memories", A)).lists > 1);
    assert.equal(await recallAt10(f, A, clustered(7, 30, 40, 0.6)), 1);
    assert.throws(() => new Fixture({ minProbeVectors: -1 }), /minProbeVectors must be 0 or more, got -1/);
  });

  it("probeBudget: nprobe lists of average size, at least a fraction and a number of vectors, at most all", () => {
    const options = { nprobe: 16, minProbeFraction: 0.2, minProbeVectors: 20_000 };
    assert.equal(probeBudget(options, 5_000, 71), 5_000);
    assert.equal(probeBudget(options, 50_000, 224), 20_000);
    assert.equal(probeBudget(options, 100_000, 316), 20_000);
    assert.equal(probeBudget(options, 400_000, 632), 80_000);
    assert.equal(probeBudget({ ...options, minProbeFraction: 0, minProbeVectors: 0 }, 100_000, 100), 16_000);
  });

  it("replaces a vector on upsert, moving it to the list of its new nearest centroid", async () => {
    const f = new Fixture({ trainThreshold: 200 });
    await f.store.initialise(D);
    const data = clustered(8, 400, 8, 0.1);
    const ids = await f.add(A, data);
    const id = ids[0] as string;
    const rowid = f.rowid(id);
    const before = f.parts().get(rowid);
    const replacement = data[1] as Float32Array; // another cluster (i % 8)
    await f.store.upsert("memories", A, [{ id, vector: replacement }]);
    f.vectors.set(id, { agentId: A, space: "memories", vector: replacement });
    const parts = f.parts();
    assert.equal(parts.size, 400, "one row per vector, none left behind");
    const after = parts.get(rowid);
    assert.notEqual(after, before);
    assert.equal(after, parts.get(f.rowid(ids[1] as string)), "in the same list as the vector it copies");
    const found = await f.store.search("memories", A, replacement, 2);
    assert.deepEqual(found.map((h) => h.id).sort(), [id, ids[1]].sort());
    const old = await f.store.search("memories", A, data[0] as Float32Array, 400);
    assert.ok((old.find((h) => h.id === id)?.distance ?? 1) > 1e-3, "the old vector is gone");
  });

  it("leaves nothing behind on remove, removeRowids and removeAgent", async () => {
    const f = new Fixture({ trainThreshold: 200 });
    await f.store.initialise(D);
    const idsA = await f.add(A, clustered(9, 300));
    const idsB = await f.add(B, clustered(10, 300));
    await f.add(A, clustered(11, 20), "messages");
    await f.store.remove("memories", idsA.slice(0, 10));
    f.store.removeRowids(
      "memories",
      idsA.slice(10, 20).map((id) => f.rowid(id)),
    );
    const parts = f.parts();
    for (const id of idsA.slice(0, 20)) assert.equal(parts.has(f.rowid(id)), false);
    assert.deepEqual(await f.store.missing("memories", A, 100), idsA.slice(0, 20));
    for (const query of clustered(12, 5)) {
      const found = await f.store.search("memories", A, query, 300);
      assert.ok(found.every((h) => !idsA.slice(0, 20).includes(h.id)));
    }

    f.store.removeAgent(A);
    const left = [...f.parts().values()];
    assert.equal(left.filter((p) => p.startsWith(`${A}:`)).length, 0);
    assert.equal(left.length, idsB.length, "the other agent keeps its vectors");
    assert.equal(f.parts("message_vectors").size, 0);
    assert.equal(
      f.s.get<{ n: number }>("SELECT count(*) AS n FROM vector_centroids WHERE agent_id = ?", A)?.n,
      0,
    );
    assert.equal(
      f.s.get<{ n: number }>("SELECT count(*) AS n FROM vector_lists WHERE agent_id = ?", A)?.n,
      0,
    );
    assert.equal((await f.store.indexState("memories", A)).lists, 0);
    assert.deepEqual(await f.store.search("memories", A, clustered(13, 1)[0] as Float32Array, 10), []);
    assert.equal((await f.store.search("memories", B, clustered(13, 1)[0] as Float32Array, 10)).length, 10);
  });

  it("never returns another agent's vectors, trained or not", async () => {
    const f = new Fixture({ trainThreshold: 200 });
    await f.store.initialise(D);
    const shared = clustered(14, 300);
    const idsA = new Set(await f.add(A, shared));
    const idsB = new Set(await f.add(B, shared.slice(0, 100)));
    assert.equal((await f.store.indexState("memories", A)).lists, 17);
    assert.equal((await f.store.indexState("memories", B)).lists, 0);
    for (const query of shared.slice(0, 20)) {
      const a = await f.store.search("memories", A, query, 50);
      const b = await f.store.search("memories", B, query, 50);
      assert.equal(a.length, 50);
      assert.equal(b.length, 50);
      assert.ok(a.every((h) => idsA.has(h.id)));
      assert.ok(b.every((h) => idsB.has(h.id)));
      assert.ok((a[0] as VectorHit).distance < 1e-5 && (b[0] as VectorHit).distance < 1e-5);
    }
    // Upserting another agent's item is ignored.
    await f.store.upsert("memories", B, [{ id: [...idsA][0] as string, vector: shared[5] as Float32Array }]);
    assert.ok(
      f
        .parts()
        .get(f.rowid([...idsA][0] as string))
        ?.startsWith(`${A}:`),
    );
  });

  it("retrains when the agent has grown enough, and a second store sees the new centroids", async () => {
    const options = { trainThreshold: 100, retrainGrowth: 4 };
    const f = new Fixture(options);
    const other = new SqliteVectorStore(f.s, options);
    await f.store.initialise(D);
    const data = clustered(15, 800, 20);
    await f.add(A, data.slice(0, 100));
    const trained = await f.store.indexState("memories", A);
    assert.deepEqual([trained.lists, trained.trained, trained.version], [16, 100, 1]);
    assert.equal(
      trained.sizes.reduce((a, b) => a + b, 0),
      100,
    );
    const query = data[7] as Float32Array;
    const before = await other.search("memories", A, query, 5); // caches version 1
    for (let i = 100; i < 800; i += 100) await f.add(A, data.slice(i, i + 100));
    const state = await f.store.indexState("memories", A);
    assert.equal(state.version, 2);
    assert.equal(state.trained, 400);
    assert.equal(state.lists, 20);
    const first = f.first(A);
    assert.ok(first > 16, "the new lists are numbered after the old ones");
    for (const p of new Set(f.parts().values())) {
      const list = Number(p.slice(A.length + 1));
      assert.ok(list >= first && list < first + state.lists, `no vector is left in list ${list}`);
    }
    const after = await other.search("memories", A, query, 5);
    assert.deepEqual(after, await f.store.search("memories", A, query, 5));
    assert.equal((after[0] as VectorHit).distance < 1e-5, true);
    assert.equal((before[0] as VectorHit).id, (after[0] as VectorHit).id);
    // Retraining on demand, with the same data and seed, gives the same lists.
    const centroids = () =>
      f.s
        .all<{ centroid: Uint8Array }>(
          "SELECT centroid FROM vector_centroids WHERE agent_id = ? ORDER BY list",
          A,
        )
        .map((r) => Buffer.from(r.centroid).toString("hex"));
    // Each vector's list, as an index into its generation's lists.
    const placement = () => {
      const at = f.first(A);
      return new Map([...f.parts()].map(([rowid, p]) => [rowid, Number(p.slice(A.length + 1)) - at]));
    };
    const trainedAt400 = centroids();
    assert.equal(await f.store.train("memories", A), 28);
    const once = centroids();
    const placed = placement();
    assert.equal(await f.store.train("memories", A), 28);
    assert.deepEqual(centroids(), once);
    assert.deepEqual(placement(), placed);
    assert.notDeepEqual(once, trainedAt400);
    assert.equal((await f.store.indexState("memories", A)).version, 4);
    assert.equal(
      f.s.get<{ n: number }>("SELECT count(*) AS n FROM vector_centroids WHERE agent_id = ?", A)?.n,
      28,
      "the old generation's centroids are gone",
    );
  });

  it("indexes messages apart from memories", async () => {
    const f = new Fixture({ trainThreshold: 200 });
    await f.store.initialise(D);
    const data = clustered(16, 250);
    const messages = await f.add(A, data, "messages");
    await f.add(A, data.slice(0, 10));
    assert.equal((await f.store.indexState("messages", A)).lists, 16);
    assert.equal((await f.store.indexState("memories", A)).lists, 0);
    const found = await f.store.search("messages", A, data[3] as Float32Array, 3);
    assert.equal(found[0]?.id, messages[3]);
  });

  it("keeps refusing vectors of another dimension", async () => {
    const f = new Fixture({ trainThreshold: 200 });
    await f.store.initialise(D);
    await assert.rejects(
      f.store.initialise(32),
      /the database holds 16-dimension vectors, but the embedding model gives 32/,
    );
    await f.add(A, clustered(17, 250));
    const [id] = await f.add(A, clustered(18, 1));
    const count = f.parts().size;
    await assert.rejects(
      f.store.upsert("memories", A, [{ id: id as string, vector: new Float32Array(32).fill(1) }]),
      /[Dd]imension/,
    );
    assert.equal(f.parts().size, count, "the failed upsert changed nothing");
    await assert.rejects(f.store.search("memories", A, new Float32Array(32).fill(1), 5), /[Dd]imension/);
    assert.equal(await f.store.dimensions(), D);
  });

  it("trains deterministically for a seed", () => {
    const rows = new Float32Array(clustered(19, 300).flatMap((v) => [...v]));
    const train = (seed: number) => trainCentroids(rows, D, 16, { random: seededRandom(seed) });
    assert.deepEqual(train(1), train(1));
    assert.notDeepEqual(train(1), train(2));
  });
});
