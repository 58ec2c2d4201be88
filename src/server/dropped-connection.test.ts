import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createEngram, type Engram } from "../engram.ts";
import { EVENT_ORDER_LOCK } from "../store/postgres/event-writer.ts";
import {
  advisoryLockWaiter,
  freshSchemaName,
  postgresSkip,
  sharedTestPostgres,
  type TestPostgres,
} from "../store/postgres/test-server.ts";
import { testApp } from "./test-support.ts";

/**
 * The server over PostgreSQL when the database drops its connections (a restart, a failover, an
 * administrator's `pg_terminate_backend`): the request that was using one fails with a clear error
 * and leaves nothing half-written; the pool opens new connections and the server serves on.
 */
describe("a PostgreSQL connection dropped mid-request", postgresSkip(), () => {
  let server: TestPostgres;
  let admin: pg.Client;
  const engrams: Engram[] = [];

  before(async () => {
    server = await sharedTestPostgres();
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
  });

  after(async () => {
    for (const engram of engrams) await engram.close();
    await admin?.end();
    await server?.stop();
  });

  function api() {
    const engram = createEngram({
      database: `${server.url}?schema=${freshSchemaName()}`,
      embedder: null,
      env: {},
    });
    engrams.push(engram);
    return testApp({ engram });
  }

  it("fails that request with a clear error, writes none of it, and serves the next ones", async () => {
    const { post, agent, state, internalErrors } = api();
    const { id } = await agent();
    assert.equal((await post(`/v1/agents/${id}/memories`, { text: "the first memory stays" })).status, 201);
    const before = await state(id);

    // Every write takes this lock just before its events, after its rows and postings: holding it
    // stops the next insert midway through its transaction, where its connection is then cut.
    await admin.query("SELECT pg_advisory_lock($1)", [EVENT_ORDER_LOCK]);
    let cut: Awaited<ReturnType<typeof post>>;
    try {
      const pending = post(`/v1/agents/${id}/memories`, { text: "a zebra cut off midway" });
      const pid = await advisoryLockWaiter(admin);
      assert.equal((await admin.query("SELECT pg_terminate_backend($1) AS done", [pid])).rows[0].done, true);
      cut = await pending;
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [EVENT_ORDER_LOCK]);
    }
    assert.equal(cut.status, 503, JSON.stringify(cut.body));
    assert.equal(cut.body.error.code, "unavailable");
    assert.match(
      cut.body.error.message,
      /^PostgreSQL at postgres:\/\/engram@127\.0\.0\.1:\d+\/.*: terminating connection/,
    );
    // Reported to the operator as a server-side failure (5xx), not as an unexpected one.
    assert.deepEqual(
      internalErrors.map((error) => (error as { code?: string }).code),
      ["unavailable"],
    );

    // Nothing of it was kept: no memory, version, event or posting.
    assert.deepEqual(await state(id), before);
    const zebra = await post(`/v1/agents/${id}/memories/search`, { query: "zebra" });
    assert.equal(zebra.status, 200);
    assert.deepEqual(zebra.body.results, []);

    // The pool opened a new connection: writes and searches work again.
    const again = await post(`/v1/agents/${id}/memories`, { text: "a zebra written after the cut" });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const found = await post(`/v1/agents/${id}/memories/search`, { query: "zebra" });
    assert.deepEqual(
      found.body.results.map((r: { memory?: { id: string } }) => r.memory?.id),
      [again.body.memory.id],
    );
  });

  it("answers reads after every connection it had open was cut", async () => {
    const { post, get, agent } = api();
    const { id } = await agent();
    assert.equal((await post(`/v1/agents/${id}/memories`, { text: "still readable" })).status, 201);
    const { rows } = await admin.query<{ done: boolean }>(
      "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = 'engram'",
    );
    assert.ok(rows.length >= 1 && rows.every((row) => row.done));
    const listed = await get(`/v1/agents/${id}/memories`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(
      listed.body.items.map((m: { text: string }) => m.text),
      ["still readable"],
    );
  });
});
