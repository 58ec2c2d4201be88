import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createEngram, type Engram } from "../../engram.ts";
import { EVENT_ORDER_LOCK } from "./event-writer.ts";
import {
  advisoryLockWaiter,
  freshSchemaName,
  postgresSkip,
  sharedTestPostgres,
  type TestPostgres,
} from "./test-server.ts";

/**
 * The event log's order on PostgreSQL: a write's events take their `seq` only once it holds the
 * event-order lock, so a transaction that appends events can never commit a `seq` below one that a
 * reader following the log has already passed.
 */
describe("the PostgreSQL event log's order", postgresSkip(), () => {
  let server: TestPostgres;
  let admin: pg.Client;
  let engram: Engram;
  const schema = freshSchemaName();

  before(async () => {
    server = await sharedTestPostgres();
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    engram = createEngram({ database: `${server.url}?schema=${schema}`, embedder: null, env: {} });
    await engram.ready();
  });

  after(async () => {
    await engram?.close();
    await admin?.end();
    await server?.stop();
  });

  it("gives a write waiting for the lock a seq after every one taken while it waited", async () => {
    const agent = await engram.agents.create({ name: "a" });
    await admin.query("SELECT pg_advisory_lock($1)", [EVENT_ORDER_LOCK]);
    let taken: number;
    let write: Promise<unknown>;
    try {
      write = engram.memories.add(agent.id, { text: "written while the log was held" });
      await advisoryLockWaiter(admin);
      // Another writer, not waiting for the lock, takes a seq meanwhile.
      const { rows } = await admin.query<{ seq: string }>(
        `SELECT nextval(pg_get_serial_sequence('"${schema}".events', 'seq')) AS seq`,
      );
      taken = Number(rows[0]?.seq);
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [EVENT_ORDER_LOCK]);
    }
    await write;
    const { rows } = await admin.query<{ seq: string; kind: string }>(
      `SELECT seq, kind FROM "${schema}".events WHERE agent_id = $1 AND kind = 'memory.created'`,
      [agent.id],
    );
    assert.equal(rows.length, 1);
    assert.ok(Number(rows[0]?.seq) > taken, `the write's seq ${rows[0]?.seq} comes after ${taken}`);
  });
});
