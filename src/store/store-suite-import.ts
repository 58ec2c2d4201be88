import assert from "node:assert/strict";
import { it } from "node:test";
import { ConflictError } from "../core/errors.ts";
import { indexTerms } from "../core/text.ts";
import type { Agent, Commit, Episode, Insight, Memory, MemoryVersion, Message } from "../core/types.ts";
import { type AgentImport, importAgent } from "./import-agent.ts";
import type { IndexedMessage, MessageWeights } from "./store.ts";
import type { SuiteKit } from "./store-suite-jobs.ts";

const ONLY_PREV: MessageWeights = { text: 0, caption: 0, prev: 1, next: 0, window: 0, date: 0 };

/** `importAgent` and `histories`: part of `runStoreSuite`. */
export function importStoreCases(kit: SuiteKit): void {
  const { id, at, event, withStore, seed } = kit;

  const memory = (agentId: string, text: string, fields: Partial<Memory> = {}): Memory => ({
    id: id("mem"),
    agentId,
    userId: "ada",
    kind: "fact",
    text,
    tags: ["t"],
    importance: 0.5,
    validFrom: null,
    validTo: null,
    key: null,
    provenance: { messageIds: [], externalIds: [] },
    metadata: {},
    version: 1,
    accessCount: 4,
    lastAccessedAt: at(3),
    archivedAt: null,
    createdAt: at(1),
    updatedAt: at(1),
    ...fields,
  });
  const version = (m: Memory, operation: MemoryVersion["operation"] = "create"): MemoryVersion => ({
    memoryId: m.id,
    version: m.version,
    operation,
    actor: "user",
    memory: m,
    createdAt: m.updatedAt,
  });
  const message = (agentId: string, content: string): Message => ({
    id: id("msg"),
    agentId,
    userId: "ada",
    role: "user",
    name: null,
    sessionId: null,
    content,
    provenance: { messageIds: [], externalIds: [] },
    metadata: { turnId: "trn_x" },
    createdAt: at(2),
  });
  const indexed = (m: Message, prev: string): IndexedMessage => ({
    message: m,
    fields: { text: m.content, caption: "", prev, next: "", window: "", date: "" },
  });

  /** An agent B beside the seeded one, with a little of everything. */
  function agentImport(project: string, root: Commit, blob: { hash: string; value: string }) {
    const agent: Agent = {
      id: id("agt"),
      projectId: project,
      name: "imported",
      model: null,
      instructions: "",
      metadata: {},
      defaultBranch: "main",
      createdAt: at(0),
      updatedAt: at(0),
    };
    const first = memory(agent.id, "the comet returns in spring");
    const current = { ...first, text: "the comet returns in early spring", version: 2, updatedAt: at(2) };
    const archived = memory(agent.id, "the old observatory closed", { archivedAt: at(4) });
    const messages = [message(agent.id, "where is the comet"), message(agent.id, "low in the west")];
    const episode: Episode = {
      id: id("epi"),
      agentId: agent.id,
      task: "track the comet",
      status: "finished",
      steps: [0, 1].map((index) => ({
        index,
        observation: `o${index}`,
        availableActions: ["a", "b"],
        action: "a",
        reward: index,
        createdAt: at(2),
      })),
      finalObservation: "done",
      totalReward: 1,
      success: true,
      metadata: {},
      createdAt: at(2),
      finishedAt: at(3),
    };
    const insight: Insight = {
      id: id("ins"),
      agentId: agent.id,
      text: "look west",
      count: 3,
      createdAt: at(3),
      updatedAt: at(3),
    };
    let read = 0;
    const data: AgentImport = {
      agent,
      history: { commits: [root], blobs: [blob], branches: [{ name: "main", head: root.id }] },
      memories: [
        { memory: current, versions: [version(first), version(current, "update")] },
        { memory: archived, versions: [version(archived)] },
      ],
      // Computed as it is read, as an import of a long conversation does.
      messages: {
        *[Symbol.iterator]() {
          for (const [i, m] of messages.entries()) {
            read++;
            yield indexed(m, messages[i - 1]?.content ?? "");
          }
        },
      },
      episodes: [episode],
      experience: {
        version: 7,
        records: [
          {
            id: id("exp"),
            agentId: agent.id,
            task: "track the comet",
            observation: "o0",
            actions: [{ action: "a", q: 0.5, meanReward: 0.5, visits: 2, outcomes: { o1: 2 } }],
            bestHistory: [],
            bestReturn: 1,
            visits: 2,
            createdAt: at(3),
            updatedAt: at(3),
          },
        ],
      },
      insights: [insight],
      images: [
        {
          agentId: agent.id,
          sha256: "e".repeat(64),
          mediaType: "image/gif",
          size: 3,
          data: new Uint8Array([71, 73, 70]),
          caption: "a comet",
          createdAt: at(3),
        },
      ],
      events: [event(project, "agent.imported", agent.id)],
    };
    return { data, agent, first, current, archived, messages, episode, insight, reads: () => read };
  }

  it("imports an agent with all it has learned, indexed and readable as live writes leave it", async () => {
    await withStore(async (store) => {
      const { project, root } = await seed(store);
      const blob = { hash: root.tree[0]?.valueHash as string, value: "hello" };
      const b = agentImport(project.id, root, blob);
      await importAgent(store, b.data);
      assert.equal(b.reads(), 2, "the messages are read once");
      assert.deepEqual(await store.agents.get(b.agent.id), b.agent);
      assert.deepEqual(await store.images.list(b.agent.id), b.data.images);
      assert.deepEqual(await store.memories.get(b.agent.id, b.current.id), b.current);
      assert.deepEqual(
        (await store.memories.list({ agentId: b.agent.id, archived: "include" }, { limit: 10 })).length,
        2,
      );
      assert.deepEqual(await store.memories.history(b.agent.id, b.current.id), [
        version(b.first),
        version(b.current, "update"),
      ]);
      const histories = await store.memories.histories(b.agent.id, [b.current.id, b.archived.id, "mem_none"]);
      assert.deepEqual([...histories.keys()].sort(), [b.current.id, b.archived.id].sort());
      const hits = async (text: string) =>
        (await store.memories.searchText({ agentId: b.agent.id }, indexTerms(text), 10)).map(
          (h) => h.item.id,
        );
      assert.deepEqual(await hits("early spring comet"), [b.current.id]);
      assert.deepEqual(await hits("observatory"), [], "archived memories are not indexed");

      assert.deepEqual(await store.messages.list({ agentId: b.agent.id }, { limit: 10 }), b.messages);
      const byPrevious = await store.messages.searchText(
        { agentId: b.agent.id },
        { terms: indexTerms("comet"), weights: ONLY_PREV },
        10,
      );
      assert.deepEqual(
        byPrevious.map((h) => h.item.id),
        [b.messages[1]?.id],
      );
      assert.deepEqual(await store.episodes.get(b.agent.id, b.episode.id), b.episode);
      assert.deepEqual(await store.experience.all(b.agent.id), b.data.experience.records);
      assert.equal(await store.experience.version(b.agent.id), 7);
      assert.deepEqual(await store.insights.list(b.agent.id), [b.insight]);
      const events = await store.events.list({ agentId: b.agent.id, limit: 10 });
      assert.deepEqual(
        events.map((e) => e.kind),
        ["agent.imported"],
      );
      await assert.rejects(importAgent(store, b.data), ConflictError);
    });
  });

  it("imports nothing when any item's id is taken, and leaves the item's owner as it was", async () => {
    await withStore(async (store) => {
      const { project, agent, root } = await seed(store);
      const blob = { hash: root.tree[0]?.valueHash as string, value: "hello" };
      const owner = agentImport(project.id, root, blob);
      await importAgent(store, owner.data);
      const events = await store.events.list({ projectId: project.id, limit: 100 });
      const before = {
        insights: await store.insights.list(owner.agent.id),
        records: await store.experience.all(owner.agent.id),
        messages: await store.messages.list({ agentId: owner.agent.id }, { limit: 10 }),
      };
      const taking: ((b: ReturnType<typeof agentImport>) => void)[] = [
        (b) => Object.assign(b.data.insights[0] ?? {}, { id: owner.insight.id, text: "overwritten?" }),
        (b) => Object.assign(b.messages[1] ?? {}, { id: owner.messages[0]?.id }),
        (b) =>
          Object.assign(b.data.experience.records[0] ?? {}, { id: owner.data.experience.records[0]?.id }),
        (b) => Object.assign(b.episode, { id: owner.episode.id }),
        (b) => Object.assign(b.data.memories[1]?.memory ?? {}, { id: owner.archived.id }),
      ];
      for (const take of taking) {
        const b = agentImport(project.id, root, blob);
        take(b);
        await assert.rejects(importAgent(store, b.data), ConflictError);
        assert.equal(await store.agents.get(b.agent.id), null);
        assert.equal(await store.memories.count(b.agent.id), 0);
        assert.equal(await store.messages.count(b.agent.id), 0);
        assert.equal(await store.experience.version(b.agent.id), 0);
        assert.deepEqual(await store.insights.list(b.agent.id), []);
      }
      assert.deepEqual(await store.events.list({ projectId: project.id, limit: 100 }), events);
      assert.deepEqual(before, {
        insights: await store.insights.list(owner.agent.id),
        records: await store.experience.all(owner.agent.id),
        messages: await store.messages.list({ agentId: owner.agent.id }, { limit: 10 }),
      });
      // Another agent's memories have no history here.
      assert.equal((await store.memories.histories(agent.id, [owner.current.id])).size, 0);
    });
  });
}
