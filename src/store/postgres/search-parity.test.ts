import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FilterNode } from "../../core/filter/filter-ast.ts";
import { indexTerms } from "../../core/text.ts";
import type { Memory, Message } from "../../core/types.ts";
import { CONVERSATION_DEFAULTS } from "../../retrieval/conversation-ranker.ts";
import { CONTEXT_RADIUS, conversationKey, messageIndexer } from "../rows/message-fields.ts";
import { createSqliteStore } from "../sqlite/sqlite-store.ts";
import type {
  IndexedMessage,
  LexicalHit,
  MemoryFilter,
  MessageFilter,
  MessageWeights,
  Store,
} from "../store.ts";
import { POSTING_BUDGET } from "../term-choice.ts";
import { PgDatabase } from "./pg-database.ts";
import { createPostgresStore } from "./postgres-store.ts";
import { createCorpusAgent, memoryWrite, type SearchCorpus, searchCorpus } from "./search-fixture.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

/**
 * The same corpus written through the SQLite store and the PostgreSQL store, then the same queries
 * asked of both: the ranked ids must be the same and the scores equal (BM25 as FTS5 computes it).
 */

const at = (n: number) => new Date(Date.UTC(2026, 0, 2, 0, 0, n)).toISOString();

/** Writes the corpus, then changes it (texts, tags, archiving, deletes, re-indexed messages). */
async function writeCorpus(store: Store, corpus: SearchCorpus): Promise<void> {
  const { project, memories, messages } = corpus;
  for (let i = 0; i < memories.length; i += 100) await store.memories.insert(memories.slice(i, i + 100));
  let n = 10_000;
  for (const [i, { memory }] of memories.entries()) {
    let changed: Memory | null = null;
    if (i % 10 === 3) changed = { ...memory, text: `${memory.text} zenith zenith harbor`, version: 2 };
    else if (i % 10 === 5) changed = { ...memory, archivedAt: at(i), version: 2 };
    else if (i % 20 === 9) changed = { ...memory, tags: ["music", "travel music"], version: 2 };
    else if (i % 25 === 11) changed = { ...memory, importance: 0.01, version: 2 };
    let version = 1;
    if (changed !== null)
      await store.memories.update(memoryWrite(project, changed, "update", n++), version++);
    if (i % 20 === 15 && changed !== null) {
      const back = { ...changed, archivedAt: null, version: 3 };
      await store.memories.update(memoryWrite(project, back, "update", n++), version++);
    }
    if (i % 30 === 13) {
      const gone = memoryWrite(project, { ...memory, version: version + 1 }, "update", n++);
      await store.memories.delete(
        memory.agentId,
        memory.id,
        { ...gone.version, operation: "delete" },
        gone.event,
      );
    }
  }
  // Messages arrive in turns, indexed as engram indexes them; each turn re-indexes the last turns
  // before it of each conversation it adds to, whose `next` and `window` changed.
  const log = messages.map((m) => m.message);
  for (let i = 0; i < log.length; i += 50) {
    const index = messageIndexer(log.slice(0, i + 50));
    const turn = log.slice(i, i + 50).map((_, j) => index(i + j));
    const conversations = new Set(turn.map((m) => conversationKey(m.message)));
    const reindex: IndexedMessage[] = [];
    for (const key of conversations) {
      const earlier = log.flatMap((m, j) => (j < i && conversationKey(m) === key ? [j] : []));
      for (const j of earlier.slice(-CONTEXT_RADIUS)) reindex.push(index(j));
    }
    await store.messages.append(turn, reindex, []);
  }
}

/** Same length, scores equal within 1e-9 (relative), and the same ids wherever scores are not tied. */
function assertSameRanking(
  label: string,
  expected: LexicalHit<{ id: string }>[],
  actual: LexicalHit<{ id: string }>[],
  limit: number,
): void {
  assert.equal(actual.length, expected.length, `${label}: number of hits`);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  expected.forEach((hit, i) => {
    const score = actual[i]?.score as number;
    assert.ok(close(hit.score, score), `${label}: score ${i} is ${score}, SQLite's ${hit.score}`);
  });
  // Hits of equal score may come in any order; a group cut by the limit may differ in which it holds.
  const groups = (hits: LexicalHit<{ id: string }>[]) => {
    const out: string[][] = [];
    let last = Number.NaN;
    for (const hit of hits) {
      if (out.length > 0 && close(hit.score, last)) out.at(-1)?.push(hit.item.id);
      else out.push([hit.item.id]);
      last = hit.score;
    }
    return out.map((ids) => ids.sort());
  };
  const a = groups(expected);
  const b = groups(actual);
  if (expected.length === limit) {
    a.pop();
    b.pop();
  }
  assert.deepEqual(b.slice(0, a.length), a, `${label}: ranked ids`);
}

const condition = (path: string[], op: string, value: unknown): FilterNode =>
  ({ type: "condition", field: { kind: "metadata", path }, op, value }) as FilterNode;

describe("full-text search on PostgreSQL", postgresSkip(), () => {
  let server: TestPostgres;
  let sqlite: Store;
  let pg: Store;
  let raw: PgDatabase;
  const corpus = searchCorpus(7, 300);
  const { agent } = corpus;

  before(async () => {
    server = await sharedTestPostgres();
    const schema = freshSchemaName();
    pg = createPostgresStore({ url: server.url, schema });
    await pg.ready();
    raw = new PgDatabase({ url: server.url, schema });
    sqlite = createSqliteStore({ path: ":memory:", vectorExtension: false });
    await createCorpusAgent(sqlite, corpus.project, agent);
    await createCorpusAgent(pg, corpus.project, agent);
    await writeCorpus(sqlite, corpus);
    await writeCorpus(pg, corpus);
  });

  after(async () => {
    await sqlite?.close();
    await pg?.close();
    await raw?.close();
    await server?.stop();
  });

  const memoryQueries = [
    ...corpus.words.slice(0, 12),
    ...corpus.words.filter((_, i) => i % 7 === 3),
    "apple river",
    "apple apple river",
    "zenith harbor quantum",
    "music travel",
    "violin lantern meadow falcon glacier",
    "nothing-here xylophone",
  ];
  const memoryFilters: Omit<MemoryFilter, "agentId">[] = [
    {},
    { archived: "include" },
    { userId: "ada" },
    { userId: "ada", includeShared: false },
    // Few rows with the shared ones, ranked among them alone; and the shared ones alone.
    { userId: "cy" },
    { userId: "nobody" },
    { kinds: ["note"], tags: ["work"] },
    { filter: condition(["n"], "gt", 2) },
    {
      filter: {
        type: "or",
        children: [condition(["topic"], "eq", "apple"), condition(["labels"], "contains", "river")],
      },
    },
  ];

  it("ranks memories as SQLite does, with the same scores, under every filter", async () => {
    let compared = 0;
    for (const query of memoryQueries) {
      const terms = indexTerms(query);
      for (const extra of memoryFilters) {
        for (const limit of [5, 1000]) {
          const filter = { agentId: agent.id, ...extra };
          const expected = await sqlite.memories.searchText(filter, terms, limit);
          const actual = await pg.memories.searchText(filter, terms, limit);
          assertSameRanking(
            `memories "${query}" ${JSON.stringify(extra)} ${limit}`,
            expected.map((h) => ({ item: h.item, score: h.score })),
            actual,
            limit,
          );
          if (expected.length > 0) compared++;
          if (limit === 1000) {
            const byId = new Map(expected.map((h) => [h.item.id, h.item]));
            for (const hit of actual) assert.deepEqual(hit.item, byId.get(hit.item.id));
          }
        }
      }
    }
    // The comparison covered queries that found something, not only empty results.
    assert.ok(compared > 100, `only ${compared} queries found memories`);
  });

  it("ranks messages as SQLite does, under any column weights and filters", async () => {
    const weightings: MessageWeights[] = [
      CONVERSATION_DEFAULTS.weights,
      { text: 1, caption: 1, prev: 1, next: 1, window: 1, date: 1 },
      { text: 1, caption: 0, prev: 0, next: 0, window: 0, date: 0 },
      { text: 0, caption: 2, prev: 0.3, next: 0, window: 0.7, date: 0 },
    ];
    const filters: Omit<MessageFilter, "agentId">[] = [
      {},
      { sessionId: "s2" },
      { roles: ["user"], userId: "ada" },
      { filter: condition(["n"], "gte", 2) },
    ];
    let compared = 0;
    for (const query of [...memoryQueries, "friday", "apple january"]) {
      const terms = indexTerms(query);
      for (const weights of weightings) {
        for (const extra of filters) {
          for (const limit of [5, 1000]) {
            const filter = { agentId: agent.id, ...extra };
            const expected = await sqlite.messages.searchText(filter, { terms, weights }, limit);
            const actual = await pg.messages.searchText(filter, { terms, weights }, limit);
            assertSameRanking(
              `messages "${query}" ${JSON.stringify(weights)} ${JSON.stringify(extra)}`,
              expected,
              actual,
              limit,
            );
            if (expected.length > 0) compared++;
          }
        }
      }
    }
    assert.ok(compared > 200, `only ${compared} queries found messages`);
  });

  it("filters as SQLite does, metadata by JSON type", async () => {
    const m = condition;
    const b = (name: string, op: string, value: unknown): FilterNode =>
      ({ type: "condition", field: { kind: "builtin", name }, op, value }) as FilterNode;
    const filters: FilterNode[] = [
      m(["n"], "eq", 2),
      m(["n"], "eq", "2"),
      m(["vip"], "eq", true),
      m(["vip"], "eq", 1),
      m(["vip"], "ne", false),
      m(["n"], "in", [5, "2", null]),
      m(["n"], "nin", [1, 2]),
      m(["topic"], "gt", "m"),
      m(["topic"], "lte", "apple"),
      m(["n"], "gte", 3),
      m(["n"], "lt", 3),
      m(["topic"], "contains", "er"),
      m(["labels"], "contains", "river"),
      m(["labels"], "contains", "riv"),
      m(["flags"], "contains", 0),
      m(["flags"], "contains", "0"),
      m(["flags"], "contains", true),
      m(["flags"], "contains", null),
      m(["labels"], "exists", true),
      m(["topic"], "exists", false),
      m(["topic", "x"], "exists", true),
      m(["labels", "0"], "exists", true),
      m(["nested", "level"], "eq", "deep"),
      { type: "not", child: m(["topic"], "eq", "apple") },
      { type: "or", children: [b("kind", "eq", "note"), b("userId", "eq", "ada")] },
      b("userId", "eq", null),
      b("userId", "ne", "ada"),
      b("tags", "contains", "work"),
      b("tags", "in", ["music", "food"]),
      b("tags", "nin", ["music"]),
      b("tags", "ne", "travel"),
      b("tags", "exists", false),
      b("importance", "gt", 0.5),
      b("createdAt", "gte", "2026-01-01T00:02:00.000Z"),
      b("kind", "contains", "ot"),
      b("kind", "in", ["note", "x"]),
      b("validFrom", "exists", false),
    ];
    let matched = 0;
    for (const filter of filters) {
      const list = (store: Store) =>
        store.memories.list({ agentId: agent.id, archived: "include", filter }, { limit: 1000 });
      const expected = (await list(sqlite)).map((memory) => memory.id);
      assert.deepEqual(
        (await list(pg)).map((memory) => memory.id),
        expected,
        JSON.stringify(filter),
      );
      if (expected.length > 0) matched++;
    }
    assert.ok(matched >= filters.length - 5, `only ${matched} filters matched anything`);
  });

  it("reports the same document frequencies, speakers, next turns and lists", async () => {
    const terms = [...corpus.words.map((w) => indexTerms(w)[0] as string), "absent", "friday"];
    assert.deepEqual(
      await pg.messages.documentFrequencies(agent.id, terms),
      await sqlite.messages.documentFrequencies(agent.id, terms),
    );
    assert.deepEqual(await pg.messages.speakers(agent.id), await sqlite.messages.speakers(agent.id));
    const ids = ["msg_7_000000", "msg_7_000123", "msg_7_000299", "msg_missing"];
    assert.deepEqual(
      await pg.messages.following(agent.id, ids),
      await sqlite.messages.following(agent.id, ids),
    );
    for (const filter of memoryFilters) {
      const list = (store: Store) =>
        store.memories.list({ agentId: agent.id, ...filter }, { limit: 40, after: "mem_7_000250" });
      assert.deepEqual(await list(pg), await list(sqlite));
    }
    const messages = (store: Store) =>
      store.messages.list(
        { agentId: agent.id, filter: condition(["caption"], "exists", true) },
        { limit: 30, after: "msg_7_000040", newestFirst: true },
      );
    assert.deepEqual(await messages(pg), await messages(sqlite));
    assert.equal(await pg.memories.count(agent.id), await sqlite.memories.count(agent.id));
    assert.equal(await pg.messages.count(agent.id), 300);
    const some = ["mem_7_000003", "mem_7_000013", "mem_7_000015", "mem_none"];
    assert.deepEqual(
      await pg.memories.histories(agent.id, some),
      await sqlite.memories.histories(agent.id, some),
    );
    assert.deepEqual(
      await pg.memories.getMany(agent.id, some),
      await sqlite.memories.getMany(agent.id, some),
    );
  });

  it("keeps term frequencies equal to what the postings say, and archived memories out", async () => {
    const mismatches = await raw.all(
      `WITH counted AS (
         SELECT p.agent_id, p.term, COUNT(*) AS docs, COUNT(*) FILTER (WHERE p.text_tf > 0) AS text_docs
         FROM memory_postings p GROUP BY p.agent_id, p.term)
       SELECT * FROM counted c FULL JOIN memory_terms t USING (agent_id, term)
       WHERE c.docs IS DISTINCT FROM t.docs OR c.text_docs IS DISTINCT FROM t.text_docs`,
    );
    assert.deepEqual(mismatches, []);
    const stats = await raw.get<{ docs: number; tokens: number; active: number; length: number }>(
      `SELECT (SELECT SUM(docs) FROM search_stats WHERE agent_id = $1 AND space = 'memories') AS docs,
              (SELECT SUM(tokens) FROM search_stats WHERE agent_id = $1 AND space = 'memories') AS tokens,
              (SELECT COUNT(*) FROM memories WHERE agent_id = $1 AND archived_at IS NULL) AS active,
              (SELECT SUM(text_tf + tag_tf) FROM memory_postings WHERE agent_id = $1) AS length`,
      [agent.id],
    );
    // As in FTS5, the counts keep what was taken out of the index (updated, archived, deleted).
    assert.ok((stats?.docs ?? 0) > (stats?.active ?? 0), `${stats?.docs} documents, ${stats?.active} active`);
    assert.ok((stats?.tokens ?? 0) > (stats?.length ?? 0));
    const orphans = await raw.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM memory_postings p JOIN memories m ON m.rowid = p.doc WHERE m.archived_at IS NOT NULL`,
    );
    assert.equal(orphans?.n, 0);
  });

  it("ranks one agent by its own statistics: another agent's documents change nothing", async () => {
    const other = searchCorpus(8, 120);
    await createCorpusAgent(sqlite, other.project, other.agent);
    await createCorpusAgent(pg, other.project, other.agent);
    const terms = indexTerms("apple river zenith");
    const before = await pg.memories.searchText({ agentId: agent.id }, terms, 50);
    await writeCorpus(pg, other);
    const after = await pg.memories.searchText({ agentId: agent.id }, terms, 50);
    assertSameRanking("after another agent wrote", before, after, 50);
    const theirs = await pg.memories.searchText({ agentId: other.agent.id }, terms, 50);
    assert.ok(theirs.length > 0 && theirs.every((hit) => hit.item.agentId === other.agent.id));
  });

  it("ranks a user's messages as SQLite does when common words were left out agent-wide, under any column weights", async () => {
    // An agent whose every message says "apple": past the posting budget, so a search for one user
    // drops it agent-wide and ranks the user's own messages again with every word.
    const big = searchCorpus(9, 1);
    const log: Message[] = Array.from({ length: POSTING_BUDGET + 300 }, (_, i) => ({
      id: `msg_big_${String(i).padStart(5, "0")}`,
      agentId: big.agent.id,
      userId: i % 100 === 7 ? "ada" : `user-${i % 40}`,
      role: i % 2 === 0 ? "user" : "assistant",
      name: null,
      sessionId: null,
      content:
        i % 100 === 7
          ? `apple ${["banana", "cherry banana", "river"][i % 3]} ${i % 200 === 7 ? "apple" : "plum"}`
          : `apple ${i % 11 === 0 ? "banana" : "pear"} number ${i % 17}`,
      provenance: { messageIds: [], externalIds: [] },
      metadata: i % 9 === 0 ? { caption: "a banana on a plate" } : {},
      createdAt: at(i),
    }));
    const index = messageIndexer(log);
    // A SQLite file of its own: FTS5's row count and average length are the whole table's.
    const alone = createSqliteStore({ path: ":memory:", vectorExtension: false });
    for (const store of [alone, pg]) {
      await createCorpusAgent(store, big.project, big.agent);
      for (let i = 0; i < log.length; i += 1000)
        await store.messages.append(
          log.slice(i, i + 1000).map((_, j) => index(i + j)),
          [],
          [],
        );
    }
    const weightings: MessageWeights[] = [
      CONVERSATION_DEFAULTS.weights,
      { text: 1, caption: 0, prev: 0, next: 0, window: 0, date: 0 },
      { text: 1, caption: 0.5, prev: 0.3, next: 0, window: 0, date: 0 },
      { text: 0, caption: 2, prev: 0.3, next: 0, window: 0.7, date: 0 },
    ];
    let compared = 0;
    for (const query of ["apple banana", "apple cherry river", "apple plum", "banana"]) {
      const terms = indexTerms(query);
      for (const weights of weightings) {
        for (const extra of [{ userId: "ada" }, { userId: "ada", roles: ["user" as const] }]) {
          for (const limit of [5, 1000]) {
            const filter = { agentId: big.agent.id, ...extra };
            const expected = await alone.messages.searchText(filter, { terms, weights }, limit);
            const actual = await pg.messages.searchText(filter, { terms, weights }, limit);
            assertSameRanking(
              `"${query}" ${JSON.stringify(weights)} ${JSON.stringify(extra)}`,
              expected,
              actual,
              limit,
            );
            if (expected.length > 0) compared++;
          }
        }
      }
    }
    await alone.close();
    assert.ok(compared >= 30, `only ${compared} queries found messages`);
  });

  it("counts accesses at once, each id as often as it is given", async () => {
    await pg.memories.recordAccess(agent.id, ["mem_7_000001", "mem_7_000001", "mem_7_000002"], at(50));
    await pg.memories.recordAccess(agent.id, ["mem_7_000001"], at(40));
    const [one, two] = await pg.memories.getMany(agent.id, ["mem_7_000001", "mem_7_000002"]);
    assert.equal(one?.accessCount, 3);
    assert.equal(one?.lastAccessedAt, at(50));
    assert.equal(two?.accessCount, 1);
  });
});
