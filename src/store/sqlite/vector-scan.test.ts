import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startOnThread, type ThreadTask } from "../../threads/helper-thread.ts";
import { outputOnceExited } from "../../threads/thread-test-support.ts";
import { openDatabase } from "./database.ts";
import { toBlob } from "./ivf-lists.ts";
import {
  fileIdentity,
  knnSql,
  listStamp,
  type ScanHit,
  type ScanInput,
  type ScanOutput,
  STAMP_SQL,
  scanControl,
  scanInOrder,
  scanOnThread,
  scanShared,
} from "./vector-scan.ts";
import { SqliteVectorStore } from "./vector-store.ts";
import { A, B, clustered, D, Fixture } from "./vector-test-support.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-vector-scan-"));
after(() => rmSync(dir, { recursive: true, force: true }));
// The thread up before the searches, as in a process that has run a while (a search does not
// share its lists with a thread still booting).
before(async () => {
  assert.ok(await startOnThread("entities", { texts: ["warm up"] })?.settled());
});

const extension = (() => {
  const opened = openDatabase(":memory:");
  opened.db.close();
  assert.ok(opened.extension !== null, "sqlite-vec loads here");
  return opened.extension;
})();

/** The options of a trained file's store: the helper thread shares large scans. */
const sharedOptions = {
  trainThreshold: 1000,
  retrainGrowth: 0,
  minProbeFraction: 1,
  sharedScan: { extension },
};

/**
 * A trained agent A (and a smaller B) in a file, built once and copied for each test (training it
 * takes longer than any test): each copy is a file of its own, never opened before.
 */
let template: Promise<Fixture> | undefined;
function trainedTemplate(): Promise<Fixture> {
  template ??= (async () => {
    const f = new Fixture(sharedOptions, join(dir, "template.db"));
    await f.store.initialise(D);
    const data = clustered(11, 6000, 40);
    for (let i = 0; i < data.length; i += 1000) await f.add(A, data.slice(i, i + 1000));
    await f.add(B, clustered(12, 300, 40));
    return f;
  })();
  return template;
}
after(async () => {
  const f = await template;
  f?.store.close();
  f?.s.db.close();
});

/** A trained agent A (and a smaller B) in a file, with the helper thread sharing large scans. */
async function trainedFile(name: string): Promise<{ f: Fixture; path: string }> {
  const path = join(dir, name);
  const f = (await trainedTemplate()).copyTo(path, sharedOptions);
  await f.store.initialise(D);
  return { f, path };
}

/** Every list of agent A, nearest-first order not needed for exactness. */
function partsOf(f: Fixture): string[] {
  return [...new Set(f.parts().values())].filter((p) => p.startsWith(`${A}:`));
}

/** The best k of the lists, scanned by this thread alone. */
function inline(f: Fixture, parts: readonly string[], query: Uint8Array, k: number): ScanHit[] {
  return plain(scanInOrder(f.s.prepare(knnSql("memory_vectors")), parts, query, k));
}

/** Hits as plain objects (rows come back without a prototype), to compare. */
const plain = (hits: readonly ScanHit[]) => hits.map(({ rowid, distance }) => ({ rowid, distance }));

function input(path: string, parts: readonly string[], query: Uint8Array, control: Int32Array): ScanInput {
  return {
    path,
    file: fileIdentity(path) as string,
    extension,
    table: "memory_vectors",
    space: "memories",
    agentId: A,
    parts,
    query,
    k: 10,
    control,
  };
}

/** A stand-in for the thread's task, answering `result` (the thread itself cannot be made to fail on cue). */
const answering = (result: ScanOutput | null): ThreadTask<ScanOutput | null> => ({
  wait: () => result,
  settled: async () => result,
});

describe("vector scans shared with the helper thread", () => {
  it("find exactly what one thread finds, in search and exact search", async () => {
    const { f, path } = await trainedFile("same.db");
    const alone = new Fixture({ minProbeFraction: 1 }, path, true);
    for (const query of clustered(13, 25, 40)) {
      assert.deepEqual(
        await f.store.search("memories", A, query, 10),
        await alone.store.search("memories", A, query, 10),
      );
      const exact = await f.store.searchExact("memories", A, query, 10);
      assert.deepEqual(exact, await alone.store.searchExact("memories", A, query, 10));
      assert.deepEqual(
        exact.map((hit) => hit.id),
        f.exact(A, query, 10).map((hit) => hit.id),
      );
    }
    // Another agent's vectors never come back.
    const mine = new Set(f.exact(B, clustered(14, 1, 40)[0] as Float32Array, 400).map((hit) => hit.id));
    for (const hit of await f.store.searchExact("memories", B, clustered(14, 1, 40)[0] as Float32Array, 50))
      assert.ok(mine.has(hit.id));
    f.store.close();
  });

  it("scan lists on the helper thread through its own connection, as this thread would", async () => {
    const { f, path } = await trainedFile("thread.db");
    const parts = partsOf(f);
    assert.ok(parts.length > 30);
    const query = toBlob(clustered(15, 1, 40)[0] as Float32Array).slice();
    // This thread takes no list: the helper thread scans them all.
    const control = scanControl();
    const task = startOnThread("scanVectors", input(path, parts, query, control));
    assert.ok(task !== null, "the thread runs here");
    const output = task.wait();
    assert.ok(output !== null);
    assert.equal(output.stamp, listStamp(f.s.prepare(STAMP_SQL), "memories", A));
    const expected = inline(f, parts, query, 10);
    assert.deepEqual(
      Array.from(output.rowids),
      expected.map((hit) => hit.rowid),
    );
    assert.deepEqual(
      Array.from(output.distances),
      expected.map((hit) => hit.distance),
    );
    assert.ok(Atomics.load(control, 0) >= parts.length, "every list was taken");
    f.store.close();
  });

  it("scan here the lists of a thread that failed or read the vectors in another state", async () => {
    const { f } = await trainedFile("fallback.db");
    const parts = partsOf(f);
    const query = toBlob(clustered(16, 1, 40)[0] as Float32Array);
    const expected = inline(f, parts, query, 10);
    const statement = f.s.prepare(knnSql("memory_vectors"));
    const stamp = () => listStamp(f.s.prepare(STAMP_SQL), "memories", A);
    // A near-perfect hit the thread claims to have found in another state must not be taken.
    const stale = { stamp: "another state", rowids: Float64Array.of(123_456), distances: Float64Array.of(0) };
    for (const result of [null, stale]) {
      const control = scanControl();
      // The thread has begun and taken half the lists; this thread takes the rest.
      Atomics.store(control, 1, 1);
      Atomics.store(control, 0, Math.floor(parts.length / 2));
      assert.deepEqual(
        plain(scanShared(statement, parts, query, 10, control, answering(result), stamp)),
        expected,
      );
    }
    // And the thread's hits are merged when they were read in the same state: here it took the
    // list holding the nearest vector, so this thread's lists alone miss it.
    const nearest = f.parts().get((expected[0] as ScanHit).rowid) as string;
    const ordered = [nearest, ...parts.filter((p) => p !== nearest)];
    const theirs = inline(f, [nearest], query, 10);
    assert.notDeepEqual(inline(f, ordered.slice(1), query, 10), expected);
    const control = scanControl();
    Atomics.store(control, 1, 1);
    Atomics.store(control, 0, 1);
    const output = {
      stamp: stamp(),
      rowids: Float64Array.from(theirs, (hit) => hit.rowid),
      distances: Float64Array.from(theirs, (hit) => hit.distance),
    };
    assert.deepEqual(
      plain(scanShared(statement, ordered, query, 10, control, answering(output), stamp)),
      expected,
    );
    f.store.close();
  });

  it("call off a thread that has not begun, which then scans nothing", async () => {
    const { f, path } = await trainedFile("abandon.db");
    const parts = partsOf(f);
    const query = toBlob(clustered(17, 1, 40)[0] as Float32Array);
    const control = scanControl();
    const never: ThreadTask<ScanOutput | null> = {
      wait: () => assert.fail("a thread that never began is not waited for"),
      settled: () => assert.fail("a thread that never began is not waited for"),
    };
    const stamp = () => listStamp(f.s.prepare(STAMP_SQL), "memories", A);
    const statement = f.s.prepare(knnSql("memory_vectors"));
    assert.deepEqual(
      plain(scanShared(statement, parts, query, 10, control, never, stamp)),
      inline(f, parts, query, 10),
    );
    const taken = Atomics.load(control, 0);
    assert.equal(scanOnThread(input(path, parts, query.slice(), control)), null);
    assert.equal(Atomics.load(control, 0), taken, "it took no list");
    f.store.close();
  });

  it("read a new file made at the path of one whose store was never closed", async () => {
    const first = await trainedFile("reused.db");
    const query = toBlob(clustered(18, 1, 40)[0] as Float32Array).slice();
    const old = partsOf(first.f);
    assert.ok(startOnThread("scanVectors", input(first.path, old, query, scanControl()))?.wait());
    // The thread's connection to the first file stays open: its store is not closed.
    first.f.s.db.close();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${first.path}${suffix}`, { force: true });
    const f = new Fixture({ trainThreshold: 1000, retrainGrowth: 0, sharedScan: { extension } }, first.path);
    await f.store.initialise(D);
    await f.add(A, clustered(19, 3000, 40));
    const parts = partsOf(f);
    const output = startOnThread("scanVectors", input(first.path, parts, query, scanControl()))?.wait();
    assert.ok(output != null);
    const expected = inline(f, parts, query, 10);
    assert.deepEqual(
      Array.from(output.distances),
      expected.map((hit) => hit.distance),
    );
    assert.equal(output.stamp, listStamp(f.s.prepare(STAMP_SQL), "memories", A));
    f.store.close();
  });

  it("stamp every change to an agent's vectors, even one that leaves its lists' counts as they were", async () => {
    const f = new Fixture({ trainThreshold: 1000, retrainGrowth: 0 });
    await f.store.initialise(D);
    const ids = await f.add(A, clustered(22, 1200, 40));
    // A table from before the write count gets one at the next open.
    f.s.db.exec("ALTER TABLE vector_lists DROP COLUMN writes");
    const store = new SqliteVectorStore(f.s, { trainThreshold: 1000, retrainGrowth: 0 });
    await store.initialise(D);
    const stamp = () => listStamp(f.s.prepare(STAMP_SQL), "memories", A);
    const before = stamp();
    const sizes = (await store.indexState("memories", A)).sizes;
    // The same vector again: its list's count is unchanged, the stamp is not.
    const id = ids[3] as string;
    await store.upsert("memories", A, [{ id, vector: f.vectors.get(id)?.vector as Float32Array }]);
    assert.deepEqual((await store.indexState("memories", A)).sizes, sizes);
    assert.notEqual(stamp(), before);
    // Another agent's writes leave it as it was.
    const after = stamp();
    await f.add(B, clustered(23, 10, 40));
    assert.equal(stamp(), after);
  });

  it("let the process exit after shared scans, its store closed or not", async () => {
    const support = new URL("./vector-test-support.ts", import.meta.url).href;
    const thread = new URL("../../threads/helper-thread.ts", import.meta.url).href;
    // The child opens a copy of the trained file rather than training its own.
    const trained = await trainedTemplate();
    const script = (close: boolean) => `
      import { A, clustered, D, Fixture } from ${JSON.stringify(support)};
      import { startOnThread } from ${JSON.stringify(thread)};
      await startOnThread("entities", { texts: ["warm up"] }).settled();
      const path = ${JSON.stringify(join(dir, `exit-${close}.db`))};
      const f = new Fixture({ trainThreshold: 1000, retrainGrowth: 0, sharedScan: { extension: ${JSON.stringify(extension)} } }, path, true);
      await f.store.initialise(D);
      const hits = await f.store.searchExact("memories", A, clustered(21, 1, 40)[0], 10);
      ${close ? "f.store.close();" : ""}
      console.log(hits.length);
    `;
    for (const close of [true, false]) {
      trained.copyFileTo(join(dir, `exit-${close}.db`));
      assert.equal(outputOnceExited(script(close)), "10");
    }
  });

  it("find, for a search begun early, what a search finds when its result is asked for", async () => {
    const { f, path } = await trainedFile("early.db");
    const alone = new Fixture({ minProbeFraction: 1 }, path, true);
    for (const query of clustered(22, 10, 40)) {
      const pending = f.store.startSearch("memories", A, query, 10);
      // The caller's other work: the helper thread takes lists meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.deepEqual(await pending.result(), await alone.store.search("memories", A, query, 10));
      // Asked again, the search runs afresh.
      assert.deepEqual(await pending.result(), await alone.store.search("memories", A, query, 10));
    }
    f.store.close();
  });

  it("find what was written between the start of a search and its result", async () => {
    const { f, path } = await trainedFile("early-write.db");
    const alone = new Fixture({ minProbeFraction: 1 }, path, true);
    const query = clustered(23, 1, 40)[0] as Float32Array;
    const pending = f.store.startSearch("memories", A, query, 10);
    // The query itself, written after the search began: the nearest of all once it is there.
    const [written] = await f.add(A, [query]);
    const hits = await pending.result();
    assert.equal(hits[0]?.id, written);
    assert.deepEqual(hits, await alone.store.search("memories", A, query, 10));
    f.store.close();
  });

  it("call off a search begun early, and still answer it afresh if asked", async () => {
    const { f, path } = await trainedFile("early-cancel.db");
    const alone = new Fixture({ minProbeFraction: 1 }, path, true);
    const [query, next] = clustered(24, 2, 40) as [Float32Array, Float32Array];
    const pending = f.store.startSearch("memories", A, query, 10);
    pending.cancel();
    pending.cancel();
    assert.deepEqual(
      await f.store.search("memories", A, next, 10),
      await alone.store.search("memories", A, next, 10),
    );
    assert.deepEqual(await pending.result(), await alone.store.search("memories", A, query, 10));
    f.store.close();
  });

  it("let the process exit with a search begun early and never finished", async () => {
    const support = new URL("./vector-test-support.ts", import.meta.url).href;
    const thread = new URL("../../threads/helper-thread.ts", import.meta.url).href;
    // The child opens a copy of the trained file rather than training its own.
    const path = join(dir, "early-exit.db");
    (await trainedTemplate()).copyFileTo(path);
    const script = `
      import { A, clustered, D, Fixture } from ${JSON.stringify(support)};
      import { startOnThread } from ${JSON.stringify(thread)};
      await startOnThread("entities", { texts: ["warm up"] }).settled();
      const f = new Fixture({ trainThreshold: 1000, retrainGrowth: 0, minProbeFraction: 1, sharedScan: { extension: ${JSON.stringify(extension)} } }, ${JSON.stringify(path)}, true);
      await f.store.initialise(D);
      f.store.startSearch("memories", A, clustered(26, 1, 40)[0], 10);
      console.log("begun");
    `;
    assert.equal(outputOnceExited(script), "begun");
  });

  it("name a file by device, inode and birth time, and nothing in memory", () => {
    assert.equal(fileIdentity(":memory:"), null);
    assert.equal(fileIdentity(null), null);
    assert.equal(fileIdentity(join(dir, "absent.db")), null);
    assert.match(fileIdentity(dir) as string, /^\d+:\d+:\d+$/);
  });
});
