import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, describe, it } from "node:test";
import type { AgentGraph } from "../../core/graph-types.ts";
import { createEngram } from "../../engram.ts";
import { COMPACT_GRAPH_SQL } from "./graph-layout.ts";
import { asWrittenBeforeCompactGraph, countOf, killMidMigration } from "./migration-test-support.ts";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "./migrations.ts";

const COMPACT = MIGRATIONS.find((m) => m.sql === COMPACT_GRAPH_SQL)?.version ?? Number.NaN;

const dir = mkdtempSync(join(tmpdir(), "engram-graph-layout-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Mentions the compact form cannot hold: of an item with no row, at a time not canonical, of a key with no entity. */
const VERBATIM = [
  {
    key: "ada lovelace",
    userId: null,
    source: "memory",
    id: "mem_imported_elsewhere",
    at: "2025-03-01T10:00:00.000Z",
  },
  { key: "lisbon", userId: null, source: "memory", id: "", at: "2025-03-01T10:00:00Z" },
  { key: "nobody", userId: null, source: "message", id: "msg_x", at: "2025-02-01T00:00:00.000Z" },
] as const;

/** A graph of two agents (one with a user's memories), with mentions of both forms. */
async function writeGraphs(path: string): Promise<Record<string, AgentGraph>> {
  const engram = createEngram({ path, embedder: null });
  const ada = await engram.agents.create({ name: "ada" });
  const bea = await engram.agents.create({ name: "bea" });
  const { value: added } = await engram.memories.addMany(ada.id, [
    { text: "Ada Lovelace moved to Lisbon in May 2021" },
    { text: "Ada Lovelace works at the Bank of England" },
    { text: "Cleo visited Lisbon", userId: "u1" },
    { text: "Dan met Cleo in Paris" },
  ]);
  await engram.messages.append(ada.id, {
    role: "user",
    name: "Bea",
    content: "Ada Lovelace called from Lisbon.",
  });
  await engram.memories.add(bea.id, { text: "Frank lives in Oslo" });
  await engram.memories.delete(ada.id, added[3]?.id ?? "");
  const graph = await engram.store.graph.dump(ada.id);
  const lisbon = graph.mentions.find((m) => m.key === "lisbon");
  await engram.store.graph.replace(ada.id, {
    ...graph,
    mentions: [
      ...graph.mentions,
      ...VERBATIM.map((m) => (m.id === "" ? { ...m, id: lisbon?.id ?? "" } : m)),
    ].filter(
      // The non-canonical time replaces the real one of that mention.
      (m) => m !== lisbon,
    ),
  });
  const out = {
    [ada.id]: await engram.store.graph.dump(ada.id),
    [bea.id]: await engram.store.graph.dump(bea.id),
  };
  await engram.close();
  return out;
}

describe("the entity graph's compact form (migration 22)", () => {
  it("converts a populated graph and reads the same back; a kill mid-conversion leaves the schema before", async () => {
    const path = join(dir, "convert.db");
    const graphs = await writeGraphs(path);
    const [ada] = Object.keys(graphs);
    const total = Object.values(graphs).reduce((n, g) => n + g.mentions.length, 0);
    assert.ok(total > 2 * VERBATIM.length, "the fixture has mentions of both forms");
    asWrittenBeforeCompactGraph(path);
    const raw = new DatabaseSync(path);
    raw.prepare("DELETE FROM schema_migrations WHERE version >= ?").run(COMPACT);
    raw.close();

    await killMidMigration(path, COMPACT, true);
    assert.equal(countOf(path, "SELECT MAX(version) AS n FROM schema_migrations"), COMPACT - 1);
    assert.equal(countOf(path, "SELECT COUNT(*) AS n FROM graph_mentions WHERE item_id IS NOT NULL"), total);

    const engram = createEngram({ path, embedder: null });
    try {
      assert.equal(countOf(path, "SELECT MAX(version) AS n FROM schema_migrations"), LATEST_SCHEMA_VERSION);
      for (const [agentId, graph] of Object.entries(graphs))
        assert.deepEqual(await engram.store.graph.dump(agentId), graph);
      assert.equal(countOf(path, "SELECT COUNT(*) AS n FROM graph_mentions"), total - VERBATIM.length);
      assert.equal(countOf(path, "SELECT COUNT(*) AS n FROM graph_mentions_verbatim"), VERBATIM.length);
      // A read takes both forms, newest first.
      const mentions = await engram.store.graph.mentions(ada ?? "", [null], ["ada lovelace", "lisbon"], 10);
      assert.deepEqual(
        mentions.map((m) => m.at),
        mentions
          .map((m) => m.at)
          .sort()
          .reverse(),
      );
      assert.ok(mentions.some((m) => m.id === "mem_imported_elsewhere"));
      assert.ok(mentions.some((m) => m.at === "2025-03-01T10:00:00Z"));
      assert.ok(mentions.some((m) => m.source === "message"));
    } finally {
      await engram.close();
    }
  });

  it("keeps items with a row and canonical times compact, as memories and messages are written", async () => {
    const path = join(dir, "written.db");
    const engram = createEngram({ path, embedder: null });
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(agent.id, [
      { text: "Ada met Bea in Lisbon" },
      { text: "Cleo moved to Oslo" },
    ]);
    await engram.messages.append(agent.id, { role: "user", name: "Dan", content: "Hello Ada" });
    const { mentions } = await engram.store.graph.dump(agent.id);
    await engram.close();
    assert.equal(mentions.length, 7);
    assert.equal(countOf(path, "SELECT COUNT(*) AS n FROM graph_mentions"), 7);
    assert.equal(countOf(path, "SELECT COUNT(*) AS n FROM graph_mentions_verbatim"), 0);
  });
});
