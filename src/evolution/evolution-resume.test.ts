import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError } from "../core/errors.ts";
import { createEngram, type Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import type { EvolutionReport } from "./report.ts";
import { modelTaskRunner, type TaskRunner } from "./task-runner.ts";
import { type Call, isReflection, memorisingModel, memoryTasks } from "./test-models.ts";

const SETTINGS = { rounds: 4, minibatch: 2, seed: 11, components: ["block:notes"] };

async function notesAgent(engram: Engram) {
  return engram.agents.create({ name: "memo", blocks: [{ label: "notes", value: "" }] });
}

/** What a run decided, free of ids and times: per candidate, its change, scores and decision. */
function decisions(report: EvolutionReport) {
  return report.candidates
    .filter((c) => c.decision !== "abandoned")
    .map((c) => ({
      round: c.round,
      decision: c.decision,
      reason: c.reason,
      changes: c.changes,
      validation: c.validation,
      heldOut: c.heldOut,
      minibatch: c.minibatch,
    }));
}

/** The run without interruption, on a fresh database: what a resumed run must come to. */
async function uninterrupted() {
  const engram = createTestEngram();
  const agent = await notesAgent(engram);
  const { report } = await engram.evolution.evolve(agent.id, {
    tasks: memoryTasks(),
    ...SETTINGS,
    model: memorisingModel().model,
  });
  return { report, notes: (await engram.blocks.get(agent.id, "notes")).value };
}

/** A model that throws once, on the first call `when` picks. */
function failingOnce(when: (call: Call) => boolean) {
  let failed = false;
  return memorisingModel((call) => {
    if (!failed && when(call)) {
      failed = true;
      throw new Error("connection reset by peer");
    }
  });
}

describe("evolution runs that crash", () => {
  for (const [name, when] of [
    [
      "reflection of round 2",
      (() => {
        let reflections = 0;
        return (call: Call) => isReflection(call) && ++reflections === 2;
      })(),
    ],
    [
      "scoring of a round-2 child",
      (call: Call) =>
        !isReflection(call) && call.user === "q9" && /Q: q2/.test(call.system) && /Q: q1/.test(call.system),
    ],
  ] as const) {
    it(`resume after a failure in the ${name} and end where an uninterrupted run ends`, async () => {
      const expected = await uninterrupted();
      const engram = createTestEngram();
      const agent = await notesAgent(engram);
      const { model } = failingOnce(when);
      await assert.rejects(
        engram.evolution.evolve(agent.id, { tasks: memoryTasks(), ...SETTINGS, model }),
        /connection reset by peer/,
      );
      const [failed] = (await engram.evolution.list(agent.id)).items;
      assert.equal(failed?.status, "failed");
      assert.match(failed?.error ?? "", /connection reset by peer/);
      assert.ok(
        (failed?.round ?? 0) >= 1 && (failed?.round ?? 0) < SETTINGS.rounds,
        `stopped at round ${failed?.round}`,
      );
      const mid = await engram.evolution.candidates(agent.id, failed?.id ?? "");
      assert.ok(
        mid.every((c) => c.decision !== "applying"),
        "nothing half applied",
      );

      const resumed = await engram.evolution.resume(agent.id, failed?.id ?? "", { model });
      assert.equal(resumed.run.status, "finished");
      assert.equal(resumed.run.attempt, 2);
      assert.deepEqual(decisions(resumed.report), decisions(expected.report));
      assert.equal((await engram.blocks.get(agent.id, "notes")).value, expected.notes);
      const commits = (await engram.history.log(agent.id, { limit: 50 })).items.filter(
        (c) => c.author === "evolver",
      );
      assert.equal(commits.length, expected.report.accepted - unchangedBlocks(expected.report));
      const kinds = (await engram.events.list({ agentId: agent.id, limit: 200 })).items.map((e) => e.kind);
      assert.ok(kinds.includes("evolution.failed") && kinds.includes("evolution.resumed"));
    });
  }

  it("a crash while recording an accepted candidate leaves the agent unchanged, and resume applies it once", async () => {
    let crash = true;
    const base = createTestEngram();
    // The store fails the write that records an accepted candidate, once: as if the process died there.
    // The candidate's changes to the agent are part of that write, so none of them is made.
    const store = {
      ...base.store,
      unitOfWork: () => {
        const work = base.store.unitOfWork();
        return {
          ...work,
          commit: async () => {
            const accepted = work.operations.some(
              (op) =>
                op.kind === "evolution.saveRun" &&
                op.candidate?.decision === "accepted" &&
                op.candidate.round === 1,
            );
            if (crash && accepted) {
              crash = false;
              throw new Error("process killed");
            }
            return work.commit();
          },
        };
      },
    };
    let time = Date.UTC(2026, 0, 1);
    const engram = createEngram({ store, now: () => time++ });
    const agent = await notesAgent(engram);
    const { model } = memorisingModel();
    await assert.rejects(
      engram.evolution.evolve(agent.id, { tasks: memoryTasks(), ...SETTINGS, model }),
      /process killed/,
    );
    const [run] = (await engram.evolution.list(agent.id)).items;
    const applying = (await engram.evolution.candidates(agent.id, run?.id ?? "")).find((c) => c.round === 1);
    assert.equal(applying?.decision, "applying");
    const [before] = (await engram.history.log(agent.id, { limit: 1 })).items;
    assert.notEqual(before?.author, "evolver", "nothing of the candidate was written");

    const { report } = await engram.evolution.resume(agent.id, run?.id ?? "", { model });
    const first = report.candidates.find((c) => c.round === 1);
    assert.equal(first?.decision, "accepted");
    const [head] = (await engram.history.log(agent.id, { limit: 50 })).items.filter(
      (c) => c.author === "evolver" && c.message.includes(first?.id ?? "?"),
    );
    assert.ok(head !== undefined, "the candidate's commit is there after the resume");
    assert.equal(first?.commit, head.id);
    const expected = await uninterrupted();
    assert.deepEqual(decisions(report), decisions(expected.report));
    assert.equal((await engram.blocks.get(agent.id, "notes")).value, expected.notes);
    const evolverCommits = (await engram.history.log(agent.id, { limit: 50 })).items.filter(
      (c) => c.author === "evolver",
    );
    assert.equal(
      new Set(evolverCommits.map((c) => c.message.split(" ")[2])).size,
      evolverCommits.length,
      "one commit per candidate",
    );
  });

  it("a resumed run fences off the process that drove it before", async () => {
    const engram = createTestEngram();
    const agent = await notesAgent(engram);
    const { model } = memorisingModel();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const inner = modelTaskRunner(model);
    const stalled: TaskRunner = {
      async run(input) {
        if (!held) {
          held = true;
          await gate;
        }
        return inner.run(input);
      },
    };
    const first = await engram.evolution.start(agent.id, {
      tasks: memoryTasks(),
      ...SETTINGS,
      model,
      runner: stalled,
    });
    const firstDone = first.done.then(
      () => "finished",
      (error: unknown) => error,
    );
    // The first driver hangs; another process takes the run over and finishes it.
    const second = await engram.evolution.resume(agent.id, first.run.id, { model });
    assert.equal(second.run.status, "finished");
    release();
    const outcome = await firstDone;
    assert.ok(outcome instanceof ConflictError, String(outcome));
    assert.match((outcome as Error).message, /another process resumed it/);
    const run = await engram.evolution.get(agent.id, first.run.id);
    assert.deepEqual([run.status, run.attempt], ["finished", 2]);
  });
});

/** Accepted candidates whose blocks equal their parent's make no commit. */
function unchangedBlocks(report: EvolutionReport): number {
  return report.candidates.filter((c) => c.round > 0 && c.decision === "accepted" && c.commit === null)
    .length;
}
