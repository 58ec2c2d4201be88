import assert from "node:assert/strict";
import { it } from "node:test";
import { ConflictError, NotFoundError } from "../core/errors.ts";
import type { EvolutionCandidate, EvolutionRun } from "../core/evolution-types.ts";
import type { NewEvent } from "../core/types.ts";
import { makeCommit } from "../memory/blocks/commit-hash.ts";
import type { AppendCommit, InsightChanges, InstructionsChange, Store } from "./store.ts";

/** The evolution store's part of `runStoreSuite`; called inside its `describe`. */
export function evolutionStoreTests(withStore: (fn: (store: Store) => Promise<void>) => Promise<void>): void {
  let counter = 0;
  const id = (prefix: string) => `${prefix}_${String(++counter).padStart(26, "0")}`;
  const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  const event = (projectId: string, agentId: string | null, kind: string): NewEvent => ({
    id: id("evt"),
    projectId,
    agentId,
    actor: "evolver",
    kind,
    targetType: "evolution_run",
    targetId: "r",
    before: null,
    after: null,
    createdAt: at(0),
  });

  async function agentIn(store: Store): Promise<{ projectId: string; agentId: string }> {
    const projectId = id("prj");
    await store.projects.create(
      { id: projectId, name: `evo${counter}`, metadata: {}, createdAt: at(0), updatedAt: at(0) },
      event(projectId, null, "project.created"),
    );
    const agentId = id("agt");
    const root = makeCommit({ parentId: null, tree: [], author: "user", message: "root", createdAt: at(0) });
    await store.agents.create(
      {
        id: agentId,
        projectId,
        name: "a",
        model: null,
        instructions: "",
        metadata: {},
        defaultBranch: "main",
        createdAt: at(0),
        updatedAt: at(0),
      },
      { commits: [root], blobs: [], branches: [{ name: "main", head: root.id }] },
      [],
    );
    return { projectId, agentId };
  }

  /**
   * Saves a run's progress in a unit of work, after it an accepted candidate's changes to the agent
   * (a commit, instructions, rules) when given, then the events.
   */
  async function save(
    store: Store,
    run: EvolutionRun,
    expectedAttempt: number,
    record: EvolutionCandidate | null,
    events: NewEvent[],
    changes?: {
      commit: AppendCommit | null;
      instructions: InstructionsChange | null;
      insights: InsightChanges | null;
    },
  ): Promise<void> {
    const work = store.unitOfWork();
    work.evolution.saveRun(run, expectedAttempt, record);
    if (changes?.commit) work.history.append(changes.commit);
    if (changes?.instructions) work.agents.setInstructions(run.agentId, changes.instructions);
    if (changes?.insights) work.insights.write(run.agentId, changes.insights);
    work.events.add(events);
    await work.commit();
  }

  const newRun = (agentId: string): EvolutionRun => ({
    id: id("evo"),
    agentId,
    branch: "main",
    seed: 7,
    config: { rounds: 2, tasks: [{ id: "t1", input: "2+2", expected: "4" }] },
    status: "running",
    attempt: 1,
    round: 0,
    state: {},
    report: null,
    error: null,
    startedAt: at(1),
    updatedAt: at(1),
    finishedAt: null,
  });

  const candidate = (run: EvolutionRun, round: number): EvolutionCandidate => ({
    id: id("cnd"),
    runId: run.id,
    agentId: run.agentId,
    round,
    parentIds: [],
    operation: round === 0 ? "seed" : "reflect",
    component: round === 0 ? null : "instructions",
    context: { instructions: `v${round}`, blocks: [], insights: ["rule"] },
    changes: [],
    evaluation: { validation: { t1: 1 } },
    aggregate: 1,
    heldOut: 0.5,
    baseline: null,
    decision: "pending",
    reason: null,
    commitId: null,
    createdAt: at(2),
    decidedAt: null,
  });

  it("evolution: records runs and candidates, fenced by the run's attempt", async () => {
    await withStore(async (store) => {
      const { projectId, agentId } = await agentIn(store);
      const run = newRun(agentId);
      await store.evolution.createRun(run, [event(projectId, agentId, "evolution.started")]);
      assert.deepEqual(await store.evolution.getRun(agentId, run.id), run);
      await assert.rejects(store.evolution.createRun(run, []), ConflictError);

      const seed = candidate(run, 0);
      await save(store, { ...run, round: 0 }, 1, seed, []);
      const decided = { ...seed, decision: "accepted" as const, decidedAt: at(3), commitId: "c".repeat(64) };
      await save(store, { ...run, round: 1, state: { current: seed.id } }, 1, decided, []);
      assert.deepEqual(await store.evolution.listCandidates(agentId, run.id), [decided]);
      assert.deepEqual((await store.evolution.getRun(agentId, run.id))?.state, { current: seed.id });

      // A resume takes attempt 2; a writer still holding attempt 1 is refused and writes nothing.
      await save(store, { ...run, attempt: 2, round: 1 }, 1, null, []);
      const late = candidate(run, 2);
      await assert.rejects(
        save(store, { ...run, attempt: 1, round: 2 }, 1, late, [
          event(projectId, agentId, "evolution.candidate"),
        ]),
        ConflictError,
      );
      assert.equal((await store.evolution.listCandidates(agentId, run.id)).length, 1);
      assert.equal((await store.evolution.getRun(agentId, run.id))?.round, 1);
      const kinds = (await store.events.list({ agentId, limit: 10 })).map((e) => e.kind);
      assert.deepEqual(kinds, ["evolution.started"]);
    });
  });

  it("evolution: writes an accepted candidate's changes with its record, all or nothing", async () => {
    await withStore(async (store) => {
      const { projectId, agentId } = await agentIn(store);
      const run = newRun(agentId);
      await store.evolution.createRun(run, []);
      const [branch] = await store.history.listBranches(agentId);
      const root = branch?.head as string;
      const child = makeCommit({
        parentId: root,
        tree: [],
        author: "evolver",
        message: "evolve",
        createdAt: at(5),
      });
      const accepted = { ...candidate(run, 1), decision: "accepted" as const, commitId: child.id };
      const write = (expectedInstructions: string) => ({
        agentId,
        commit: {
          agentId,
          commit: child,
          blobs: [],
          branch: "main",
          expectedHead: root,
          event: event(projectId, agentId, "block.committed"),
        },
        instructions: {
          value: "be brief",
          expected: expectedInstructions,
          updatedAt: at(5),
          event: event(projectId, agentId, "agent.updated"),
        },
        insights: {
          upserts: [
            { id: id("ins"), agentId, text: "check twice", count: 1, createdAt: at(5), updatedAt: at(5) },
          ],
          deletes: [],
          expected: [],
          events: [event(projectId, agentId, "insights.changed")],
        },
      });

      // The instructions changed since the run read them: the commit before them is undone too.
      await assert.rejects(
        save(store, run, 1, accepted, [event(projectId, agentId, "evolution.accepted")], write("stale")),
        (error: unknown) => error instanceof ConflictError && error.details?.fenced === undefined,
      );
      assert.equal((await store.history.listBranches(agentId))[0]?.head, root);
      assert.equal((await store.agents.get(agentId))?.instructions, "");
      assert.deepEqual(await store.insights.list(agentId), []);
      assert.deepEqual(await store.evolution.listCandidates(agentId, run.id), []);
      assert.deepEqual(await store.events.list({ agentId, limit: 10 }), []);

      await save(store, run, 1, accepted, [event(projectId, agentId, "evolution.accepted")], write(""));
      assert.equal((await store.history.listBranches(agentId))[0]?.head, child.id);
      assert.equal((await store.agents.get(agentId))?.instructions, "be brief");
      assert.deepEqual(
        (await store.insights.list(agentId)).map((i) => i.text),
        ["check twice"],
      );
      assert.deepEqual(await store.evolution.listCandidates(agentId, run.id), [accepted]);
      // A writer fenced off by a resume is told so, and writes nothing of its changes.
      await save(store, { ...run, attempt: 2 }, 1, null, []);
      await assert.rejects(
        save(store, run, 1, null, [], { ...write("be brief"), commit: null, insights: null }),
        (error: unknown) => error instanceof ConflictError && error.details?.fenced === true,
      );
      assert.equal((await store.agents.get(agentId))?.instructions, "be brief");
    });
  });

  it("evolution: keeps agents apart and pages runs newest first", async () => {
    await withStore(async (store) => {
      const a = await agentIn(store);
      const b = await agentIn(store);
      const runs = [newRun(a.agentId), newRun(a.agentId), newRun(a.agentId)];
      for (const run of runs) await store.evolution.createRun(run, []);
      const first = await store.evolution.listRuns(a.agentId, { limit: 2 });
      assert.deepEqual(
        first.map((r) => r.id),
        [runs[2]?.id, runs[1]?.id],
      );
      const rest = await store.evolution.listRuns(a.agentId, { limit: 2, after: first[1]?.id });
      assert.deepEqual(
        rest.map((r) => r.id),
        [runs[0]?.id],
      );
      const run = runs[0] as EvolutionRun;
      assert.equal(await store.evolution.getRun(b.agentId, run.id), null);
      assert.deepEqual(await store.evolution.listRuns(b.agentId, { limit: 10 }), []);
      await save(store, run, 1, candidate(run, 0), []);
      assert.deepEqual(await store.evolution.listCandidates(b.agentId, run.id), []);
      await assert.rejects(save(store, { ...run, agentId: b.agentId }, 1, null, []), NotFoundError);
      // Deleting the agent takes its runs and candidates with it.
      await store.agents.delete(a.agentId, event(a.projectId, a.agentId, "agent.deleted"));
      assert.equal(await store.evolution.getRun(a.agentId, run.id), null);
      assert.deepEqual(await store.evolution.listCandidates(a.agentId, run.id), []);
    });
  });
}
