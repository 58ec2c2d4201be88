import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConflictError } from "../core/errors.ts";
import { createPostgresStore } from "../store/postgres/postgres-store.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres } from "../store/postgres/test-server.ts";
import { createSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Store } from "../store/store.ts";
import { createTestEngram } from "../test/index.ts";
import { copyDatabase } from "./copy-database.ts";
import type { ExportDocument } from "./format.ts";
import { agentWhoLearned } from "./test-fixture.ts";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "engram-copy-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const fresh = () => join(dir, `db${++files}.db`);

/** What the source held, to compare the copy with. */
interface Source {
  path: string;
  agents: string[];
  exports: Map<string, ExportDocument>;
  /** A key string that authenticates, and a revoked one. */
  live: string;
  revoked: string;
}

/**
 * A database with two projects, an agent in each that has learned a little of everything, a live and
 * a revoked key, a webhook that has been disabled, and settings (one about vectors).
 */
async function sourceDatabase(): Promise<Source> {
  const path = fresh();
  const engram = createTestEngram({ path });
  try {
    const first = await agentWhoLearned(engram);
    await engram.projects.create({ name: "acme", metadata: { tier: "gold" } });
    const second = await engram.forProject((await engram.projects.get("acme")).id).agents.create({
      name: "clerk",
    });
    await engram.blocks.set(second.id, "persona", "Keeps the books.");
    const live = await engram.keys.create({ name: "ci", project: "acme" });
    const revoked = await engram.keys.create({ name: "old", project: "default" });
    await engram.keys.revoke(revoked.apiKey.id);
    await engram.webhooks.create({
      url: "http://127.0.0.1:9/hook",
      events: ["memory.*"],
      secret: "s".repeat(20),
    });
    await engram.mcpServers.put(first.agent.id, "search", {
      url: "https://tools.example.com/mcp",
      headers: { authorization: "Bearer tool-secret" },
    });
    const helper = await engram.agents.create({ name: "helper" });
    await engram.groups.create({
      name: "desk",
      pattern: "supervisor",
      manager: "learner",
      members: ["helper"],
    });
    await engram.store.settings.set("vectors.model", "openai:text-embedding-3-small");
    await engram.store.settings.set("custom.flag", "on");
    const agents = [first.agent.id, second.id, helper.id];
    const exports = new Map<string, ExportDocument>();
    for (const id of agents) exports.set(id, await engram.transfer.export(id));
    return { path, agents, exports, live: live.key, revoked: revoked.key };
  } finally {
    await engram.close();
  }
}

/** Asserts the database at `path` holds exactly what the source did, through a fresh engine. */
async function assertSameAsSource(source: Source, path: string): Promise<void> {
  // A day after the source's clock began: what it wrote is valid now, as it would be on a real clock.
  const engram = createTestEngram({ path, start: Date.parse("2026-01-02T00:00:00Z") });
  try {
    for (const id of source.agents) {
      const doc = await engram.transfer.export(id);
      assert.deepEqual({ ...doc, exportedAt: "" }, { ...source.exports.get(id), exportedAt: "" });
    }
    assert.equal((await engram.keys.authenticate(source.live)).ok, true, "the key's hash came along");
    assert.deepEqual(await engram.keys.authenticate(source.revoked), { ok: false, reason: "revoked" });
    assert.equal(await engram.store.settings.get("custom.flag"), "on");
    assert.equal(await engram.store.settings.get("vectors.model"), null, "vectors are not copied");
    const [webhook] = (await engram.webhooks.list()).items;
    assert.equal(webhook?.url, "http://127.0.0.1:9/hook");
    assert.equal((await engram.store.webhooks.get(webhook?.id ?? ""))?.secret, "s".repeat(20));
    const [learnerId, , helperId] = source.agents as [string, string, string];
    const [server] = await engram.store.mcpServers.list(learnerId);
    assert.ok(server?.config.transport === "http");
    assert.deepEqual(
      [server.config.url, server.config.headers],
      ["https://tools.example.com/mcp", { authorization: "Bearer tool-secret" }],
      "the server came along with its secret header",
    );
    const [group] = (await engram.groups.list()).items;
    assert.deepEqual(
      [group?.name, group?.managerId, group?.members.map((m) => m.agentId)],
      ["desk", learnerId, [helperId]],
    );
    // The copy is live: a block write continues the copied history, and full-text search finds memories.
    const [learner] = source.agents as [string];
    await engram.blocks.set(learner, "human", "Ada King");
    const log = await engram.history.log(learner, { limit: 2 });
    assert.equal(
      log.items[1]?.id,
      source.exports.get(learner)?.branches.find((b) => b.name === "main")?.head,
    );
    const { results } = await engram.search(learner, { query: "sourdough starter", sources: ["memories"] });
    assert.ok(results.length > 0);
  } finally {
    await engram.close();
  }
}

/** Items of every kind the documents hold, summed. */
function totalsOf(docs: ExportDocument[]) {
  const sum = (count: (doc: ExportDocument) => number) => docs.reduce((n, doc) => n + count(doc), 0);
  return {
    commits: sum((d) => d.commits.length),
    memories: sum((d) => d.memories.length),
    messages: sum((d) => d.messages.length),
    episodes: sum((d) => d.episodes.length),
    experienceRecords: sum((d) => d.experience.records.length),
    insights: sum((d) => d.insights.length),
  };
}

async function copy(from: Store, to: Store) {
  const progress: string[] = [];
  try {
    const report = await copyDatabase(from, to, {
      onProgress: (p) => progress.push(`${p.phase} ${p.done}/${p.total} ${p.agent.name}`),
    });
    return { report, progress };
  } finally {
    await from.close();
    await to.close();
  }
}

describe("copyDatabase", () => {
  it("copies SQLite to SQLite: projects, keys, webhooks, settings and agents, verified", async () => {
    const source = await sourceDatabase();
    const target = fresh();
    const { report, progress } = await copy(
      createSqliteStore({ path: source.path }),
      createSqliteStore({ path: target }),
    );
    assert.deepEqual(
      { ...report, notes: report.notes.length },
      {
        projects: 2,
        keys: 2,
        webhooks: 1,
        groups: { copied: 1, differing: [] },
        mcpServers: 1,
        settings: 1,
        agents: { copied: 3, projectMemoryHolders: 0, verified: 3, differing: [] },
        totals: totalsOf([...source.exports.values()]),
        notes: 3,
      },
    );
    assert.deepEqual(progress, [
      "copy 1/3 learner",
      "copy 2/3 clerk",
      "copy 3/3 helper",
      "verify 1/3 learner",
      "verify 2/3 clerk",
      "verify 3/3 helper",
    ]);
    await assertSameAsSource(source, target);
  });

  it("refuses a destination that holds anything, naming it, and writes nothing", async () => {
    const source = await sourceDatabase();
    const target = fresh();
    const other = createTestEngram({ path: target });
    await other.projects.create({ name: "mine" });
    await other.close();
    await assert.rejects(
      copy(createSqliteStore({ path: source.path }), createSqliteStore({ path: target })),
      (error: Error) =>
        error instanceof ConflictError && /not empty: it holds projects mine/.test(error.message),
    );
    const store = createSqliteStore({ path: target });
    try {
      assert.deepEqual(
        (await store.projects.list({ limit: 10 })).map((p) => p.name),
        ["mine"],
      );
    } finally {
      await store.close();
    }
  });

  it("stops between two agents once its signal is aborted, with the signal's reason", async () => {
    const source = await sourceDatabase();
    const from = createSqliteStore({ path: source.path });
    const to = createSqliteStore({ path: fresh() });
    const controller = new AbortController();
    const stop = new Error("stopped by SIGINT");
    const copied: string[] = [];
    try {
      await assert.rejects(
        copyDatabase(from, to, {
          signal: controller.signal,
          onProgress: (p) => {
            copied.push(p.agent.name);
            controller.abort(stop);
          },
        }),
        (error) => error === stop,
      );
      assert.deepEqual(copied, ["learner"]);
      assert.deepEqual(
        (await to.agents.list({ limit: 10 })).map((a) => a.name),
        ["learner"],
      );
    } finally {
      await from.close();
      await to.close();
    }
  });

  it("reports an agent whose copy differs, and where", async () => {
    const source = await sourceDatabase();
    const to = createSqliteStore({ path: fresh() });
    // A destination that loses the agent's best insight on the way in.
    const lossy: Store = {
      ...to,
      unitOfWork() {
        const work = to.unitOfWork();
        return {
          ...work,
          insights: {
            ...work.insights,
            import: (agentId, insights) => work.insights.import(agentId, insights.slice(1)),
          },
        };
      },
    };
    const { report } = await copy(createSqliteStore({ path: source.path }), lossy);
    assert.equal(report.agents.verified, 2);
    assert.deepEqual(
      report.agents.differing.map((d) => [d.name, d.path.split(".")[0]]),
      [["learner", "insights"]],
    );
  });

  it("reports an MCP server or a group whose copy differs", async () => {
    const source = await sourceDatabase();
    const to = createSqliteStore({ path: fresh() });
    // A destination that drops MCP servers' headers and groups' members on the way in.
    const lossy: Store = {
      ...to,
      mcpServers: {
        list: (agentId) => to.mcpServers.list(agentId),
        get: (agentId, name) => to.mcpServers.get(agentId, name),
        delete: (agentId, name, event) => to.mcpServers.delete(agentId, name, event),
        put: (agentId, name, change) =>
          to.mcpServers.put(agentId, name, (before) => {
            const { server, event } = change(before);
            return { server: { ...server, config: { ...server.config, headers: {} } }, event };
          }),
      },
      groups: {
        get: (id) => to.groups.get(id),
        list: (options) => to.groups.list(options),
        delete: (id, event) => to.groups.delete(id, event),
        create: (group, event) => to.groups.create({ ...group, members: [] }, event),
      },
    };
    const { report } = await copy(createSqliteStore({ path: source.path }), lossy);
    assert.deepEqual(
      report.agents.differing.map((d) => [d.name, d.path]),
      [["learner", "mcpServers.search"]],
    );
    assert.deepEqual(
      report.groups.differing.map((g) => g.name),
      ["desk"],
    );
  });
});

describe("copyDatabase through PostgreSQL", postgresSkip(), () => {
  after(async () => {
    await (await sharedTestPostgres()).stop();
  });

  it("copies SQLite to PostgreSQL and back, and the second copy equals the first database", async () => {
    const server = await sharedTestPostgres();
    const url = await server.createDatabase();
    const source = await sourceDatabase();
    const schema = freshSchemaName();
    const up = await copy(createSqliteStore({ path: source.path }), createPostgresStore({ url, schema }));
    assert.deepEqual(up.report.agents, { copied: 3, projectMemoryHolders: 0, verified: 3, differing: [] });
    assert.deepEqual([up.report.mcpServers, up.report.groups], [1, { copied: 1, differing: [] }]);
    const back = fresh();
    const down = await copy(createPostgresStore({ url, schema }), createSqliteStore({ path: back }));
    assert.deepEqual(down.report.agents, { copied: 3, projectMemoryHolders: 0, verified: 3, differing: [] });
    assert.deepEqual([down.report.mcpServers, down.report.groups], [1, { copied: 1, differing: [] }]);
    assert.equal(down.report.keys, 2);
    await assertSameAsSource(source, back);
  });
});
