import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConflictError, NotFoundError } from "../../core/errors.ts";
import { indexTerms } from "../../core/text.ts";
import type { Memory } from "../../core/types.ts";
import type { Store } from "../store.ts";
import { POSTING_BUDGET } from "../term-choice.ts";
import { PgGraphStore } from "./graph-store.ts";
import { importMemories } from "./memory-store.ts";
import { importMessages } from "./message-store.ts";
import { PgDatabase } from "./pg-database.ts";
import { PgMemoryStore } from "./pg-memory-store.ts";
import { createPostgresStore } from "./postgres-store.ts";
import { createCorpusAgent, memoryWrite, searchCorpus } from "./search-fixture.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

/**
 * What PostgreSQL's memory and message writes promise beyond the shared suite: refusals that change
 * nothing, and statistics that stay right when several stores (servers) write one agent at once.
 */
describe("PostgreSQL memories and messages", postgresSkip(), () => {
  let server: TestPostgres;
  let schema: string;
  let raw: PgDatabase;
  const stores: Store[] = [];

  before(async () => {
    server = await sharedTestPostgres();
    schema = freshSchemaName();
    const first = createPostgresStore({ url: server.url, schema });
    await first.ready();
    stores.push(first, createPostgresStore({ url: server.url, schema }));
    raw = new PgDatabase({ url: server.url, schema });
  });

  after(async () => {
    for (const store of stores) await store.close();
    await raw?.close();
    await server?.stop();
  });

  const rows = async (table: string) =>
    (await raw.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? 0;

  it("refuses a stale update and a missing memory, writing nothing", async () => {
    const [store] = stores as [Store];
    const corpus = searchCorpus(21, 3);
    await createCorpusAgent(stores[0] as Store, corpus.project, corpus.agent);
    const [write] = corpus.memories;
    if (write === undefined) throw new Error("no memory");
    await store.memories.insert([write]);
    const events = await rows("events");
    const changed = { ...write.memory, text: "entirely new words", version: 2 };
    const update = memoryWrite(corpus.project, changed, "update", 100);
    await assert.rejects(store.memories.update(update, 7), ConflictError);
    const missing = memoryWrite(corpus.project, { ...changed, id: "mem_absent" }, "update", 101);
    await assert.rejects(store.memories.update(missing, 1), NotFoundError);
    await assert.rejects(
      store.memories.delete(corpus.agent.id, "mem_absent", missing.version, missing.event),
      NotFoundError,
    );
    assert.deepEqual(await store.memories.get(corpus.agent.id, write.memory.id), write.memory);
    assert.equal(await rows("events"), events);
    assert.deepEqual(
      await store.memories.searchText({ agentId: corpus.agent.id }, indexTerms("entirely"), 5),
      [],
    );
    await store.memories.update(update, 1);
    const found = await store.memories.searchText({ agentId: corpus.agent.id }, indexTerms("entirely"), 5);
    assert.deepEqual(
      found.map((hit) => hit.item.id),
      [write.memory.id],
    );
    assert.equal(await rows("events"), events + 1);
  });

  it("imports nothing when a memory or message id is taken", async () => {
    const corpus = searchCorpus(22, 4);
    await createCorpusAgent(stores[0] as Store, corpus.project, corpus.agent);
    const [store] = stores as [Store];
    await store.memories.insert(corpus.memories.slice(0, 1));
    await store.messages.append(corpus.messages.slice(0, 1), [], []);
    const before = {
      memories: await rows("memories"),
      messages: await rows("messages"),
      postings: await rows("memory_postings"),
    };
    const items = corpus.memories.map((w) => ({ memory: w.memory, versions: [w.version] }));
    await assert.rejects(
      raw.transaction((tx) => importMemories(tx, items.slice().reverse())),
      (error) =>
        error instanceof ConflictError && error.message.includes(corpus.memories[0]?.memory.id as string),
    );
    await assert.rejects(
      raw.transaction((tx) => importMessages(tx, corpus.messages)),
      ConflictError,
    );
    assert.deepEqual(
      {
        memories: await rows("memories"),
        messages: await rows("messages"),
        postings: await rows("memory_postings"),
      },
      before,
    );
    // The same import without the taken ids goes in, and is found.
    await raw.transaction(async (tx) => {
      await importMemories(tx, items.slice(1));
      await importMessages(tx, corpus.messages.slice(1));
    });
    assert.equal(await store.memories.count(corpus.agent.id), 4);
    assert.equal(await store.messages.count(corpus.agent.id), 4);
    const text = corpus.memories[3]?.memory.text as string;
    const hits = await store.memories.searchText({ agentId: corpus.agent.id }, indexTerms(text), 10);
    assert.ok(hits.some((hit) => hit.item.id === corpus.memories[3]?.memory.id));
  });

  it("leaves out terms in more documents than the posting budget, as SQLite does", async () => {
    const [store] = stores as [Store];
    const corpus = searchCorpus(24, 1);
    await createCorpusAgent(stores[0] as Store, corpus.project, corpus.agent);
    const base = corpus.memories[0]?.memory as Memory;
    const writes = Array.from({ length: POSTING_BUDGET + 1 }, (_, i) =>
      memoryWrite(
        corpus.project,
        { ...base, id: `mem_budget_${i}`, text: i < 3 ? "common rare" : "common" },
        "create",
        i,
      ),
    );
    await store.memories.insert(writes);
    const agentId = corpus.agent.id;
    const [common, rare] = indexTerms("common rare") as [string, string];
    assert.equal(await store.memories.tooCommonToRank(agentId, [common]), true);
    assert.equal(await store.memories.tooCommonToRank(agentId, [common, rare]), false);
    assert.equal(await store.memories.tooCommonToRank(agentId, ["absent"]), false);
    assert.deepEqual(await store.memories.searchText({ agentId }, [common], 10), []);
    // Only the rare term ranks: its three memories, with the score the rare term alone gives.
    const hits = await store.memories.searchText({ agentId }, [common, rare], 10);
    assert.deepEqual(hits.map((hit) => hit.item.id).sort(), ["mem_budget_0", "mem_budget_1", "mem_budget_2"]);
    assert.deepEqual(hits, await store.memories.searchText({ agentId }, [rare], 10));
  });

  it("writes gathered accesses within about a second, and the rest at close", async () => {
    const corpus = searchCorpus(29, 10);
    await createCorpusAgent(stores[0] as Store, corpus.project, corpus.agent);
    await (stores[0] as Store).memories.insert(corpus.memories);
    const id = corpus.memories[0]?.memory.id ?? "";
    const written = async () =>
      (
        await raw.get<{ n: number }>(
          "SELECT access_count AS n FROM memories WHERE agent_id = $1 AND id = $2",
          [corpus.agent.id, id],
        )
      )?.n;
    const third = createPostgresStore({ url: server.url, schema });
    try {
      await third.memories.recordAccess(corpus.agent.id, [id, id], "2026-02-01T00:00:00.000Z");
      assert.equal(await written(), 0, "a search writes nothing itself");
      assert.equal((await third.memories.get(corpus.agent.id, id))?.accessCount, 2, "seen here at once");
      await new Promise((resolve) => setTimeout(resolve, 1300));
      assert.equal(await written(), 2, "written within about a second");
      await third.memories.recordAccess(corpus.agent.id, [id], "2026-02-02T00:00:00.000Z");
    } finally {
      await third.close();
    }
    assert.equal(await written(), 3, "written at close");
  });

  it("keeps one agent's statistics right while two stores write it at once", async () => {
    const corpus = searchCorpus(23, 240);
    await createCorpusAgent(stores[0] as Store, corpus.project, corpus.agent);
    const agentId = corpus.agent.id;
    // Each store writes every other batch; all batches race.
    const batches = Array.from({ length: 24 }, (_, i) => corpus.memories.slice(i * 10, i * 10 + 10));
    await Promise.all(batches.map((batch, i) => (stores[i % 2] as Store).memories.insert(batch)));
    const turns = Array.from({ length: 12 }, (_, i) => corpus.messages.slice(i * 20, i * 20 + 20));
    await Promise.all(turns.map((turn, i) => (stores[i % 2] as Store).messages.append(turn, [], [])));
    const ids = corpus.memories.slice(0, 30).map((w) => w.memory.id);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (stores[i % 2] as Store).memories.recordAccess(
          agentId,
          i % 2 === 0 ? ids : ids.slice().reverse(),
          "2026-02-01T00:00:00.000Z",
        ),
      ),
    );
    // Each store overlays its own gathered accesses until it writes them; once both have, the
    // database holds every one of them.
    const seen = await (stores[0] as Store).memories.getMany(agentId, ids);
    assert.deepEqual(
      seen.map((m) => m.accessCount),
      ids.map(() => 5),
    );
    await Promise.all(stores.map((store) => (store.memories as PgMemoryStore).flushAccess()));
    const written = await raw.all<{ id: string; access_count: number }>(
      "SELECT id, access_count FROM memories WHERE agent_id = $1 AND id = ANY($2::text[]) ORDER BY id",
      [agentId, ids],
    );
    assert.deepEqual(
      written.map((row) => row.access_count),
      ids.map(() => 10),
    );
    const accessed = await (stores[0] as Store).memories.getMany(agentId, ids);
    assert.deepEqual(
      accessed.map((m) => m.accessCount),
      ids.map(() => 10),
    );
    for (const space of ["memory", "message"]) {
      const wrong = await raw.all(
        `WITH counted AS (
           SELECT agent_id, term, COUNT(*) AS docs, COUNT(*) FILTER (WHERE text_tf > 0) AS text_docs
           FROM ${space}_postings WHERE agent_id = $1 GROUP BY agent_id, term)
         SELECT * FROM counted c FULL JOIN (SELECT * FROM ${space}_terms WHERE agent_id = $1) t USING (agent_id, term)
         WHERE c.docs IS DISTINCT FROM t.docs OR c.text_docs IS DISTINCT FROM t.text_docs`,
        [agentId],
      );
      assert.deepEqual(wrong, [], space);
    }
    const stats = await raw.all<{ space: string; docs: number }>(
      "SELECT space, SUM(docs) AS docs FROM search_stats WHERE agent_id = $1 GROUP BY space ORDER BY space",
      [agentId],
    );
    assert.deepEqual(stats, [
      { space: "memories", docs: 240 },
      { space: "messages", docs: 240 },
    ]);
    // Deleting the agent takes its whole index with it.
    await (stores[1] as Store).agents.delete(agentId, {
      id: "evt_agent_gone_23",
      projectId: corpus.project.id,
      agentId,
      actor: "user",
      kind: "agent.deleted",
      targetType: "agent",
      targetId: agentId,
      before: null,
      after: null,
      createdAt: "2026-02-01T00:00:00.000Z",
    });
    for (const table of [
      "memory_postings",
      "message_postings",
      "memory_terms",
      "message_terms",
      "search_stats",
    ]) {
      const left = await raw.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE agent_id = $1`, [
        agentId,
      ]);
      assert.equal(left?.n, 0, table);
    }
  });
  it("takes a document's postings with it however it goes, its project's deletion included", async () => {
    const [store] = stores as [Store];
    const corpus = searchCorpus(25, 20);
    await createCorpusAgent(store, corpus.project, corpus.agent);
    await store.memories.insert(corpus.memories);
    await store.messages.append(corpus.messages, [], []);
    const agentId = corpus.agent.id;
    const postings = async (space: string) =>
      (
        await raw.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${space}_postings WHERE agent_id = $1`, [
          agentId,
        ])
      )?.n ?? 0;
    const orphans = async (space: string, table: string) =>
      (
        await raw.get<{ n: number }>(
          `SELECT COUNT(*) AS n FROM ${space}_postings p WHERE NOT EXISTS (SELECT 1 FROM ${table} d WHERE d.rowid = p.doc)`,
        )
      )?.n ?? 0;
    const first = corpus.memories[0]?.memory.id;
    const own = await raw.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM memory_postings p JOIN memories m ON m.rowid = p.doc WHERE m.id = $1",
      [first],
    );
    assert.ok((own?.n ?? 0) > 0);
    const before = await postings("memory");
    // A row deleted by a session with another search path (a hand-made clean-up, say).
    const elsewhere = new PgDatabase({ url: server.url });
    try {
      await elsewhere.run(`DELETE FROM ${schema}.memories WHERE id = $1`, [first]);
    } finally {
      await elsewhere.close();
    }
    assert.equal(await postings("memory"), before - (own?.n ?? 0));
    assert.ok((await postings("message")) > 0);
    await store.projects.delete(corpus.project.id, {
      id: "evt_project_gone_25",
      projectId: corpus.project.id,
      agentId: null,
      actor: "user",
      kind: "project.deleted",
      targetType: "project",
      targetId: corpus.project.id,
      before: null,
      after: null,
      createdAt: "2026-02-01T00:00:00.000Z",
    });
    assert.equal(await postings("memory"), 0);
    assert.equal(await postings("message"), 0);
    assert.equal(await orphans("memory", "memories"), 0);
    assert.equal(await orphans("message", "messages"), 0);
  });
  it("plans its ranking statement once per connection and reuses the plan, whatever the query", async () => {
    const corpus = searchCorpus(26, 300);
    await createCorpusAgent(stores[0] as Store, corpus.project, corpus.agent);
    await (stores[0] as Store).memories.insert(corpus.memories);
    // One connection, so that every search runs on the connection whose statements are read below.
    const one = new PgDatabase({ url: server.url, schema, max: 1 });
    try {
      // Statistics of the corpus as it is now: otherwise autovacuum may analyze a table at any
      // moment (under a loaded CI run, before or between the searches), with figures left by
      // earlier tests, and PostgreSQL costs the plans from whichever statistics it has.
      await one.run("ANALYZE memory_postings, memory_terms, search_stats, memories");
      const memories = new PgMemoryStore(one);
      for (let i = 0; i < 12; i++) {
        const words = corpus.words.slice(i % 5, (i % 5) + 1 + (i % 4));
        const hits = await memories.searchText({ agentId: corpus.agent.id }, indexTerms(words.join(" ")), 10);
        assert.ok(hits.length > 0, `search ${i} found nothing`);
      }
      const plans = await one.get<{ generic: number; custom: number }>(
        `SELECT generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements
         WHERE statement LIKE '%given AS%' AND statement NOT LIKE '%pg_prepared_statements%'`,
      );
      // PostgreSQL plans the first five runs for their values, then keeps the plan for any values
      // when it costs no more: the ranking statement must qualify, or each search pays ~0.3 ms more.
      assert.deepEqual(plans, { generic: 7, custom: 5 });
    } finally {
      await one.close();
    }
  });
  it("keeps one plan for each of the graph's reads of a search, whatever the keys", async () => {
    const corpus = searchCorpus(27, 1);
    await createCorpusAgent(stores[0] as Store, corpus.project, corpus.agent);
    const names = Array.from({ length: 40 }, (_, i) => `person${i}`);
    await (stores[0] as Store).graph.record(
      corpus.agent.id,
      names.map((name, i) => ({
        source: "memory" as const,
        id: `mem_${i}`,
        userId: null,
        at: `2026-01-01T00:00:${String(i).padStart(2, "0")}.000Z`,
        closedAt: null,
        entities: [name, names[(i + 1) % names.length] as string].map((key) => ({
          key,
          name: key,
          type: "person",
        })),
        relations: [{ source: name, target: names[(i + 1) % names.length] as string, type: "co_occurs" }],
      })),
    );
    const one = new PgDatabase({ url: server.url, schema, max: 1 });
    try {
      // The graph's own statistics, as for the ranking statement above.
      await one.run("ANALYZE graph_entities, graph_relations, graph_mentions");
      const graph = new PgGraphStore(one);
      for (let i = 0; i < 12; i++) {
        const keys = names.slice(i, i + 1 + (i % 5));
        assert.equal((await graph.findEntities(corpus.agent.id, [null], keys)).length, keys.length);
        assert.ok((await graph.relations(corpus.agent.id, [null, null], keys, 50)).length > 0);
        assert.ok((await graph.mentions(corpus.agent.id, [null], keys, 100)).length > 0);
        const walk = await graph.namedWithRelations(corpus.agent.id, [null], keys, {
          maxMentions: 9,
          limit: 50,
        });
        assert.ok(walk.relations.length > 0);
      }
      const plans = await one.all<{ statement: string; generic: number; custom: number }>(
        `SELECT statement, generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements
         WHERE statement LIKE '%FROM (SELECT DISTINCT unnest($2::text[])%'`,
      );
      assert.equal(plans.length, 4, JSON.stringify(plans));
      for (const plan of plans) assert.deepEqual([plan.generic, plan.custom], [7, 5], plan.statement);
    } finally {
      await one.close();
    }
  });
});
