import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chatText, startChatServer } from "../evolution/test-chat-server.ts";
import { runCli } from "./test-harness.ts";

describe("engram bench evolve --simulate", () => {
  it("prints both gates' figures in the documented shape, with a plot of true accuracy against rollouts", async () => {
    const out = await runCli(["bench", "evolve", "--simulate", "--seeds", "1-2", "--budget", "80", "--json"]);
    assert.equal(out.code, 0, out.stderr);
    const result = out.json();
    assert.deepEqual(Object.keys(result.gates).sort(), ["sequential", "tolerance"]);
    for (const gate of ["tolerance", "sequential"]) {
      const g = result.gates[gate];
      for (const key of [
        "falseAcceptRate",
        "falseRejectRate",
        "finalTrueAccuracy",
        "oracleAccuracy",
        "rollouts",
      ])
        assert.equal(typeof g[key], "number", `${gate}.${key}`);
      assert.ok(g.falseAcceptRate >= 0 && g.falseAcceptRate <= 1);
      assert.ok(g.finalTrueAccuracy <= g.oracleAccuracy + 1e-9, gate);
      assert.ok(g.rollouts > 0 && g.rollouts <= 80, `${gate} rollouts ${g.rollouts}`);
      assert.equal(g.curve.at(-1).rollouts, 80);
    }
    assert.deepEqual(result.seeds, [1, 2]);
    assert.deepEqual(result.settings, { risk: 0.2, minGain: 0.05, gateBudget: 80, tolerance: 0 });

    const text = await runCli(["bench", "evolve", "--simulate", "--seeds", "3", "--budget", "60"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /false-accept rate +\d+\.\d % \(\d+ of \d+\) +\d+\.\d % \(\d+ of \d+\)/);
    assert.match(text.stdout, /Mean true accuracy against rollouts:\n1\.00 \|/);
    assert.match(text.stdout, /- oracle 0\.\d+ {3}t tolerance {3}s sequential/);
  });

  it("refuses a risk outside (0, 1) or a budget too small to decide anything, before running", async () => {
    const risk = await runCli(["bench", "evolve", "--simulate", "--risk", "1.5", "--json"]);
    assert.equal(risk.code, 1);
    assert.match(risk.json().error.message, /risk: must be below 1/);
    const zero = await runCli(["bench", "evolve", "--simulate", "--risk", "0", "--json"]);
    assert.match(zero.json().error.message, /risk: must be above 0/);
    const budget = await runCli(["bench", "evolve", "--simulate", "--gate-budget", "3", "--json"]);
    assert.match(budget.json().error.message, /gateBudget: 3 rollouts cannot decide anything/);
    const mixed = await runCli(["bench", "evolve", "--simulate", "--tasks", "x.jsonl"]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--simulate takes no --tasks/);
  });
});

/** Game of 24 solutions the scripted model knows, for puzzles of the fixture. */
const SOLUTIONS: Record<string, string> = {
  "1 1 4 6": "(1 + 1) * (6 + 4) + 4 - 0",
  "4 9 10 13": "(10 - 4) * (13 - 9)",
  "3 3 8 8": "8 / (3 - 8 / 3)",
  "1 2 3 4": "1 * 2 * 3 * 4",
  "2 3 4 5": "(5 + 3 - 2) * 4",
  "1 1 3 8": "(1 + 1 + 1) * 8 - 0",
  "2 2 2 3": "(2 + 2) * 2 * 3",
  "1 5 5 5": "5 * (5 - 1 / 5)",
  "3 4 5 6": "(3 + 5 - 4) * 6",
};

describe("engram bench evolve --tasks", () => {
  let chat: Awaited<ReturnType<typeof startChatServer>>;
  let dir: string;
  before(async () => {
    // A model that answers with a bare 24 until its instructions ask for an expression.
    chat = await startChatServer((request) => {
      const { system, user } = chatText(request);
      if (user.startsWith("You improve the learned context"))
        return "```\nGive one arithmetic expression that uses each of the four numbers once and equals 24.\n```";
      return system.includes("arithmetic expression") ? (SOLUTIONS[user.trim()] ?? "24") : "24";
    });
    dir = mkdtempSync(join(tmpdir(), "engram-evolve-data-"));
    const lines = Object.keys(SOLUTIONS).map((input) =>
      JSON.stringify({ input, expected: "24", checker: "game24" }),
    );
    writeFileSync(join(dir, "game24-mini.jsonl"), `${lines.join("\n")}\n`);
    writeFileSync(join(dir, "bbh-word_sorting.jsonl"), '{"input": "Sort: b a", "expected": "a b"}\n');
  });
  after(async () => {
    await chat.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs on a built-in task set from the data folder and reports accuracy before and after, tokens and rollouts", async () => {
    const out = await runCli(
      [
        "bench",
        "evolve",
        "--tasks",
        "game24",
        "--model",
        "openai-compatible:local-test",
        "--rounds",
        "3",
        "--seed",
        "2",
        "--gate",
        "tolerance",
        "--json",
      ],
      { env: { ...chat.env, ENGRAM_EVOLVE_DATA: dir } },
    );
    assert.equal(out.code, 0, out.stderr + out.stdout);
    const r = out.json();
    assert.equal(r.source, join(dir, "game24-mini.jsonl"));
    assert.equal(r.model, "openai-compatible:local-test");
    assert.deepEqual([r.before.accuracy, r.after.accuracy], [0, 1]);
    assert.ok(r.after.interval[0] <= 1 && r.after.interval[1] === 1);
    assert.ok(r.gain.estimate === 1 && r.gain.interval[0] > 0);
    assert.ok(r.accepted >= 1);
    assert.equal(r.tasks.train + r.tasks.validation + r.tasks.heldOut, 9);
    assert.ok(r.rollouts.evolution > 0);
    assert.equal(r.rollouts.total, r.rollouts.evolution + r.rollouts.finalEvaluation);
    assert.equal(r.tokens.calls, chat.requests.length);
    assert.ok(r.tokens.total > 0);

    const text = await runCli(
      [
        "bench",
        "evolve",
        "--tasks",
        join(dir, "game24-mini.jsonl"),
        "--model",
        "openai-compatible:local-test",
        "--rounds",
        "1",
      ],
      { env: chat.env },
    );
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /held-out accuracy before: 0\.000 \(95 % interval/);
    assert.match(text.stdout, /gate sequential \(risk 0\.2, min gain 0\.05, budget 80\)/);
    assert.match(text.stdout, /tokens: \d+ \(\d+ in, \d+ out\) over \d+ model calls/);
  });

  it("refuses bad input before any model call: a malformed line, an unknown checker, a bad setting, an unknown set", async () => {
    const calls = chat.requests.length;
    const bad = join(dir, "bad.jsonl");
    const run = (args: string[]) =>
      runCli(["bench", "evolve", ...args, "--model", "openai-compatible:local-test", "--json"], {
        env: { ...chat.env, ENGRAM_EVOLVE_DATA: dir },
      });
    writeFileSync(
      bad,
      '{"input": "1 2 3 4", "checker": "game24"}\n{"input": "1 2 3 4", "checker": "game42"}\n',
    );
    const unknown = await run(["--tasks", bad]);
    assert.match(
      unknown.json().error.message,
      /^invalid line 2 of .*bad\.jsonl: checker: unknown checker "game42"/,
    );
    writeFileSync(bad, '{"input": "1 2 3 4", "checker": "game24"}\n{"input": \n');
    const malformed = await run(["--tasks", bad]);
    assert.match(malformed.json().error.message, /^line 2 of .*bad\.jsonl is not valid JSON/);
    const risk = await run(["--tasks", "game24", "--risk", "2"]);
    assert.match(risk.json().error.message, /risk: must be below 1/);
    const budget = await run(["--tasks", "game24", "--gate-budget", "2"]);
    assert.match(budget.json().error.message, /gateBudget: 2 rollouts cannot decide anything/);
    const missing = await run(["--tasks", "bbh:navigate"]);
    assert.match(
      missing.json().error.message,
      /no task set for bbh:navigate in .* \(there: bbh:word_sorting\)/,
    );
    const noDir = await runCli(["bench", "evolve", "--tasks", "gsm8k", "--json"], { env: {} });
    assert.match(noDir.json().error.message, /--data-dir DIR or ENGRAM_EVOLVE_DATA/);
    assert.equal(chat.requests.length, calls);
  });
});
