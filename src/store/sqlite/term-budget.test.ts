import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import { Statements } from "./statements.ts";
import { TermBudget } from "./term-budget.ts";
import { withTwoEngines } from "./two-engines-test-support.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-term-budget-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("full-text term choice across processes on one file", () => {
  it("finds at once what another process wrote with a word this one had found nowhere", async () => {
    await withTwoEngines(join(dir, "two.db"), async (one, two) => {
      const agent = await one.agents.create({ name: "a" });
      await one.memories.add(agent.id, { text: "hello world" });
      await one.messages.append(agent.id, { role: "user", content: "hello there" });
      const texts = async (source: "memories" | "messages") =>
        (await one.search(agent.id, { query: "zebra", sources: [source] })).results.map((r) => r.text);
      // The word is nowhere yet: the first process looks and remembers that.
      assert.deepEqual(await texts("memories"), []);
      assert.deepEqual(await texts("messages"), []);

      await two.memories.add(agent.id, { text: "a zebra crossing" });
      await two.messages.append(agent.id, { role: "user", content: "I saw a zebra" });
      assert.deepEqual(await texts("memories"), ["a zebra crossing"]);
      // A turn's neighbours may follow it (conversation search): the one naming the word comes first.
      assert.equal((await texts("messages"))[0], "I saw a zebra");
    });
  });
});

describe("term counts", () => {
  it("stop at the budget, exact only when asked, and are looked up again after 2,000 rows or a tenth of the count", () => {
    const db = new DatabaseSync(":memory:");
    db.exec(
      `CREATE VIRTUAL TABLE t_fts USING fts5(terms, tokenize = "unicode61 tokenchars '_'");
       CREATE VIRTUAL TABLE t_vocab USING fts5vocab(t_fts, row);`,
    );
    const insert = db.prepare("INSERT INTO t_fts (rowid, terms) VALUES (?, ?)");
    db.exec("BEGIN");
    for (let i = 1; i <= 30_000; i++) insert.run(i, i <= 10 ? "k_common k_rare" : "k_common");
    db.exec("COMMIT");
    const looked: string[] = [];
    const s = new (class extends Statements {
      override get<T>(sql: string, ...params: Parameters<Statements["get"]>[1][]): T | undefined {
        if (sql.includes("MATCH")) looked.push(`count ${params[0]}`);
        if (sql.includes("t_vocab")) looked.push(`exact ${params[0]}`);
        return super.get<T>(sql, ...params);
      }
    })(db);
    const budget = new TermBudget(s, { rows: "t_fts", table: "t_fts", vocabulary: "t_vocab" }, 5_000);
    const counts = () => [...budget.frequencies("k", ["common", "rare"]).values()];
    // Counted up to the budget + 1; the exact count only on demand, for a term past the budget.
    assert.deepEqual(counts(), [5_001, 10]);
    assert.deepEqual(looked, ['count "k_common"', 'count "k_rare"']);
    looked.length = 0;
    assert.equal(budget.exactFrequency("k", "common"), 30_000);
    assert.equal(budget.exactFrequency("k", "rare"), 10);
    assert.deepEqual(looked, ["exact k_common"]);
    budget.noteWrites(2_500);
    looked.length = 0;
    counts();
    budget.exactFrequency("k", "common");
    // 2,500 writes on: every capped count is looked up again; the exact 30,000 may wait for 3,000.
    assert.deepEqual(looked, ['count "k_common"', 'count "k_rare"']);
    budget.noteWrites(1_000);
    looked.length = 0;
    // As a search asks: the counts (1,000 writes old: kept), then the exact count (3,500: due).
    counts();
    budget.exactFrequency("k", "common");
    assert.deepEqual(looked, ["exact k_common"]);
    db.close();
  });
});
