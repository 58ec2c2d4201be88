import assert from "node:assert/strict";
import { it } from "node:test";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** The event log's queries and watchers: part of `runStoreSuite`. */
export function eventCases(kit: SuiteKit): void {
  const { event, withStore, seed } = kit;

  it("events: queries filter by kinds and actor, tally counts what matches, lastSeq is the log's end", async () => {
    await withStore(async (store) => {
      assert.equal(await store.events.lastSeq(), 0);
      const { project, agent } = await seed(store);
      const start = await store.events.lastSeq();
      const bySleeptime = { ...event(project.id, "agent.updated", agent.id), actor: "sleeptime" as const };
      await store.agents.update({ ...agent, name: "b" }, bySleeptime);
      await store.agents.update({ ...agent, name: "c" }, event(project.id, "agent.renamed", agent.id));
      const end = await store.events.lastSeq();
      assert.ok(end > start);
      const kinds = async (query: Parameters<typeof store.events.list>[0]) =>
        (await store.events.list(query)).map((e) => e.kind);
      assert.deepEqual(
        await kinds({ agentId: agent.id, kinds: ["agent.updated", "agent.renamed"], limit: 10 }),
        ["agent.updated", "agent.renamed"],
      );
      assert.deepEqual(await kinds({ agentId: agent.id, kinds: [], limit: 10 }), []);
      assert.deepEqual(await kinds({ agentId: agent.id, actor: "sleeptime", limit: 10 }), ["agent.updated"]);
      assert.deepEqual(
        await kinds({ agentId: agent.id, excludeActor: "sleeptime", afterSeq: start, limit: 10 }),
        ["agent.renamed"],
      );
      assert.deepEqual(await store.events.tally({ agentId: agent.id, afterSeq: start }), {
        count: 2,
        lastSeq: end,
      });
      assert.deepEqual(await store.events.tally({ projectId: project.id, kind: "nope", afterSeq: 1 }), {
        count: 0,
        lastSeq: 1,
      });
    });
  });

  it("events: kindFamily keeps the kinds of one family, its name matched literally", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const start = await store.events.lastSeq();
      const written = ["memory.created", "memories.created", "mcp_server.created", "mcpxserver.created"];
      for (const [i, kind] of written.entries())
        await store.agents.update({ ...agent, name: `n${i}` }, event(project.id, kind, agent.id));
      await store.agents.update({ ...agent, name: "last" }, event(project.id, "memory.archived", agent.id));
      const kinds = async (kindFamily: string) =>
        (await store.events.list({ agentId: agent.id, afterSeq: start, kindFamily, limit: 10 })).map(
          (e) => e.kind,
        );
      assert.deepEqual(await kinds("memory"), ["memory.created", "memory.archived"]);
      assert.deepEqual(await kinds("mcp_server"), ["mcp_server.created"]);
      assert.deepEqual(await kinds("mem"), []);
      const tally = await store.events.tally({ agentId: agent.id, afterSeq: start, kindFamily: "memory" });
      assert.equal(tally.count, 2);
    });
  });

  it("events: newestFirst lists the latest first, and beforeSeq pages back down the log", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const start = await store.events.lastSeq();
      for (const name of ["b", "c", "d", "e"])
        await store.agents.update({ ...agent, name }, event(project.id, `agent.renamed.${name}`, agent.id));
      const kinds = async (query: Parameters<typeof store.events.list>[0]) =>
        (await store.events.list(query)).map((e) => e.kind);
      const latest = await store.events.list({
        agentId: agent.id,
        afterSeq: start,
        newestFirst: true,
        limit: 2,
      });
      assert.deepEqual(
        latest.map((e) => e.kind),
        ["agent.renamed.e", "agent.renamed.d"],
      );
      assert.deepEqual(
        await kinds({
          agentId: agent.id,
          afterSeq: start,
          beforeSeq: latest[1]?.seq,
          newestFirst: true,
          limit: 10,
        }),
        ["agent.renamed.c", "agent.renamed.b"],
      );
      assert.deepEqual(
        await kinds({ agentId: agent.id, afterSeq: start, beforeSeq: latest[1]?.seq, limit: 1 }),
        ["agent.renamed.b"],
      );
    });
  });

  it("events: a watcher is called after a write commits, and no more once it unsubscribes", async () => {
    await withStore(async (store) => {
      const { project } = await seed(store);
      let calls = 0;
      let woken: () => void = () => {};
      const unwatch = store.events.watch(() => {
        calls++;
        woken();
      });
      try {
        const called = new Promise<void>((resolve, reject) => {
          woken = resolve;
          setTimeout(() => reject(new Error("the watcher was not called within 5 s")), 5_000).unref();
        });
        await store.projects.update({ ...project, name: "watched" }, event(project.id, "project.updated"));
        await called;
        assert.ok(calls >= 1);
      } finally {
        unwatch();
      }
      const before = calls;
      await store.projects.update({ ...project, name: "unwatched" }, event(project.id, "project.updated"));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(calls, before);
    });
  });
}
