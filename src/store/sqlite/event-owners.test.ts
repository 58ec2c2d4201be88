import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import { EventOwners } from "./event-owners.ts";
import { migrate } from "./migrations.ts";
import { Statements } from "./statements.ts";

describe("event owners", () => {
  it("numbers an id once, and never reuses a number given in a write that rolled back", () => {
    const db = new DatabaseSync(":memory:");
    migrate(db);
    const s = new Statements(db);
    db.exec("BEGIN IMMEDIATE");
    const kept = new EventOwners(s).of("prj_kept");
    db.exec("COMMIT");

    db.exec("BEGIN IMMEDIATE");
    const rolledBack = new EventOwners(s);
    const lost = rolledBack.of("prj_lost");
    assert.equal(rolledBack.of("prj_lost"), lost);
    assert.equal(rolledBack.of("prj_kept"), kept);
    db.exec("ROLLBACK");

    db.exec("BEGIN IMMEDIATE");
    const owners = new EventOwners(s);
    // The freed number goes to the next new id; the rolled-back id gets a number of its own.
    assert.equal(owners.of("prj_next"), lost);
    const again = owners.of("prj_lost");
    assert.notEqual(again, lost);
    assert.equal(owners.ofNullable(null), null);
    db.exec("COMMIT");
    assert.deepEqual(
      db
        .prepare("SELECT n, id FROM event_owners ORDER BY n")
        .all()
        .map((row) => [row.n, row.id]),
      [
        [kept, "prj_kept"],
        [lost, "prj_next"],
        [again, "prj_lost"],
      ],
    );
  });
});
