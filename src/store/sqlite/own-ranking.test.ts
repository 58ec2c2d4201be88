import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ftsTotals, rankOwnRows } from "./own-ranking.ts";
import { Statements } from "./statements.ts";

const WORDS = ["ada", "berlin", "lisbon", "work", "acme", "live", "partner", "curry", "sea", "lamp"];

describe("one user's rows ranked from their own terms", () => {
  it("score as FTS5's bm25() scores the same rows, with column weights", () => {
    fc.assert(
      fc.property(
        // Rows of two columns of words, some empty; a query of a few words; two column weights.
        fc.array(
          fc.tuple(
            fc.array(fc.constantFrom(...WORDS), { maxLength: 12 }),
            fc.array(fc.constantFrom(...WORDS), { maxLength: 4 }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        // Repeats allowed: a term given twice counts twice, in FTS5 as here.
        fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 5 }),
        fc.constantFrom([1, 0.5], [1, 1], [0.8, 0.2]),
        (rows, query, weights) => {
          const db = new DatabaseSync(":memory:");
          db.exec("CREATE VIRTUAL TABLE t_fts USING fts5(a, b, content = '', contentless_delete = 1)");
          const insert = db.prepare("INSERT INTO t_fts (rowid, a, b) VALUES (?, ?, ?)");
          rows.forEach(([a, b], i) => {
            insert.run(i + 1, a.join(" "), b.join(" "));
          });
          const expected = db
            .prepare(
              `SELECT rowid, -bm25(t_fts, ${weights.join(", ")}) AS score FROM t_fts
               WHERE t_fts MATCH ? ORDER BY score DESC, rowid`,
            )
            .all(`{a b} : (${query.map((q) => `"${q}"`).join(" OR ")})`) as {
            rowid: number;
            score: number;
          }[];
          const frequency = (term: string) =>
            rows.filter(([a, b]) => a.includes(term) || b.includes(term)).length;
          const actual = rankOwnRows(
            rows.map(([a, b], i) => ({ item: i + 1, columns: [a, b] })),
            query,
            weights,
            frequency,
            ftsTotals(new Statements(db), "t_fts"),
            1000,
          );
          db.close();
          // The same rows, each with FTS5's score; in FTS5's order but where scores tie to the last
          // bits (sums of the same terms in another order).
          const scores = new Map(expected.map((row) => [row.rowid, row.score]));
          assert.equal(actual.length, expected.length);
          actual.forEach((hit, i) => {
            assert.ok(Math.abs(hit.score - (scores.get(hit.item) ?? Number.NaN)) < 1e-9, `row ${hit.item}`);
            assert.ok(Math.abs(hit.score - (expected[i]?.score ?? Number.NaN)) < 1e-12, `place ${i}`);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads a table's totals from FTS5's own record, as bm25() does, and none from an empty table", () => {
    const db = new DatabaseSync(":memory:");
    db.exec("CREATE VIRTUAL TABLE t_fts USING fts5(a, b, content = '', contentless_delete = 1)");
    const s = new Statements(db);
    assert.deepEqual(ftsTotals(s, "t_fts"), { rows: 0, tokens: 0 });
    const insert = db.prepare("INSERT INTO t_fts (rowid, a, b) VALUES (?, ?, ?)");
    // Enough tokens that the counts take varints of several bytes.
    for (let i = 1; i <= 300; i++) insert.run(i, "w ".repeat(i), "x y");
    assert.deepEqual(ftsTotals(s, "t_fts"), { rows: 300, tokens: (300 * 301) / 2 + 2 * 300 });
    // A deleted row stays counted, as bm25() counts it (FTS5 keeps no per-row totals to take back).
    db.prepare("DELETE FROM t_fts WHERE rowid = ?").run(300);
    assert.deepEqual(ftsTotals(s, "t_fts"), { rows: 300, tokens: (300 * 301) / 2 + 2 * 300 });
    db.close();
  });
});
