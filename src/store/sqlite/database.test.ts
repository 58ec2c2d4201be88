import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { inWriteTransaction, openDatabase, WAL_CHECKPOINT_PAGES } from "./database.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-db-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("inWriteTransaction", () => {
  it("waits for another connection's write lock without blocking the event loop, then commits", async () => {
    const path = join(dir, "lock.db");
    const a = openDatabase(path, { vectorExtension: false }).db;
    const b = openDatabase(path, { vectorExtension: false }).db;
    try {
      a.exec("CREATE TABLE t (x INTEGER)");
      a.exec("BEGIN IMMEDIATE");
      a.exec("INSERT INTO t VALUES (1)");
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      setTimeout(() => a.exec("COMMIT"), 100);
      const started = Date.now();
      const count = await inWriteTransaction(b, () => {
        b.exec("INSERT INTO t VALUES (2)");
        return (b.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n;
      });
      clearInterval(ticker);
      assert.equal(count, 2, "it saw the other connection's committed row");
      assert.ok(Date.now() - started >= 90, "it waited for the lock");
      assert.ok(ticks >= 5, `the event loop kept running while it waited (${ticks} ticks)`);
      assert.equal(b.isTransaction, false);
    } finally {
      a.close();
      b.close();
    }
  });

  it("rolls back when the work throws, and joins a transaction already open", async () => {
    const db = openDatabase(":memory:", { vectorExtension: false }).db;
    db.exec("CREATE TABLE t (x INTEGER)");
    await assert.rejects(
      inWriteTransaction(db, () => {
        db.exec("INSERT INTO t VALUES (1)");
        throw new Error("no");
      }),
      /no/,
    );
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n, 0);
    db.exec("BEGIN");
    await inWriteTransaction(db, () => db.exec("INSERT INTO t VALUES (2)"));
    assert.equal(db.isTransaction, true, "the outer transaction is still open");
    db.exec("ROLLBACK");
    db.close();
  });
});

describe("the write-ahead log", () => {
  it("is copied into the file once it holds the checkpoint's pages, so it stays near that size", () => {
    const path = join(dir, "wal.db");
    const { db } = openDatabase(path, { vectorExtension: false });
    try {
      db.exec("CREATE TABLE t (x BLOB)");
      // Three checkpoints' worth of pages, in commits of a quarter each.
      const page = 4096;
      const perCommit = WAL_CHECKPOINT_PAGES / 4;
      const insert = db.prepare("INSERT INTO t VALUES (zeroblob(?))");
      for (let i = 0; i < 12; i++) {
        db.exec("BEGIN");
        for (let j = 0; j < perCommit / 4; j++) insert.run(4 * page - 100);
        db.exec("COMMIT");
      }
      const wal = statSync(`${path}-wal`).size / page;
      // The log is reused after each checkpoint: never much more than the threshold and one commit.
      assert.ok(wal < WAL_CHECKPOINT_PAGES + 2 * perCommit, `${wal} pages of log`);
      assert.ok(wal > WAL_CHECKPOINT_PAGES / 2, `${wal} pages of log: the threshold is the one set`);
      const total = (db.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n;
      assert.equal(total, 12 * (perCommit / 4));
    } finally {
      db.close();
    }
  });
});
