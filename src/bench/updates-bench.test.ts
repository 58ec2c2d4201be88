import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { postgresSkip, sharedTestPostgres, type TestPostgres } from "../store/postgres/test-server.ts";
import { formatUpdatesBench, runUpdatesBench, updateTimelines } from "./updates-bench.ts";

describe("bench updates", () => {
  it("generates the same changing facts for a seed, each attribute with distinct consecutive values", () => {
    const a = updateTimelines(5, 3);
    assert.deepEqual(
      a.map((t) => t.facts.map((f) => f.text)),
      updateTimelines(5, 3).map((t) => t.facts.map((f) => f.text)),
    );
    assert.equal(a.length, 20);
    for (const t of a) {
      t.facts.forEach((f, i) => {
        if (i > 0) assert.ok(f.from > (t.facts[i - 1]?.from ?? 0) && f.text !== t.facts[i - 1]?.text);
      });
    }
  });

  it("finds current and past values with keyed facts, and catches the stale facts plain ones leave", async () => {
    const result = await runUpdatesBench({ users: 12, seed: 2 });
    // The target: entity-graph expansion may still lift a neighbour's fact above the answer.
    assert.ok(result.keyed.currentAccuracy >= 0.97, String(result.keyed.currentAccuracy));
    assert.equal(result.keyed.staleContextShare, 0);
    assert.ok(result.keyed.pastAccuracy >= 0.95, String(result.keyed.pastAccuracy));
    // Without keys every older value stays open: contexts hold stale facts. Search still answers
    // with the latest, which comes first of the facts it ranks alike.
    assert.ok(result.plain.staleContextShare > 0.5, String(result.plain.staleContextShare));
    assert.ok(result.plain.currentAccuracy >= 0.9, String(result.plain.currentAccuracy));
    assert.match(
      formatUpdatesBench(result),
      /current-value accuracy@1 +0\.9[7-9]\d|current-value accuracy@1 +1\.000/,
    );
  });
});

describe("bench updates on PostgreSQL", postgresSkip(), () => {
  let server: TestPostgres;
  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  it("answers with the latest of a user's plain facts, which the text ranks exactly alike", async () => {
    // One user's facts are ranked among that user's rows alone, each reading its postings apart:
    // summed in another order, equal matches differed in their last bit and the latest lost its tie.
    const result = await runUpdatesBench({ users: 50, seed: 1, database: server.url });
    assert.equal(result.store, "postgres");
    assert.equal(result.plain.currentAccuracy, 1);
    assert.equal(result.plain.pastAccuracy, 1);
    assert.equal(result.keyed.currentAccuracy, 1);
  });
});
