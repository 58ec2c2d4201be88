import assert from "node:assert/strict";
import { it } from "node:test";
import type { Agent, Memory, Message, Project } from "../core/types.ts";
import { cosineDistance } from "./cosine-distance.ts";
import type { Store, VectorStore } from "./store.ts";
import { type SuiteKit, suiteFixtures } from "./store-suite-jobs.ts";

const D = 8;

/** A deterministic vector per number, spread in every direction. */
const vectorOf = (n: number, dimensions = D) =>
  Float32Array.from({ length: dimensions }, (_, j) => Math.sin(n * 7.3 + j * 3.1) + 0.1 * Math.cos(n + j));

/**
 * Vector storage: part of `runStoreSuite`, on stores that have vectors (`capabilities.vectors`
 * once `ready()`); skipped on the others.
 */
export function vectorStoreCases(kit: SuiteKit): void {
  const { id, at, event, withStore, seed } = kit;
  const { memory, write } = suiteFixtures(kit);

  /** Runs `fn` on a store with vectors, or skips the case. */
  const withVectors = (
    t: { skip(message: string): void },
    fn: (store: Store, vectors: VectorStore) => Promise<void>,
  ) =>
    withStore(async (store) => {
      await store.ready();
      if (store.vectors === null) return t.skip(`no vectors on this store (${store.warnings.join("; ")})`);
      assert.equal(store.capabilities.vectors, true);
      await fn(store, store.vectors);
    });

  /** An agent with `count` memories, each embedded as `vectorOf(offset + i)`. */
  async function embedded(store: Store, vectors: VectorStore, count: number, offset: number) {
    const { project, agent } = await seed(store);
    const memories = Array.from({ length: count }, (_, i) => memory(agent, `memory ${offset + i}`));
    await store.memories.insert(memories.map((m) => write(project, m, "create")));
    await vectors.upsert(
      "memories",
      agent.id,
      memories.map((m, i) => ({ id: m.id, vector: vectorOf(offset + i) })),
    );
    const byId = new Map(memories.map((m, i) => [m.id, vectorOf(offset + i)]));
    const exact = (query: Float32Array, k: number) =>
      [...byId]
        .map(([memoryId, v]) => ({ id: memoryId, distance: cosineDistance(query, v) }))
        .sort((x, y) => x.distance - y.distance)
        .slice(0, k);
    return { project, agent, memories, byId, exact };
  }

  it("vectors: stores an agent's vectors and finds its nearest, never another agent's", async (t) => {
    await withVectors(t, async (store, vectors) => {
      assert.equal(await vectors.dimensions(), null);
      await vectors.initialise(D);
      assert.equal(await vectors.dimensions(), D);
      const a = await embedded(store, vectors, 24, 0);
      const b = await embedded(store, vectors, 6, 100);
      assert.deepEqual(await vectors.missing("memories", a.agent.id, 100), []);
      for (const n of [3, 50, 7.5]) {
        const query = vectorOf(n);
        const found = await vectors.search("memories", a.agent.id, query, 5);
        const exact = a.exact(query, 5);
        assert.deepEqual(
          found.map((h) => h.id),
          exact.map((h) => h.id),
        );
        found.forEach((h, i) => {
          assert.ok(Math.abs(h.distance - (exact[i]?.distance as number)) < 1e-5, `distance of hit ${i}`);
        });
      }
      // The nearest of all vectors is A's, but B's search sees only B's.
      const hits = await vectors.search("memories", b.agent.id, vectorOf(3), 10);
      assert.deepEqual(hits.map((h) => h.id).sort(), [...b.byId.keys()].sort());
      // The last vector given for an item wins.
      const first = a.memories[0] as Memory;
      await vectors.upsert("memories", a.agent.id, [
        { id: first.id, vector: vectorOf(999) },
        { id: first.id, vector: vectorOf(500) },
      ]);
      assert.equal((await vectors.search("memories", a.agent.id, vectorOf(500), 1))[0]?.id, first.id);
      await assert.rejects(
        vectors.initialise(D * 2),
        /8-dimension vectors, but the embedding model gives 16/,
      );
      await vectors.initialise(D);
      await vectors.optimise("memories", a.agent.id);
      const report = await vectors.describeIndex("memories", a.agent.id);
      assert.equal(typeof report.method, "string");
      assert.ok(report.summary.length > 0, "the report says something to people");
    });
  });

  it("vectors: a changed or deleted item loses its vector; remove and reset drop them", async (t) => {
    await withVectors(t, async (store, vectors) => {
      await vectors.initialise(D);
      const a = await embedded(store, vectors, 6, 0);
      const [renamed, rated, deleted, removed] = a.memories as [Memory, Memory, Memory, Memory];
      const update = (m: Memory, fields: Partial<Memory>) => {
        const next = { ...m, ...fields, version: 2, updatedAt: at(5) };
        return store.memories.update(write(a.project, next, "update"), 1);
      };
      await update(renamed, { text: "another text" });
      await update(rated, { importance: 0.9 });
      await store.memories.delete(
        a.agent.id,
        deleted.id,
        {
          memoryId: deleted.id,
          version: 2,
          operation: "delete",
          actor: "user",
          memory: deleted,
          createdAt: at(6),
        },
        { ...event(a.project.id, "memory.deleted", a.agent.id), targetId: deleted.id },
      );
      await vectors.remove("memories", [removed.id]);
      assert.deepEqual(await vectors.missing("memories", a.agent.id, 10), [renamed.id, removed.id]);
      const ids = (await vectors.search("memories", a.agent.id, vectorOf(0), 10)).map((h) => h.id);
      assert.deepEqual(
        ids.sort(),
        a.memories
          .slice(4)
          .concat(rated)
          .map((m) => m.id)
          .sort(),
      );

      const messages = await conversation(store, a.project, a.agent);
      await vectors.upsert(
        "messages",
        a.agent.id,
        messages.map((m, i) => ({ id: m.id, vector: vectorOf(i) })),
      );
      assert.deepEqual(
        (await vectors.search("messages", a.agent.id, vectorOf(1), 1)).map((h) => h.id),
        [messages[1]?.id],
      );

      await vectors.reset();
      assert.equal(await vectors.dimensions(), null);
      assert.equal((await vectors.missing("memories", a.agent.id, 10)).length, 5);
      await vectors.initialise(4);
      assert.equal(await vectors.dimensions(), 4);
      assert.deepEqual(await vectors.search("messages", a.agent.id, vectorOf(1, 4), 3), []);
    });
  });

  it("vectors: a unit of work stores items with their vectors, or neither", async (t) => {
    await withVectors(t, async (store, vectors) => {
      await vectors.initialise(D);
      const { project, agent } = await seed(store);
      const [first, second, third] = ["alpha", "beta", "gamma"].map((text) => memory(agent, text)) as [
        Memory,
        Memory,
        Memory,
      ];
      const work = store.unitOfWork();
      work.memories.insert([write(project, first, "create"), write(project, second, "create")]);
      work.vectors.upsert("memories", agent.id, [
        { id: first.id, vector: vectorOf(1) },
        { id: second.id, vector: vectorOf(2) },
      ]);
      await work.commit();
      assert.deepEqual(await vectors.missing("memories", agent.id, 10), []);
      assert.equal((await vectors.search("memories", agent.id, vectorOf(2), 1))[0]?.id, second.id);

      // A unit that fails writes neither its memory nor its vector.
      const failing = store.unitOfWork();
      failing.memories.insert([write(project, third, "create")]);
      failing.vectors.upsert("memories", agent.id, [{ id: third.id, vector: vectorOf(3) }]);
      failing.memories.update(write(project, { ...first, version: 2, text: "changed" }, "update"), 7);
      await assert.rejects(failing.commit(), /version/);
      assert.equal(await store.memories.get(agent.id, third.id), null);
      const all = await vectors.search("memories", agent.id, vectorOf(3), 10);
      assert.deepEqual(all.map((h) => h.id).sort(), [first.id, second.id].sort());

      // A stored item's vector is replaced, not added to; another agent's item is skipped.
      const other = await seed(store);
      const stranger = memory(other.agent, "delta");
      await store.memories.insert([write(other.project, stranger, "create")]);
      const replacing = store.unitOfWork();
      replacing.vectors.upsert("memories", agent.id, [
        { id: first.id, vector: vectorOf(500) },
        { id: stranger.id, vector: vectorOf(500) },
      ]);
      await replacing.commit();
      const near = await vectors.search("memories", agent.id, vectorOf(500), 10);
      assert.deepEqual(
        near.map((h) => h.id),
        [first.id, second.id],
      );
      assert.deepEqual(await vectors.missing("memories", other.agent.id, 10), [stranger.id]);
    });
  });

  async function conversation(store: Store, project: Project, agent: Agent): Promise<Message[]> {
    const messages: Message[] = ["hello", "hi there", "bye"].map((content, i) => ({
      id: id("msg"),
      agentId: agent.id,
      userId: null,
      role: i % 2 === 0 ? "user" : "assistant",
      name: null,
      sessionId: null,
      content,
      provenance: { messageIds: [], externalIds: [] },
      metadata: {},
      createdAt: at(10 + i),
    }));
    await store.messages.append(
      messages.map((message) => ({
        message,
        fields: { text: message.content, caption: "", prev: "", next: "", window: "", date: "" },
      })),
      [],
      [event(project.id, "messages.appended", agent.id)],
    );
    return messages;
  }
}
