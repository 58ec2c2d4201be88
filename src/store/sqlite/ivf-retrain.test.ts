import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { VectorHit } from "../store.ts";
import { inTransaction } from "./database.ts";
import { nearestCentroid } from "./ivf.ts";
import type { RetrainProgress } from "./ivf-retrain.ts";
import { SqliteVectorStore } from "./vector-store.ts";
import { A, B, clustered, D, Fixture } from "./vector-test-support.ts";

/** The agent's vectors by partition list number. */
function listsOf(f: Fixture, agentId: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const [rowid, key] of f.parts()) {
    if (key.startsWith(`${agentId}:`)) out.set(rowid, Number(key.slice(agentId.length + 1)));
  }
  return out;
}

/** The generations in the tables: the active one's first list and count, and the pending one's. */
function generations(f: Fixture, agentId: string) {
  const active = f.s.get<{ first: number; lists: number; version: number }>(
    "SELECT first, lists, version FROM vector_lists WHERE space = 'memories' AND agent_id = ?",
    agentId,
  );
  const pending = f.s.get<{ first: number; lists: number }>(
    "SELECT first, lists FROM vector_retrains WHERE space = 'memories' AND agent_id = ?",
    agentId,
  );
  return { active, pending };
}

/** Every vector of the agent sits in its nearest centroid's list of the active generation. */
function assertPlacedByNearestCentroid(f: Fixture, agentId: string): void {
  const { active } = generations(f, agentId);
  assert.ok(active !== undefined && active.lists > 0);
  const rows = f.s.all<{ centroid: Uint8Array }>(
    "SELECT centroid FROM vector_centroids WHERE space = 'memories' AND agent_id = ? ORDER BY list",
    agentId,
  );
  assert.equal(rows.length, active.lists, "only the active generation's centroids are left");
  const centroids = new Float32Array(rows.length * D);
  rows.forEach((row, c) => {
    centroids.set(new Float32Array(Uint8Array.from(row.centroid).buffer), c * D);
  });
  const lists = listsOf(f, agentId);
  for (const [id, { agentId: owner, vector }] of f.vectors) {
    if (owner !== agentId) continue;
    const list = lists.get(f.rowid(id));
    assert.equal(list, active.first + nearestCentroid(centroids, vector, D), `${id} is in its nearest list`);
  }
}

/** Each of these items is found as the nearest to its own vector (so it is in a list searched). */
async function assertFindsThemselves(f: Fixture, agentId: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const { vector } = f.vectors.get(id) as { vector: Float32Array };
    const [top] = await f.store.search("memories", agentId, vector, 1);
    assert.equal(top?.id, id, `${id} is found by its own vector`);
    assert.ok((top as VectorHit).distance < 1e-5);
  }
}

async function assertExactAgrees(f: Fixture, agentId: string, seed: number): Promise<void> {
  for (const query of clustered(seed, 5)) {
    assert.deepEqual(
      (await f.store.searchExact("memories", agentId, query, 10)).map((h) => h.id),
      f.exact(agentId, query, 10).map((h) => h.id),
    );
  }
}

describe("retraining vector lists in the background", () => {
  it("keeps every vector searchable in one list throughout, and loses no insert or removal made meanwhile", async () => {
    const progress: RetrainProgress[] = [];
    const during: Promise<unknown>[] = [];
    const failures: unknown[] = [];
    let armed = false;
    const extra: string[] = [];
    const removed: string[] = [];
    const f: Fixture = new Fixture({
      trainThreshold: 300,
      onRetrainBatch: (p) => {
        // The first training (out of list 0) is not the one watched.
        if (!armed) return;
        progress.push(p);
        try {
          between();
        } catch (error) {
          failures.push(error);
        }
      },
    });
    const between = () => {
      // Between two batches: both generations hold vectors, every vector is in exactly one
      // list of one of them, and both generations' centroids are stored.
      const { active, pending } = generations(f, A);
      assert.ok(active !== undefined && pending !== undefined);
      assert.ok(pending.first >= active.first + active.lists, "the new lists are numbered apart");
      const lists = [...listsOf(f, A).values()];
      const inActive = lists.filter((l) => l >= active.first && l < active.first + active.lists).length;
      const inPending = lists.filter((l) => l >= pending.first && l < pending.first + pending.lists).length;
      assert.equal(inActive + inPending, lists.length, "no vector outside the two generations");
      assert.ok(inPending > 0, `moved ${inPending}`);
      // Until the last batch, some are left in the old lists (still searched).
      if (progress.length === 1) assert.ok(inActive > 0, `left ${inActive}`);
      assert.equal(
        f.s.get<{ n: number }>("SELECT count(*) AS n FROM vector_centroids WHERE agent_id = ?", A)?.n,
        active.lists + pending.lists,
      );
      if (progress.length !== 1) return;
      // Writes while it runs (their synchronous part runs here, between two batches): new
      // vectors, a vector already moved and one not yet moved removed, one replaced.
      const ids = [...f.vectors].flatMap(([id, v]) => (v.agentId === A ? [id] : []));
      const moved = ids.find((id) => (listsOf(f, A).get(f.rowid(id)) ?? 0) >= pending.first) as string;
      const unmoved = ids.find((id) => (listsOf(f, A).get(f.rowid(id)) ?? 0) < pending.first) as string;
      removed.push(moved, unmoved);
      during.push(f.store.remove("memories", removed));
      for (const id of removed) f.vectors.delete(id);
      during.push(
        f.add(A, clustered(41, 120), "memories", false).then((added) => {
          extra.push(...added);
        }),
      );
      const replaced = ids[5] as string;
      const vector = clustered(42, 1)[0] as Float32Array;
      during.push(f.store.upsert("memories", A, [{ id: replaced, vector }]));
      f.vectors.set(replaced, { agentId: A, space: "memories", vector });
      during.push(
        assertFindsThemselves(
          f,
          A,
          ids.slice(10, 40).filter((id) => !removed.includes(id)),
        ),
      );
    };
    await f.store.initialise(D);
    const first = await f.add(A, clustered(40, 300));
    await f.add(B, clustered(43, 50));
    const before = await f.store.indexState("memories", A);
    assert.deepEqual([before.lists, before.trained, before.version], [17, 300, 1]);
    // Doubling sets off a retraining; the write that does so returns before it has run.
    armed = true;
    await f.add(A, clustered(44, 500), "memories", false);
    const started = await f.store.indexState("memories", A);
    assert.equal(started.version, 1, "the write did not wait for the retraining");

    const reports = await f.store.settled();
    await Promise.all(during);
    assert.deepEqual(failures, []);
    assert.ok(progress.length >= 2, `${progress.length} batches`);
    assert.equal(extra.length, 120);
    assert.equal(reports.length, 1);
    const [report] = reports;
    assert.equal(report?.vectors, 800);
    assert.equal(report?.lists, 28);

    const after = await f.store.indexState("memories", A);
    assert.equal(after.version, 2);
    assert.equal(after.trained, 800);
    assert.equal(after.lists, 28);
    assert.equal(after.retraining, null);
    assert.equal(after.sizes[0], 0);
    const expected = [...f.vectors.values()].filter((v) => v.agentId === A).length;
    assert.equal(expected, 800 + 120 - 2);
    assert.equal(
      after.sizes.reduce((a, b) => a + b, 0),
      expected,
      "the lists' counts hold every vector",
    );
    assert.equal(listsOf(f, A).size, expected, "one row per vector");
    for (const id of removed) assert.equal(listsOf(f, A).has(f.rowid(id)), false, `${id} stays removed`);
    assertPlacedByNearestCentroid(f, A);
    await assertFindsThemselves(
      f,
      A,
      [...first.slice(0, 20), ...extra.slice(0, 20)].filter((id) => !removed.includes(id)),
    );
    await assertExactAgrees(f, A, 45);
    // The other agent was left alone.
    assert.equal(listsOf(f, B).size, 50);
    assert.equal((await f.store.indexState("memories", B)).lists, 0);
  });

  it("retrains again at once when the vectors outgrew the lists while they were being trained", async () => {
    const f = new Fixture({ trainThreshold: 300 });
    await f.store.initialise(D);
    await f.add(A, clustered(60, 300));
    assert.equal((await f.store.indexState("memories", A)).lists, 17);
    // Doubling sets off a retraining sized for 600 vectors; 1,500 more arrive while it runs.
    await f.add(A, clustered(61, 300), "memories", false);
    const settling = f.store.settled();
    for (let i = 0; i < 30; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      await f.add(A, clustered(62 + i, 50), "memories", false);
    }
    const reports = await settling;
    const total = 2_100;
    const state = await f.store.indexState("memories", A);
    assert.equal(
      state.sizes.reduce((a, b) => a + b, 0),
      total,
    );
    assert.ok(reports.length >= 2, `${reports.length} retrainings: the next began without another write`);
    assert.equal(state.retraining, null);
    // Settled, the lists are sized for the vectors there: no retraining is due.
    assert.ok(state.lists ** 2 * 2 > total, `${state.lists} lists for ${total} vectors`);
    assert.ok(state.trained * 2 > total, `trained at ${state.trained}`);
    await assertExactAgrees(f, A, 63);
  });

  it("begins at the next open a training that fell due in a process that did not run it", async () => {
    const f = new Fixture({ trainThreshold: 200, background: false });
    await f.store.initialise(D);
    const ids = await f.add(A, clustered(55, 300));
    assert.equal((await f.store.indexState("memories", A)).lists, 0, "nothing ran it");
    const next = new SqliteVectorStore(f.s, { trainThreshold: 200 });
    await next.initialise(D);
    const [report] = await next.settled();
    assert.deepEqual([report?.lists, report?.vectors], [17, 300]);
    const state = await next.indexState("memories", A);
    assert.deepEqual([state.lists, state.trained, state.version, state.sizes[0]], [17, 300, 1, 0]);
    await assertFindsThemselves(f, A, ids.slice(0, 10));
  });

  it("leaves a training that falls due inside a caller's transaction to run after its commit", async () => {
    const f = new Fixture({ trainThreshold: 200 });
    await f.store.initialise(D);
    const ids = f.items(A, 300);
    const vectors = clustered(56, 300);
    const items = ids.map((id, i) => ({ id, vector: vectors[i] as Float32Array }));
    const after = inTransaction(f.s.db, () => f.store.upsertNow("memories", A, items, new Set(ids)));
    assert.deepEqual(await f.store.settled(), [], "nothing started inside the transaction");
    assert.equal((await f.store.indexState("memories", A)).sizes[0], 300, "every vector stored, untrained");
    assert.ok(after !== null, "the training is due");
    after();
    const [report] = await f.store.settled();
    assert.deepEqual([report?.lists, report?.vectors], [17, 300]);
  });

  it("upgrades lists of the first layout in place, keeping every vector", async () => {
    const f = new Fixture({ trainThreshold: 200 });
    await f.store.initialise(D);
    const ids = await f.add(A, clustered(50, 300));
    const lists = listsOf(f, A);
    f.s.db.exec(`
      ALTER TABLE vector_lists DROP COLUMN first;
      DROP TABLE vector_retrains;
      UPDATE settings SET value = 'ivf-1' WHERE key = 'vectors.layout';
    `);
    // A store that has not seen the tables yet, as a new process would open them.
    const store = new SqliteVectorStore(f.s, { trainThreshold: 200 });
    assert.deepEqual(await store.indexState("memories", A), {
      lists: 17,
      trained: 300,
      version: 1,
      sizes: (await f.store.indexState("memories", A)).sizes,
      retraining: null,
    });
    await store.initialise(D);
    assert.deepEqual(listsOf(f, A), lists);
    const [top] = await store.search(
      "memories",
      A,
      f.vectors.get(ids[7] as string)?.vector as Float32Array,
      1,
    );
    assert.equal(top?.id, ids[7]);
  });

  it("survives SIGKILL mid-way: the old lists keep serving, nothing is lost, and it resumes on the next open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "engram-ivf-kill-"));
    const path = join(dir, "kill.db");
    try {
      const f = new Fixture({ trainThreshold: 200, background: false }, path);
      await f.store.initialise(D);
      const data = clustered(60, 3000, 30);
      const ids = await f.add(A, data.slice(0, 1500));
      assert.equal(await f.store.train("memories", A), 39);
      ids.push(...(await f.add(A, data.slice(1500))));
      const trained = generations(f, A).active;
      f.s.db.close();

      // A child process retrains, and stops after its second batch until killed.
      const child = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `
          const { Fixture } = await import(${JSON.stringify(new URL("./vector-test-support.ts", import.meta.url).href)});
          const f = new Fixture({
            background: false,
            onRetrainBatch: (p) => {
              if (p.moved < 512) return;
              process.stdout.write("moved " + p.moved + "\\n");
              Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
            },
          }, ${JSON.stringify(path)}, true);
          await f.store.train("memories", ${JSON.stringify(A)});
          process.stdout.write("finished\\n");
          `,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      let output = "";
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("exit", (_, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve) => {
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("moved")) resolve();
        });
        child.on("exit", () => resolve());
      });
      child.kill("SIGKILL");
      assert.equal(await exited, "SIGKILL");
      assert.match(output, /^moved 512\n$/);

      const g = new Fixture({}, path, true);
      for (const [id, v] of f.vectors) g.vectors.set(id, v);
      const half = await g.store.indexState("memories", A);
      assert.equal(half.lists, 39, "the old lists are still the active ones");
      assert.deepEqual(half.retraining, { lists: 55, vectors: 3000, moved: 512, running: false });
      const { active, pending } = generations(g, A);
      assert.deepEqual(active, trained);
      assert.ok(pending !== undefined);
      const lists = [...listsOf(g, A).values()];
      assert.equal(lists.length, 3000, "no vector lost");
      assert.equal(lists.filter((l) => l >= pending.first).length, 512);
      assert.deepEqual(await g.store.missing("memories", A, 10), []);
      await assertFindsThemselves(
        g,
        A,
        ids.filter((_, i) => i % 60 === 0),
      );
      await assertExactAgrees(g, A, 61);

      // The next open carries on from where it was killed, and switches.
      await g.store.initialise(D);
      const [report] = await g.store.settled();
      assert.equal(report?.moved, 3000 - 512);
      assert.equal(report?.sampled, 0, "resumed with the stored centroids, not trained again");
      const done = await g.store.indexState("memories", A);
      assert.deepEqual([done.lists, done.trained, done.version, done.retraining], [55, 3000, 2, null]);
      assert.equal(generations(g, A).active?.first, pending.first);
      assertPlacedByNearestCentroid(g, A);
      await assertFindsThemselves(
        g,
        A,
        ids.filter((_, i) => i % 60 === 0),
      );
      await assertExactAgrees(g, A, 62);
      g.s.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
