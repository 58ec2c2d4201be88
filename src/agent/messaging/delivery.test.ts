import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { DELIVER_JOB, type Message } from "../../core/types.ts";
import { castModel, createTestEngram, type RoleScript } from "../../test/index.ts";

const send = (agent: string, message: string) => ({
  toolCalls: [{ name: "send_message_to_agent", input: { agent, message } }],
});

/** A boss that sends the worker one message without waiting, on an engine of `path` or in memory. */
async function office(worker: RoleScript, path?: string) {
  const engram = createTestEngram({
    model: castModel({ boss: [send("worker", "Please file the report"), { text: "Sent." }], worker }),
    ...(path === undefined ? {} : { path }),
  });
  const boss = await engram.agents.create({
    name: "boss",
    instructions: "[boss] You run the office.",
    metadata: { runtime: { messaging: true } },
  });
  const clerk = await engram.agents.create({ name: "worker", instructions: "[worker] You file." });
  return { engram, boss, worker: clerk };
}

const conversation = (messages: readonly Message[]) =>
  messages.map((m) => [m.role, m.role === "system" ? m.content.slice(0, 15) : m.content]);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "engram-deliver-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("messages sent without waiting are delivered durably", () => {
  it("a delivery cut off by SIGKILL mid-turn is delivered once by the next runner", async () => {
    const path = join(dir, "office.db");
    const url = (file: string) => JSON.stringify(new URL(file, import.meta.url).href);
    // A child process: the boss sends, the worker's turn starts and hangs on its model, and the
    // child says so; then it is killed.
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `
        const { createEngram } = await import(${url("../../engram.ts")});
        const { castModel } = await import(${url("../../test/index.ts")});
        const send = { toolCalls: [{ name: "send_message_to_agent", input: { agent: "worker", message: "Please file the report" } }] };
        const engram = createEngram({
          path: ${JSON.stringify(path)},
          env: {},
          model: castModel({
            boss: [send, { text: "Sent." }],
            worker: () => { process.stdout.write("worker thinking\\n"); return { hang: true }; },
          }),
        });
        const boss = await engram.agents.create({ name: "boss", instructions: "[boss] You run the office.", metadata: { runtime: { messaging: true } } });
        await engram.agents.create({ name: "worker", instructions: "[worker] You file." });
        const turn = await engram.runtime.send(boss.id, { content: "Get the report filed" });
        process.stdout.write("boss answered " + turn.answer + "\\n");
        `,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_, signal) => resolve(signal)),
    );
    let output = "";
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("worker thinking") && output.includes("boss answered")) resolve();
      });
      child.on("exit", () => resolve());
    });
    child.kill("SIGKILL");
    assert.equal(await exited, "SIGKILL");
    assert.match(output, /boss answered Sent\./);

    // The next engine on the file, once the dead process's leases have lapsed.
    const engram = createTestEngram({
      path,
      now: () => Date.now() + 60_000,
      model: castModel({ worker: [{ text: "Filed." }] }),
    });
    try {
      const worker = (await engram.agents.list()).items.find((a) => a.name === "worker");
      assert.ok(worker !== undefined);
      assert.deepEqual(conversation((await engram.messages.list(worker.id)).items), []);
      // A consolidation is due too: a run of deliveries alone leaves it queued.
      const [sleeping] = (await engram.sleeptime.enqueue(worker.id, { jobs: ["consolidate"] })).jobs;
      const [job, ...rest] = await engram.sleeptime.runPending({ kinds: [DELIVER_JOB] });
      assert.deepEqual(rest, []);
      assert.equal(job?.kind, DELIVER_JOB);
      assert.equal(job?.status, "succeeded");
      assert.equal(job?.attempts, 2);
      const log = (await engram.messages.list(worker.id)).items;
      assert.deepEqual(conversation(log), [
        ["user", "Please file the report"],
        ["assistant", "Filed."],
      ]);
      assert.equal(log[0]?.name, "boss");
      assert.equal((log[0]?.metadata.from as { mode?: string } | undefined)?.mode, "async");
      assert.deepEqual(await engram.sleeptime.runPending({ kinds: [DELIVER_JOB] }), [], "delivered once");
      assert.equal((await engram.sleeptime.get(worker.id, sleeping?.id ?? "")).status, "queued");
      await assert.rejects(
        engram.sleeptime.runPending({ kinds: ["nap" as never] }),
        /invalid jobs to run: .*expected one of .*"deliver"/,
      );
    } finally {
      await engram.close();
    }
  });

  it("an attempt after one that persisted its turn finds the message and does not answer again", async () => {
    const { engram, boss, worker } = await office([{ text: "Filed." }]);
    await engram.runtime.send(boss.id, { content: "Get the report filed" });
    await engram.runtime.settled();
    const [delivered] = (await engram.sleeptime.list(worker.id, { kind: DELIVER_JOB })).items;
    assert.equal(delivered?.status, "succeeded");
    // The same delivery again, as a runner finds it after a crash between the turn and the job's end.
    const again = {
      ...delivered,
      id: "job_again",
      status: "queued",
      attempts: 1,
      idempotencyKey: null,
    } as const;
    await engram.store.jobs.enqueue([{ ...again, result: null, finishedAt: null, leaseExpiresAt: null }]);
    const [job] = await engram.sleeptime.runPending();
    assert.equal(job?.status, "succeeded");
    assert.equal(job?.result?.recovered, true);
    assert.equal(job?.result?.turnId, delivered?.result?.turnId);
    // The worker's script has one step: a second turn would have failed on the missing step.
    assert.deepEqual(conversation((await engram.messages.list(worker.id)).items), [
      ["user", "Please file the report"],
      ["assistant", "Filed."],
    ]);
    await engram.close();
  });

  it("a turn that fails after recording the message fails its delivery for good: the message is not sent twice", async () => {
    const { engram, boss, worker } = await office([{ error: new Error("model down") }]);
    const turn = await engram.runtime.send(boss.id, { content: "File it" });
    assert.equal(turn.answer, "Sent.");
    await engram.runtime.settled();
    const [job] = (await engram.sleeptime.list(worker.id, { kind: DELIVER_JOB })).items;
    assert.equal(job?.status, "failed");
    assert.equal(job?.attempts, 1);
    assert.match(job?.error?.message ?? "", /model down/);
    const log = (await engram.messages.list(worker.id)).items;
    assert.deepEqual(conversation(log), [
      ["user", "Please file the report"],
      ["system", "The turn failed"],
    ]);
    assert.deepEqual(await engram.sleeptime.runPending(), []);
    await engram.close();
  });

  it("delivers beside the receiving agent's running sleep-time job, not after it", async () => {
    const { engram, boss, worker } = await office([{ text: "Filed." }]);
    const [sleeping] = (await engram.sleeptime.enqueue(worker.id, { jobs: ["forget"] })).jobs;
    // The engine's clock is at the start of 2026.
    const claimed = await engram.store.jobs.claim({
      now: "2026-06-01T00:00:00.000Z",
      leaseExpiresAt: "2030-01-01T00:00:00.000Z",
    });
    assert.equal(claimed?.id, sleeping?.id, "the worker's sleep-time job runs, under a lease to 2030");
    await engram.runtime.send(boss.id, { content: "Get the report filed" });
    await engram.runtime.settled();
    const [job] = (await engram.sleeptime.list(worker.id, { kind: DELIVER_JOB })).items;
    assert.equal(job?.status, "succeeded");
    assert.equal((await engram.messages.list(worker.id)).items.length, 2);
    await engram.close();
  });
});
