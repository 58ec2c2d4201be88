import assert from "node:assert/strict";
import { it } from "node:test";
import { ConflictError } from "../core/errors.ts";
import type { Agent, Episode, EpisodeStep, ExperienceRecord, Insight } from "../core/types.ts";
import type { LearningWrite } from "./store.ts";
import { completeJob, type SuiteKit, suiteFixtures } from "./store-suite-jobs.ts";

/** Episodes, the experience memory and insights: part of `runStoreSuite`. */
export function learningStoreCases(kit: SuiteKit): void {
  const { id, at, event, withStore, seed } = kit;

  const step = (index: number, reward: number): EpisodeStep => ({
    index,
    observation: `o${index}`,
    availableActions: ["left", "right"],
    action: index % 2 === 0 ? "left" : "right",
    reward,
    createdAt: at(10 + index),
  });
  const episode = (
    agent: Agent,
    task: string,
    steps: EpisodeStep[],
    fields: Partial<Episode> = {},
  ): Episode => ({
    id: id("epi"),
    agentId: agent.id,
    task,
    status: "running",
    steps,
    finalObservation: null,
    totalReward: steps.reduce((sum, s) => sum + s.reward, 0),
    success: null,
    metadata: { source: "test" },
    createdAt: at(10),
    finishedAt: null,
    ...fields,
  });
  const record = (agent: Agent, observation: string, q: number): ExperienceRecord => ({
    id: id("exp"),
    agentId: agent.id,
    task: "walk",
    observation,
    actions: [{ action: "left", q, meanReward: q, visits: 1, outcomes: { o1: 1 } }],
    bestHistory: ["left"],
    bestReturn: q,
    visits: 1,
    createdAt: at(11),
    updatedAt: at(11),
  });
  const insight = (agent: Agent, text: string, count: number): Insight => ({
    id: id("ins"),
    agentId: agent.id,
    text,
    count,
    createdAt: at(20),
    updatedAt: at(20),
  });

  it("experience: writes an episode, records and events as one step, only from the version it read", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const other = await seed(store);
      assert.equal(await store.experience.version(agent.id), 0);
      const walk = episode(agent, "walk", [step(0, 1), step(1, 0)]);
      const [a, b] = [record(agent, "o0", 0.5), record(agent, "o1", 0.25)] as [
        ExperienceRecord,
        ExperienceRecord,
      ];
      const first: LearningWrite = {
        agentId: agent.id,
        expectedVersion: 0,
        episode: { episode: walk, newSteps: walk.steps, create: true },
        upserts: [a, b],
        deletes: [],
        events: [event(project.id, "episode.started", agent.id)],
      };
      assert.equal(await store.experience.write(first), 1);
      assert.equal(await store.experience.version(agent.id), 1);
      assert.deepEqual(await store.episodes.get(agent.id, walk.id), walk);
      assert.equal(await store.episodes.get(other.agent.id, walk.id), null);
      assert.deepEqual(await store.experience.all(agent.id), [a, b]);
      assert.equal(await store.experience.count(agent.id), 2);

      // A second writer that read version 0 is refused and writes nothing.
      const before = await store.events.list({ agentId: agent.id, limit: 100 });
      await assert.rejects(
        store.experience.write({ ...first, episode: undefined, upserts: [record(agent, "o9", 1)] }),
        (error: unknown) => error instanceof ConflictError && /version 1, not 0/.test(error.message),
      );
      assert.equal(await store.experience.count(agent.id), 2);
      assert.deepEqual(await store.events.list({ agentId: agent.id, limit: 100 }), before);

      const finished: Episode = {
        ...walk,
        steps: [...walk.steps, step(2, 2)],
        status: "finished",
        totalReward: 3,
        success: true,
        finalObservation: "home",
        finishedAt: at(30),
      };
      const changed = { ...a, visits: 2, updatedAt: at(31) };
      assert.equal(
        await store.experience.write({
          agentId: agent.id,
          expectedVersion: 1,
          episode: { episode: finished, newSteps: [step(2, 2)], create: false },
          upserts: [changed],
          deletes: [b.id],
          events: [event(project.id, "episode.finished", agent.id)],
        }),
        2,
      );
      assert.deepEqual(await store.episodes.get(agent.id, walk.id), finished);
      // Only the last steps, at their indexes: the count stays, earlier ones are absent.
      const tail = await store.episodes.get(agent.id, walk.id, { lastSteps: 2 });
      assert.equal(tail?.steps.length, 3);
      assert.deepEqual(
        [0, 1, 2].map((i) => i in (tail?.steps ?? [])),
        [false, true, true],
      );
      assert.deepEqual(tail?.steps.slice(1), finished.steps.slice(1));
      const none = await store.episodes.get(agent.id, walk.id, { lastSteps: 0 });
      assert.deepEqual(
        [none?.steps.length, none?.steps.filter(Boolean).length, none?.totalReward],
        [3, 0, 3],
      );
      assert.deepEqual(
        (await store.episodes.get(agent.id, walk.id, { lastSteps: 10 }))?.steps,
        finished.steps,
      );
      assert.deepEqual(await store.experience.all(agent.id), [changed]);
      // Another agent's experience is its own.
      assert.equal(await store.experience.version(other.agent.id), 0);
      assert.deepEqual(await store.experience.all(other.agent.id), []);
    });
  });

  it("experience: an agent's version goes with it or its project; a later agent of its id starts past it", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const learn = (expectedVersion: number, who: Agent = agent) =>
        store.experience.write({
          agentId: who.id,
          expectedVersion,
          upserts: [record(who, `o${expectedVersion}`, 1)],
          deletes: [],
          events: [],
        });
      await learn(0);
      assert.equal(await learn(1), 2);
      const naming = async (agentId: string) =>
        (await store.settings.list()).filter(({ key }) => key.includes(agentId));
      await store.agents.delete(agent.id, event(project.id, "agent.deleted", agent.id));
      assert.deepEqual(await naming(agent.id), []);
      const history = { commits: [], blobs: [], branches: [] };
      await store.agents.create(agent, history, [event(project.id, "agent.created", agent.id)]);
      assert.equal(await store.experience.version(agent.id), 0);
      assert.equal(await learn(0), 3, "past every version the deleted agent reached");

      await store.projects.delete(project.id, event(project.id, "project.deleted"));
      assert.deepEqual(await naming(agent.id), []);
      const again = await seed(store);
      const twin = { ...agent, projectId: again.project.id, name: "twin" };
      await store.agents.create(twin, history, [event(again.project.id, "agent.created", twin.id)]);
      assert.equal(await store.experience.version(twin.id), 0);
    });
  });

  it("episodes: listed newest first without steps, by task, a page at a time", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const episodes = [
        episode(agent, "walk", [step(0, 1)]),
        episode(agent, "swim", [step(0, 1), step(1, 1)], { status: "finished", finishedAt: at(40) }),
        episode(agent, "walk", []),
      ];
      let version = 0;
      for (const e of episodes) {
        version = await store.experience.write({
          agentId: agent.id,
          expectedVersion: version,
          episode: { episode: e, newSteps: e.steps, create: true },
          upserts: [],
          deletes: [],
          events: [],
        });
      }
      const [first, second, third] = episodes as [Episode, Episode, Episode];
      const page = await store.episodes.list(agent.id, { limit: 2 });
      assert.deepEqual(
        page.map((e) => [e.id, e.steps.length, e.stepCount]),
        [
          [third.id, 0, 0],
          [second.id, 0, 2],
        ],
      );
      assert.deepEqual(
        (await store.episodes.list(agent.id, { limit: 2, after: second.id })).map((e) => e.id),
        [first.id],
      );
      assert.deepEqual(
        (await store.episodes.list(agent.id, { limit: 10, task: "walk" })).map((e) => e.id),
        [third.id, first.id],
      );
      const finished = await store.episodes.list(agent.id, {
        limit: 10,
        filter: {
          type: "condition",
          field: { kind: "builtin", name: "status" },
          op: "eq",
          value: "finished",
        },
      });
      assert.deepEqual(
        finished.map((e) => e.id),
        [second.id],
      );
      const tagged = await store.episodes.list(agent.id, {
        limit: 10,
        filter: { type: "condition", field: { kind: "metadata", path: ["source"] }, op: "eq", value: "test" },
      });
      assert.equal(tagged.length, 3);
    });
  });

  it("insights: upserts and deletes with events, highest count first, apart per agent", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const other = await seed(store);
      const [low, high] = [insight(agent, "look twice", 1), insight(agent, "ask first", 3)];
      await store.insights.write(
        agent.id,
        [low, high],
        [],
        [event(project.id, "insights.changed", agent.id)],
      );
      assert.deepEqual(await store.insights.list(agent.id), [high, low]);
      assert.deepEqual(await store.insights.list(other.agent.id), []);
      const raised = { ...low, count: 5, updatedAt: at(21) };
      await store.insights.write(agent.id, [raised], [high.id], []);
      assert.deepEqual(await store.insights.list(agent.id), [raised]);
      const kinds = (await store.events.list({ agentId: agent.id, limit: 100 })).map((e) => e.kind);
      assert.equal(kinds.filter((kind) => kind === "insights.changed").length, 1);
    });
  });

  it("insights: a job's changes to rules that changed since they were read are refused, all of them", async () => {
    await withStore(async (store) => {
      const { project, agent } = await seed(store);
      const rule = insight(agent, "look twice", 1);
      await store.insights.write(agent.id, [rule], [], []);
      const job = suiteFixtures(kit).job(agent, { kind: "reflect" });
      await store.jobs.enqueue([job]);
      await store.jobs.claim({ now: at(2), leaseExpiresAt: at(9) });
      const complete = (expected: { id: string; updatedAt: string | null }[]) =>
        completeJob(store, {
          id: job.id,
          attempt: 1,
          changes: {
            memoryInserts: [],
            memoryUpdates: [],
            commit: null,
            insights: {
              upserts: [{ ...rule, count: 2, updatedAt: at(22) }, insight(agent, "new rule", 1)],
              deletes: [],
              expected,
              events: [event(project.id, "insights.changed", agent.id)],
            },
            events: [],
          },
          result: {},
          finishedAt: at(5),
        });
      // Read before its last change; then as absent though it exists.
      await assert.rejects(complete([{ id: rule.id, updatedAt: at(19) }]), ConflictError);
      await assert.rejects(complete([{ id: rule.id, updatedAt: null }]), ConflictError);
      assert.deepEqual(await store.insights.list(agent.id), [rule]);
      assert.equal((await store.jobs.get(job.id))?.status, "running");
      const done = await complete([{ id: rule.id, updatedAt: rule.updatedAt }]);
      assert.equal(done.status, "succeeded");
      assert.deepEqual(
        (await store.insights.list(agent.id)).map((i) => [i.text, i.count]),
        [
          ["look twice", 2],
          ["new rule", 1],
        ],
      );
    });
  });
}
