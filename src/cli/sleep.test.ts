import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { NO_MODEL_HELP } from "../models/language-model.ts";
import { startFakeChatServer } from "../test/fake-chat-server.ts";
import { type CliSandbox, sandbox, serveInProcess } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "helper", "--block", "human=Ada lives in Paris."]);
});
afterEach(() => s.cleanup());

async function addFacts() {
  for (const text of ["Ada lives in Paris", "Ada lives in Paris.", "Ada lives in Berlin"])
    await s.ok(["memory", "add", "helper", text]);
}

/**
 * A local OpenAI-compatible chat server speaking the real wire format. It answers consolidation with
 * a contradiction, reflection with one insight, and rethink with a new `human` block.
 */
function fakeChatServer() {
  return startFakeChatServer((request) => {
    const prompt = (request.body.messages as { content: string }[]).map((m) => m.content).join("\n");
    let answer: unknown = {};
    if (prompt.includes("Pair 1:"))
      answer = { pairs: [{ pair: 1, relation: "contradiction", reason: "Ada moved" }] };
    else if (prompt.includes("high-level insights"))
      answer = { insights: [{ text: "Ada relocates often", evidence: [1] }] };
    else if (prompt.includes("BLOCKS:"))
      answer = { blocks: [{ label: "human", value: "Ada lives in Berlin." }], message: "Ada moved" };
    return { text: JSON.stringify(answer) };
  });
}

describe("engram sleep", () => {
  it("runs the model-free jobs without a model, and says why the others were skipped", async () => {
    await addFacts();
    const run = await s.ok(["sleep", "helper"]);
    assert.deepEqual(
      run.jobs.map((j: { kind: string; status: string }) => [j.kind, j.status]),
      [
        ["consolidate", "succeeded"],
        ["forget", "succeeded"],
      ],
    );
    assert.deepEqual(run.skipped, [
      { kind: "reflect", reason: NO_MODEL_HELP },
      { kind: "rethink", reason: NO_MODEL_HELP },
    ]);
    assert.equal(run.jobs[0].result.changes[0].type, "merged");
    const archived = (await s.ok(["memory", "list", "helper", "--archived", "only"])).items;
    assert.equal(archived.length, 1);
    const text = await s.cli(["memory", "list", "helper", "--archived", "include"]);
    assert.match(text.stdout, /\(archived\) Ada lives in Paris/);

    const again = await s.cli(["sleep", "helper", "--jobs", "consolidate"]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^consolidate +succeeded +nothing to change\n/);
    assert.match(again.stdout, /warning: contradictions and relations were not checked/);
  });

  it("fails a job that needs a model with set-up help, exit code 1, and keeps the record", async () => {
    const failed = await s.cli(["sleep", "helper", "--jobs", "reflect", "--json"]);
    assert.equal(failed.code, 1);
    const { error } = failed.json();
    assert.equal(error.code, "unavailable");
    assert.match(
      error.message,
      /1 of 1 sleep-time job\(s\) failed: reflect: no language model is configured/,
    );
    assert.equal(error.details.jobs[0].status, "failed");
    const human = await s.cli(["sleep", "helper", "--jobs", "reflect"]);
    assert.match(human.stdout, /^reflect +failed +no language model is configured/);
    assert.match(human.stderr, /^engram: 1 of 1 sleep-time job/);
    const jobs = (await s.ok(["jobs", "list", "helper", "--status", "failed"])).items;
    assert.equal(jobs.length, 2);
    const shown = await s.cli(["jobs", "show", "helper", jobs[0].id]);
    assert.match(shown.stdout, /status +failed\nattempts +1 of 3/);
    assert.match(shown.stdout, /error +unavailable: no language model is configured/);
  });

  it("queues jobs for a runner, which runs them; rejects unknown jobs as a usage error", async () => {
    await addFacts();
    const queued = await s.ok(["sleep", "helper", "--enqueue", "--jobs", "forget,consolidate"]);
    assert.deepEqual(
      queued.jobs.map((j: { kind: string; status: string }) => `${j.kind}:${j.status}`),
      ["consolidate:queued", "forget:queued"],
    );
    // Held to deliveries (messages between agents), a run leaves these queued.
    assert.equal((await s.cli(["jobs", "run", "--kind", "deliver"])).stdout, "no jobs were due\n");
    const badKind = await s.cli(["jobs", "run", "--kind", "deliver,nap"]);
    assert.equal(badKind.code, 2);
    assert.match(badKind.stderr, /--kind takes decide, .*, forget, deliver; got "nap"/);
    const ran = await s.ok(["jobs", "run", "--kind", "consolidate,forget"]);
    assert.deepEqual(
      ran.map((j: { status: string }) => j.status),
      ["succeeded", "succeeded"],
    );
    const shown = await s.cli(["jobs", "show", "helper", queued.jobs[0].id]);
    assert.match(shown.stdout, /changes:\n {2}merged mem_\w+ into mem_\w+ \(near-duplicates/);
    assert.equal((await s.cli(["jobs", "run"])).stdout, "no jobs were due\n");
    const bad = await s.cli(["sleep", "helper", "--jobs", "nap"]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--jobs takes decide, extract, consolidate, reflect, rethink, forget; got "nap"/,
    );
    const badOptions = await s.cli(["sleep", "helper", "--options", '{"forget":{"threshold":5}}', "--json"]);
    assert.equal(badOptions.code, 1);
    assert.match(badOptions.json().error.message, /options\.forget\.threshold/);
  });

  it("archives and restores a memory by hand", async () => {
    const { memory } = await s.ok(["memory", "add", "helper", "a passing thought"]);
    const archived = await s.ok(["memory", "archive", "helper", memory.id]);
    assert.ok(archived.archivedAt !== null);
    assert.deepEqual((await s.ok(["memory", "list", "helper"])).items, []);
    assert.deepEqual((await s.ok(["memory", "search", "helper", "passing thought"])).results, []);
    const restored = await s.ok(["memory", "restore", "helper", memory.id]);
    assert.equal(restored.archivedAt, null);
    assert.equal((await s.ok(["memory", "search", "helper", "passing thought"])).results[0].id, memory.id);
  });

  it("runs every job for real through a configured OpenAI-compatible model, with a progress bar", async () => {
    const server = await fakeChatServer();
    const { requests } = server;
    try {
      const env = { ENGRAM_MODEL: "openai-compatible:test-chat", OPENAI_COMPATIBLE_BASE_URL: server.url };
      await addFacts();
      await s.ok(["messages", "add", "helper", "I just moved to Berlin", "--name", "Ada"]);
      const outcome = await s.cli(["sleep", "helper", "--json"], { env, tty: true });
      assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
      const run = outcome.json();
      assert.deepEqual(
        run.jobs.map((j: { kind: string; status: string }) => `${j.kind}:${j.status}`),
        ["consolidate:succeeded", "reflect:succeeded", "rethink:succeeded", "forget:succeeded"],
      );
      assert.deepEqual(run.skipped, []);
      assert.ok(requests.every((r) => r.path === "/v1/chat/completions"));
      assert.equal(requests.length, 3);
      assert.match(outcome.stderr, /consolidate \[#*\.*\] +0%/);
      assert.match(outcome.stderr.replaceAll("\x1b[K", ""), /done +\[#{30}\] 100% {2}4\/4\n$/);

      const current = (await s.ok(["memory", "list", "helper", "--valid-at", "2999-01-01T00:00:00Z"])).items;
      assert.deepEqual(current.map((m: { text: string }) => m.text).sort(), [
        "Ada lives in Berlin",
        "Ada relocates often",
      ]);
      const human = await s.ok(["block", "get", "helper", "human"]);
      assert.equal(human.value, "Ada lives in Berlin.");
      const log = (await s.ok(["log", "helper", "--limit", "1"])).items;
      assert.equal(log[0].author, "sleeptime");
      assert.match(log[0].message, /^sleeptime rethink: Ada moved/);
    } finally {
      await server.close();
    }
  });

  it("is run in the background by engram serve, which refuses a bad interval", async () => {
    await addFacts();
    const [queued] = (await s.ok(["sleep", "helper", "--enqueue", "--jobs", "consolidate"])).jobs;
    const server = serveInProcess(s);
    let status = "queued";
    for (let i = 0; i < 400 && status !== "succeeded"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const url = await server.url;
      const reply = await fetch(`${url}/v1/agents/helper/jobs/${queued.id}`);
      status = ((await reply.json()) as { status: string }).status;
    }
    assert.equal(await server.stop("SIGTERM"), 0);
    assert.equal(status, "succeeded");
    assert.equal((await s.cli(["serve", "--sleep-interval", "500ms"])).code, 2);
    assert.match(
      (await s.cli(["serve", "--sleep-interval", "soon"])).stderr,
      /--sleep-interval must be a duration/,
    );
  });
});
