import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { ConflictError } from "../../core/errors.ts";
import type { Store } from "../store.ts";
import { suiteKit } from "../store-suite-kit.ts";
import { createPostgresStore } from "./postgres-store.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

/**
 * What the shared suite cannot express: two stores (two pools, as two servers have) on one schema,
 * racing for the same head, the same conversation, and waking each other's event watchers.
 */
describe("PostgreSQL: two servers on one database", postgresSkip(), () => {
  let server: TestPostgres;
  let a: Store;
  let b: Store;
  // Fixtures only: these tests open their stores themselves.
  const { event, seed: seedIn, child } = suiteKit(() => a);
  const seed = () => seedIn(a);

  before(async () => {
    server = await sharedTestPostgres();
    const schema = freshSchemaName();
    a = createPostgresStore({ url: server.url, schema });
    b = createPostgresStore({ url: server.url, schema });
    await Promise.all([a.ready(), b.ready()]);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await server?.stop();
  });

  it("of concurrent appends on one head, exactly one wins; the others are conflicts and leave nothing", async () => {
    const { agent, root } = await seed();
    const writes = Array.from({ length: 8 }, (_, i) => child(root, `v${i}`, i + 1));
    const results = await Promise.allSettled(
      writes.map(({ commit: c, blob }, i) =>
        (i % 2 === 0 ? a : b).history.append({
          agentId: agent.id,
          branch: "main",
          expectedHead: root.id,
          commit: c,
          blobs: [blob],
          event: event(agent.projectId, "blocks.committed", agent.id),
        }),
      ),
    );
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [writes[i]?.commit.id] : []));
    assert.equal(won.length, 1, "one append succeeds");
    for (const r of results) {
      if (r.status === "rejected") assert.ok(r.reason instanceof ConflictError, String(r.reason));
    }
    const log = await b.history.log(agent.id, (await a.history.getBranch(agent.id, "main"))?.head ?? "", {
      limit: 100,
    });
    assert.deepEqual(
      log.map((c) => c.id),
      [won[0], root.id],
    );
    const snapshot = await b.history.snapshot(agent.id);
    assert.deepEqual(
      snapshot.commits.map((c) => c.id),
      [root.id, won[0]],
    );
    assert.equal(snapshot.blobs.length, 2, "the losers' blobs were not kept");
    const committed = await a.events.list({ agentId: agent.id, kind: "blocks.committed", limit: 100 });
    assert.equal(committed.length, 1);
  });

  it("appends on different branches of one agent at once all land, each with its own place in the order", async () => {
    const { agent, root } = await seed();
    const branches = ["b0", "b1", "b2", "b3", "b4", "b5"];
    for (const name of branches) {
      await a.history.setBranch({
        agentId: agent.id,
        name,
        commitId: root.id,
        expectedHead: null,
        event: event(agent.projectId, "branch.created", agent.id),
      });
    }
    const writes = branches.map((name, i) => ({ name, ...child(root, name, i + 1) }));
    await Promise.all(
      writes.map(({ name, commit: c, blob }, i) =>
        (i % 2 === 0 ? a : b).history.append({
          agentId: agent.id,
          branch: name,
          expectedHead: root.id,
          commit: c,
          blobs: [blob],
          event: event(agent.projectId, "blocks.committed", agent.id),
        }),
      ),
    );
    const snapshot = await a.history.snapshot(agent.id);
    assert.equal(snapshot.commits[0]?.id, root.id);
    assert.deepEqual(
      snapshot.commits
        .slice(1)
        .map((c) => c.id)
        .sort(),
      writes.map((w) => w.commit.id).sort(),
    );
    for (const w of writes) assert.equal((await b.history.getBranch(agent.id, w.name))?.head, w.commit.id);
  });

  it("two owners racing for a conversation: one holds it, and both are told the same holder", async () => {
    const { agent } = await seed();
    for (let round = 0; round < 20; round++) {
      const conversation = `c${round}`;
      const ofA = { holder: `trn_a${round}`, owner: "eng_a", expiresMs: 10_000 };
      const ofB = { holder: `trn_b${round}`, owner: "eng_b", expiresMs: 10_000 };
      const [fromA, fromB] = await Promise.all([
        a.turnLeases.acquire(agent.id, conversation, ofA, 0),
        b.turnLeases.acquire(agent.id, conversation, ofB, 0),
      ]);
      assert.deepEqual(fromA, fromB, `round ${round}: both see one lease`);
      assert.ok([ofA.holder, ofB.holder].includes(fromA.holder));
    }
  });

  it("a watcher is woken by another server's writes, and again after its connection was cut", async () => {
    const { agent } = await seed();
    let wake: () => void = () => {};
    const woken = () =>
      new Promise<void>((resolve, reject) => {
        wake = resolve;
        setTimeout(() => reject(new Error("not woken within 5 s")), 5_000).unref();
      });
    const first = woken();
    const unwatch = a.events.watch(() => wake());
    try {
      await first; // woken once when it starts listening
      const second = woken();
      await b.agents.update({ ...agent, name: "renamed" }, event(agent.projectId, "agent.updated", agent.id));
      await second;

      // Cut the listening connection, as a server restart or a network failure would.
      const reopened = woken();
      assert.ok((await cutListeners(server.url)) >= 1, "a listening connection was found and cut");
      await reopened; // woken again once it listens again
      const third = woken();
      await b.agents.update({ ...agent, name: "again" }, event(agent.projectId, "agent.updated", agent.id));
      await third;
    } finally {
      unwatch();
    }
  });
});

/** Terminates every connection that listens for events (they name themselves `engram events`). */
async function cutListeners(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = 'engram events'",
    );
    return rows.filter((row) => row.cut === true).length;
  } finally {
    await client.end();
  }
}
