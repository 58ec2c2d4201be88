import assert from "node:assert/strict";
import { it } from "node:test";
import type { GraphRecord } from "../core/graph-types.ts";
import type { Agent, Memory, Message, Project } from "../core/types.ts";
import type { IndexedMessage, Store } from "./store.ts";
import { type SuiteKit, suiteFixtures } from "./store-suite-jobs.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/** The agent's entities among `keys` (its own knowledge, no user) with their mention counts. */
async function mentionCounts(store: Store, agentId: string, keys: string[]): Promise<[string, number][]> {
  return (await store.graph.findEntities(agentId, [null], keys)).map((e) => [e.key, e.mentions]);
}

/** The entity graph written with memories and messages in one unit of work: all or nothing. */
export function graphWorkCases(kit: SuiteKit): void {
  const { id, at, event, withStore, seed } = kit;
  const { memory, write } = suiteFixtures(kit);
  const record = (itemId: string, source: "memory" | "message", names: string[]): GraphRecord => ({
    source,
    id: itemId,
    userId: null,
    at: at(1),
    closedAt: null,
    entities: names.map((name) => ({ key: name.toLowerCase(), name, type: "person" })),
    relations: [],
  });
  /** A record the store cannot write: an entity with no name breaks a NOT NULL column on every backend. */
  const broken = (itemId: string, source: "memory" | "message"): GraphRecord => {
    const bad = record(itemId, source, ["Ada"]);
    (bad.entities[0] as { name: unknown }).name = null;
    return bad;
  };
  /** Adds the deletion of a memory (at version 1) to a unit of work. */
  const deleteIn = (work: UnitOfWork, project: Project, agent: Agent, m: Memory) =>
    work.memories.delete(
      agent.id,
      m.id,
      { ...write(project, m, "update").version, operation: "delete", version: 2 },
      event(project.id, "memory.deleted", agent.id),
    );
  /** Deletes a memory (at version 1) and takes it out of the graph, in one unit of work. */
  const deleteWithGraph = async (store: Store, project: Project, agent: Agent, m: Memory) => {
    const gone = store.unitOfWork();
    deleteIn(gone, project, agent, m);
    gone.graph.record(agent.id, [record(m.id, "memory", [])]);
    await gone.commit();
  };
  const indexed = (agentId: string, text: string): IndexedMessage => {
    const message: Message = {
      id: id("msg"),
      agentId,
      userId: null,
      role: "user",
      name: null,
      sessionId: null,
      content: text,
      provenance: { messageIds: [], externalIds: [] },
      metadata: {},
      createdAt: at(1),
    };
    return { message, fields: { text, caption: "", prev: "", next: "", window: "", date: "" } };
  };

  it("graph with writes: a failing graph record leaves no memory or message behind", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const m = memory(agent, "Ada lives in Lisbon");
      const memoryWork = store.unitOfWork();
      memoryWork.memories.insert([write(project, m, "create")]);
      memoryWork.graph.record(agent.id, [broken(m.id, "memory")]);
      await assert.rejects(memoryWork.commit());
      assert.equal(await store.memories.get(agent.id, m.id), null);
      assert.equal(await store.memories.count(agent.id), 0);

      const item = indexed(agent.id, "Ada says hello");
      const messageWork = store.unitOfWork();
      messageWork.messages.append([item], [], [event(project.id, "message.appended", agent.id)]);
      messageWork.graph.record(agent.id, [broken(item.message.id, "message")]);
      await assert.rejects(messageWork.commit());
      assert.equal(await store.messages.count(agent.id), 0);
      assert.deepEqual(
        await store.events.list({ agentId: agent.id, kinds: ["message.appended"], limit: 5 }),
        [],
      );
    });
  });

  it("graph with writes: a failing memory write leaves no graph record behind; both land together", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const m = memory(agent, "Ada lives in Lisbon");
      await store.memories.insert([write(project, m, "create")]);
      // The same id again: the insert fails after the graph record before it in the unit was applied.
      const work = store.unitOfWork();
      work.graph.record(agent.id, [record(m.id, "memory", ["Ada", "Lisbon"])]);
      work.memories.insert([write(project, m, "create")]);
      await assert.rejects(work.commit());
      assert.deepEqual(await store.graph.dump(agent.id), { entities: [], relations: [], mentions: [] });

      const fresh = memory(agent, "Bea works at Acme");
      const item = indexed(agent.id, "Cleo met Bea");
      const ok = store.unitOfWork();
      ok.memories.insert([write(project, fresh, "create")]);
      ok.graph.record(agent.id, [record(fresh.id, "memory", ["Bea", "Acme"])]);
      ok.messages.append([item], [], [event(project.id, "message.appended", agent.id)]);
      ok.graph.record(agent.id, [record(item.message.id, "message", ["Cleo", "Bea"])]);
      await ok.commit();
      assert.equal((await store.memories.get(agent.id, fresh.id))?.text, "Bea works at Acme");
      assert.equal((await store.messages.get(agent.id, item.message.id))?.content, "Cleo met Bea");
      assert.deepEqual(await mentionCounts(store, agent.id, ["acme", "bea", "cleo"]), [
        ["acme", 1],
        ["bea", 2],
        ["cleo", 1],
      ]);

      // A deletion and the graph's forgetting of the memory go together too.
      await deleteWithGraph(store, project, agent, fresh);
      assert.equal(await store.memories.get(agent.id, fresh.id), null);
      assert.deepEqual(
        (await store.graph.mentions(agent.id, [null], ["acme", "bea"], 10)).map((x) => x.id),
        [item.message.id],
      );
    });
  });

  it("graph with writes: an item written and deleted in one unit is named by its id, not by the row it had", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const m = memory(agent, "Ada lives in Lisbon");
      const work = store.unitOfWork();
      work.memories.insert([write(project, m, "create")]);
      deleteIn(work, project, agent, m);
      work.graph.record(agent.id, [record(m.id, "memory", ["Ada"])]);
      await work.commit();
      // A later memory may take the deleted row's place: the mention must not become its.
      const later = memory(agent, "Bea lives in Porto");
      await store.memories.insert([write(project, later, "create")]);
      assert.deepEqual(
        (await store.graph.dump(agent.id)).mentions.map((x) => [x.key, x.id]),
        [["ada", m.id]],
      );
    });
  });

  it("graph with writes: a relation that loses a source is narrowed to what the others state, unless a model typed it", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const early = { ...memory(agent, "Ada met Bea in 2019"), validFrom: at(1), validTo: at(3) };
      const open = { ...memory(agent, "Ada and Bea work together"), validFrom: at(2) };
      await store.memories.insert([write(project, early, "create"), write(project, open, "create")]);
      const stated = (m: Memory): GraphRecord => ({
        ...record(m.id, "memory", ["Ada", "Bea"]),
        at: m.validFrom ?? m.createdAt,
        closedAt: m.validTo,
        relations: [
          { source: "ada", target: "bea", type: "co_occurs" },
          { source: "ada", target: "bea", type: "works_with", validFrom: at(0), validTo: at(5) },
        ],
      });
      await store.graph.record(agent.id, [stated(early), stated(open)]);
      const relations = async () =>
        (await store.graph.relations(agent.id, [null], ["ada"], 10))
          .map((r) => [r.type, r.weight, r.validFrom, r.validTo])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      assert.deepEqual(await relations(), [
        ["co_occurs", 2, at(1), null],
        ["works_with", 2, at(0), at(5)],
      ]);
      // The open source goes (its graph record first, as MemoryService orders them: on SQLite the
      // row's deletion drops its mentions): the rule's relation closes when the early one did; the
      // model's relation keeps the times the model read.
      const gone = store.unitOfWork();
      gone.graph.record(agent.id, [record(open.id, "memory", [])]);
      deleteIn(gone, project, agent, open);
      await gone.commit();
      assert.deepEqual(await relations(), [
        ["co_occurs", 1, at(1), at(3)],
        ["works_with", 1, at(0), at(5)],
      ]);
    });
  });

  it("graph with writes: mentions of stored items read newest first, ties by id, and through dump and replace; a deleted memory's mentions go, and a later memory is not taken for it", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const other = await seed(store);
      const named = (itemId: string, source: "memory" | "message", n: number, names: string[]) => ({
        ...record(itemId, source, names),
        at: at(n),
      });
      // Written in the reverse of their ids' order, so that a tie read by insertion order would show.
      const [first, second, third] = [memory(agent, "one"), memory(agent, "two"), memory(agent, "three")];
      const theirs = { ...memory(agent, "four"), userId: "u1" };
      const item = indexed(agent.id, "Ada and Cleo");
      const work = store.unitOfWork();
      for (const m of [theirs, third, second, first]) work.memories.insert([write(project, m, "create")]);
      work.messages.append([item], [], [event(project.id, "message.appended", agent.id)]);
      work.graph.record(agent.id, [
        named(first.id, "memory", 1, ["Ada", "Bea"]),
        named(second.id, "memory", 2, ["Ada"]),
        named(third.id, "memory", 2, ["Ada"]),
        named(item.message.id, "message", 2, ["Ada", "Cleo"]),
        { ...named(theirs.id, "memory", 9, ["Ada"]), userId: "u1" },
      ]);
      await work.commit();
      const newest = [second.id, third.id, item.message.id].sort();
      const ids = async (keys: string[], limit: number) =>
        (await store.graph.mentions(agent.id, [null], keys, limit)).map((m) => m.id);
      assert.deepEqual(await ids(["ada"], 10), [...newest, first.id]);
      assert.deepEqual(await ids(["ada"], 2), newest.slice(0, 2), "a limit inside a tie keeps the id order");
      assert.deepEqual(
        (await store.graph.mentions(agent.id, [null], ["cleo"], 10)).map((m) => [m.source, m.at]),
        [["message", at(2)]],
      );
      // The user's memory naming Ada is in that user's graph only, and in no other agent's.
      assert.deepEqual(
        (await store.graph.mentions(agent.id, ["u1"], ["ada"], 10)).map((m) => [m.id, m.userId]),
        [[theirs.id, "u1"]],
      );
      assert.deepEqual(await store.graph.mentions(other.agent.id, [null, "u1"], ["ada"], 10), []);
      const graph = await store.graph.dump(agent.id);
      await store.graph.replace(other.agent.id, graph);
      assert.deepEqual(await store.graph.dump(other.agent.id), graph);

      // The newest row goes: on a backend that reuses the largest row number, the next memory takes it.
      await deleteWithGraph(store, project, agent, first);
      const counts = () => mentionCounts(store, agent.id, ["ada", "bea", "dan"]);
      assert.deepEqual(await ids(["ada", "bea"], 10), newest);
      // Bea, named by nothing now, goes.
      assert.deepEqual(await counts(), [["ada", 3]]);
      const later = memory(agent, "four");

      const next = store.unitOfWork();
      next.memories.insert([write(project, later, "create")]);
      next.graph.record(agent.id, [named(later.id, "memory", 3, ["Dan"])]);
      await next.commit();
      assert.deepEqual(await ids(["ada", "bea", "dan"], 10), [later.id, ...newest]);
      assert.deepEqual(await counts(), [
        ["ada", 3],
        ["dan", 1],
      ]);
    });
  });
}
