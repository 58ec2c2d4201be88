import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConflictError } from "../../core/errors.ts";
import type { EvolutionRun } from "../../core/evolution-types.ts";
import type { Agent, Job } from "../../core/types.ts";
import type { Store } from "../store.ts";
import { suiteFixtures } from "../store-suite-jobs.ts";
import { suiteKit } from "../store-suite-kit.ts";
import { createPostgresStore } from "./postgres-store.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

// The suite's fixtures; each test opens its stores itself.
const kit = suiteKit(() => {
  throw new Error("the stores are opened by twoServers");
});
const { id, at, seed } = kit;
const { job } = suiteFixtures(kit);

/** Two servers' stores (two pools) on one schema, with `agents` agents (each in a project of its own). */
async function twoServers(
  server: TestPostgres,
  agents: number,
): Promise<{ stores: Store[]; agents: Agent[] }> {
  const schema = freshSchemaName();
  const stores = [0, 1].map(() => createPostgresStore({ url: server.url, schema, max: 4 }));
  await Promise.all(stores.map((store) => store.ready()));
  const made: Agent[] = [];
  for (let i = 0; i < agents; i++) made.push((await seed(stores[0] as Store)).agent);
  return { stores, agents: made };
}

describe("PostgreSQL learning stores shared by several servers", postgresSkip(), () => {
  let server: TestPostgres;
  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  it("claims each job once, and never two jobs of one agent at a time, across servers", async () => {
    const { stores, agents } = await twoServers(server, 3);
    try {
      const perAgent = 4;
      await stores[0]?.jobs.enqueue(
        agents.flatMap((agent) => Array.from({ length: perAgent }, () => job(agent))),
      );
      const claimed: string[] = [];
      for (let round = 0; round < perAgent; round++) {
        // Eight claimers at once, half on each server, all with live leases.
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (stores[i % 2] as Store).jobs.claim({ now: at(10 + round), leaseExpiresAt: at(1000) }),
          ),
        );
        const jobs = results.filter((j): j is Job => j !== null);
        assert.equal(jobs.length, agents.length, `round ${round}: one job per agent`);
        assert.equal(new Set(jobs.map((j) => j.agentId)).size, agents.length, `round ${round}: agents apart`);
        for (const j of jobs) {
          claimed.push(j.id);
          const work = (stores[0] as Store).unitOfWork();
          work.jobs.complete({ id: j.id, attempt: 1, result: {}, finishedAt: at(20), checkpoint: null });
          await work.commit();
        }
      }
      assert.equal(new Set(claimed).size, agents.length * perAgent, "every job was claimed exactly once");
      assert.equal(await stores[1]?.jobs.claim({ now: at(30), leaseExpiresAt: at(1000) }), null);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("moves the experience version once when servers write from the same version", async () => {
    const { stores, agents } = await twoServers(server, 1);
    const agent = agents[0] as Agent;
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          (stores[i % 2] as Store).experience.write({
            agentId: agent.id,
            expectedVersion: 0,
            upserts: [
              {
                id: id("exp"),
                agentId: agent.id,
                task: "t",
                observation: `o${i}`,
                actions: [],
                bestHistory: [],
                bestReturn: null,
                visits: 1,
                createdAt: at(1),
                updatedAt: at(1),
              },
            ],
            deletes: [],
            events: [],
          }),
        ),
      );
      assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 1);
      for (const o of outcomes) {
        if (o.status === "rejected") assert.ok(o.reason instanceof ConflictError, String(o.reason));
      }
      assert.equal(await stores[1]?.experience.version(agent.id), 1);
      assert.equal(await stores[0]?.experience.count(agent.id), 1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("adds a rule once when servers add it at the same moment, each having read it absent", async () => {
    const { stores, agents } = await twoServers(server, 1);
    const agent = agents[0] as Agent;
    const rule = {
      id: id("ins"),
      agentId: agent.id,
      text: "check twice",
      count: 1,
      createdAt: at(2),
      updatedAt: at(2),
    };
    try {
      const runs: EvolutionRun[] = [0, 1].map(() => ({
        id: id("evo"),
        agentId: agent.id,
        branch: "main",
        seed: 1,
        config: {},
        status: "running",
        attempt: 1,
        round: 0,
        state: {},
        report: null,
        error: null,
        startedAt: at(1),
        updatedAt: at(1),
        finishedAt: null,
      }));
      for (const run of runs) await stores[0]?.evolution.createRun(run, []);
      const outcomes = await Promise.allSettled(
        runs.map((run, i) => {
          const work = (stores[i] as Store).unitOfWork();
          work.evolution.saveRun(run, 1, null);
          work.insights.write(agent.id, {
            upserts: [{ ...rule, text: `check ${i} times` }],
            deletes: [],
            expected: [{ id: rule.id, updatedAt: null }],
            events: [],
          });
          return work.commit();
        }),
      );
      assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 1);
      const refused = outcomes.find((o) => o.status === "rejected");
      assert.ok(refused?.reason instanceof ConflictError, String(refused?.reason));
      const winner = outcomes.findIndex((o) => o.status === "fulfilled");
      assert.deepEqual(
        (await stores[1]?.insights.list(agent.id))?.map((i) => i.text),
        [`check ${winner} times`],
        "the rule is the one whose write succeeded",
      );
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
