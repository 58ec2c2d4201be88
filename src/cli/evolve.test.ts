import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { chatText, startChatServer } from "../evolution/test-chat-server.ts";
import { capitalTasks } from "../evolution/test-models.ts";
import { type CliSandbox, sandbox } from "./test-harness.ts";

const CITIES: Record<string, string> = {
  France: "Paris",
  Italy: "Rome",
  Spain: "Madrid",
  Germany: "Berlin",
  Japan: "Tokyo",
  Kenya: "Nairobi",
  Peru: "Lima",
  Chile: "Santiago",
  Egypt: "Cairo",
};

let chat: Awaited<ReturnType<typeof startChatServer>>;
before(async () => {
  chat = await startChatServer((request) => {
    const { system, user } = chatText(request);
    if (user.startsWith("You improve the learned context"))
      return "```\nWrite answers in UPPERCASE letters.\n```";
    const city = CITIES[/capital of (\w+)/.exec(user)?.[1] ?? ""] ?? "unknown";
    return system.includes("UPPERCASE") ? city.toUpperCase() : city;
  });
});
after(() => chat.close());

let s: CliSandbox;
let tasks: string;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "geo", "--instructions", "Name the capital."]);
  await s.ok(["block", "set", "geo", "style", "Write plainly."]);
  tasks = join(s.dir, "tasks.jsonl");
  writeFileSync(
    tasks,
    `${capitalTasks()
      .map((t) => JSON.stringify(t))
      .join("\n")}\n`,
  );
});
afterEach(() => s.cleanup());

describe("engram evolve", () => {
  it("runs for real against a configured model, commits the winner and writes the report", async () => {
    const md = join(s.dir, "report.md");
    const args = [
      "evolve",
      "geo",
      "--tasks",
      tasks,
      "--rounds",
      "2",
      "--seed",
      "3",
      "--components",
      "block:style",
    ];
    const out = await s.cli([...args, "--report", md, "--json"], { env: chat.env, tty: true });
    assert.equal(out.code, 0, out.stderr + out.stdout);
    const report = out.json();
    assert.deepEqual([report.run.status, report.baseline.heldOut, report.final.heldOut], ["finished", 0, 1]);
    assert.equal(report.config.model, "openai-compatible:local-test");
    assert.equal(report.config.source, tasks);
    assert.match(out.stderr, /baseline +\[#+\] 100%/);
    assert.match(out.stderr, /rounds +\[#+\] 100% {2}2\/2/);
    assert.ok(chat.requests.every((r) => r.model === "local-test"));
    assert.ok(chat.requests.some((r) => r.seed !== undefined));
    assert.equal((await s.ok(["block", "get", "geo", "style"])).value, "Write answers in UPPERCASE letters.");
    const log = (await s.ok(["log", "geo"])).items;
    assert.equal(log[0].author, "evolver");
    assert.match(
      readFileSync(md, "utf8"),
      /^# Evolution run evo_\w+\n[\s\S]*```diff\n-Write plainly\.\n\+Write answers in UPPERCASE letters\.\n```/,
    );

    const listed = await s.ok(["evolution", "list", "geo"]);
    assert.deepEqual(
      listed.items.map((r: { id: string }) => r.id),
      [report.run.id],
    );
    const shown = await s.cli(["evolution", "show", "geo", report.run.id]);
    // The sequential gate scored the accepted child on its draws, the baseline on every held-out task.
    assert.match(
      shown.stdout,
      /^run +evo_\w+\nstatus +finished, 2 of 2 rounds\nheld-out +0 -> 1 \(the last accepted candidate: mean of the gate's \d+ draws; the baseline: all 3 held-out tasks\)\n/,
    );
    assert.match(shown.stdout, /ROUND +CHANGE +VALID +HELD-OUT +GATE +DECISION +WHY\n0 +seed/);
    // The sequential gate's decision: its estimate, interval, draws and rollouts, in the table and the JSON.
    const child = report.candidates.find(
      (c: { decision: string; round: number }) => c.round > 0 && c.decision === "accepted",
    );
    assert.equal(child.gate.stop, "accept");
    assert.ok(child.gate.interval[0] > 0, JSON.stringify(child.gate));
    assert.match(
      shown.stdout,
      new RegExp(
        `\\+${child.gate.estimate} \\[${child.gate.interval[0]}, ${child.gate.interval[1]}\\], ${child.gate.draws} draws, ${child.gate.rollouts} rollouts +accepted`,
      ),
    );
    assert.match(shown.stdout, /gate +sequential \(risk 0\.2, smallest gain 0\.05, budget 80 rollouts\)/);
    const again = await s.cli(["evolve", "geo", "--resume", report.run.id, "--json"], { env: chat.env });
    assert.deepEqual([again.code, again.json().error.code], [1, "conflict"]);
    assert.match(again.json().error.message, /has finished/);

    // Rolled back: the block as the run found it, in a commit authored user; then nothing left to undo.
    const rolled = await s.cli(["evolution", "rollback", "geo", report.run.id]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(
      rolled.stdout,
      /^rolled back run evo_\w+ on geo: 1 accepted candidate\(s\) undone, blocks restored in commit [0-9a-f]{12}\n$/,
    );
    assert.equal((await s.ok(["block", "get", "geo", "style"])).value, "Write plainly.");
    assert.equal((await s.ok(["log", "geo"])).items[0].author, "user");
    const twice = await s.ok(["evolution", "rollback", "geo", report.run.id]);
    assert.equal(twice.changed, false);
  });

  it("refuses a bad task file naming the line, and records nothing", async () => {
    writeFileSync(
      tasks,
      '{"input": "a", "expected": "b"}\n{"input": "c", "checker": "numeric", "expected": "x"}\n',
    );
    const out = await s.cli(["evolve", "geo", "--tasks", tasks, "--rounds", "1", "--json"], {
      env: chat.env,
    });
    assert.equal(out.code, 1);
    assert.equal(out.json().error.code, "invalid_input");
    assert.match(
      out.json().error.message,
      new RegExp(`^invalid line 2 of ${tasks.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: expected: `),
    );
    assert.deepEqual((await s.ok(["evolution", "list", "geo"])).items, []);
    const usage = await s.cli(["evolve", "geo", "--tasks", tasks]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing --rounds N/);
    const bad = await s.cli(
      ["evolve", "geo", "--tasks", tasks, "--rounds", "1", "--tolerance=-1", "--json"],
      { env: chat.env },
    );
    assert.match(bad.json().error.message, /tolerance: must be at least 0/);
  });

  it("without a model exits 1 saying how to set ENGRAM_MODEL", async () => {
    const out = await s.cli(["evolve", "geo", "--tasks", tasks, "--rounds", "1"]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^engram: no language model is configured: set ENGRAM_MODEL/);
  });

  it("uses custom checkers from a module", async () => {
    const module = join(s.dir, "checkers.mjs");
    writeFileSync(
      module,
      'export function shouting(output) { return output === output.toUpperCase() ? { score: 1, feedback: "loud" } : { score: 0, feedback: "answer in capitals" }; }\n',
    );
    writeFileSync(
      tasks,
      `${capitalTasks()
        .map((t) => JSON.stringify({ ...t, expected: undefined, checker: "shouting" }))
        .join("\n")}\n`,
    );
    const out = await s.cli(
      [
        "evolve",
        "geo",
        "--tasks",
        tasks,
        "--rounds",
        "1",
        "--components",
        "block:style",
        "--checkers",
        module,
        "--json",
      ],
      { env: chat.env },
    );
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.equal(out.json().final.heldOut, 1);
    const missing = await s.cli(["evolve", "geo", "--tasks", tasks, "--rounds", "1", "--json"], {
      env: chat.env,
    });
    assert.match(missing.json().error.message, /unknown checker "shouting"/);
  });
});

describe("engram distill", () => {
  it("writes SFT and DPO JSONL to a file or stdout", async () => {
    await s.ok(
      [
        "evolve",
        "geo",
        "--tasks",
        tasks,
        "--rounds",
        "1",
        "--components",
        "block:style",
        "--gate",
        "tolerance",
      ],
      { env: chat.env },
    );
    const file = join(s.dir, "sft.jsonl");
    const out = await s.cli(["distill", "geo", "--format", "sft", "--out", file]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /^wrote 9 sft examples to .*sft\.jsonl \(episodes 0, conversations 0, evolution 9\)\n$/,
    );
    const first = JSON.parse(readFileSync(file, "utf8").split("\n")[0] ?? "");
    assert.equal(first.messages[0].role, "system");
    assert.match(first.messages[0].content, /^<instructions>\nName the capital\.\n<\/instructions>/);
    const stdout = await s.cli(["distill", "geo", "--format", "dpo"]);
    const pairs = stdout.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(pairs.length, 9);
    assert.deepEqual(Object.keys(pairs[0]), ["input", "preferred_output", "non_preferred_output"]);
    const usage = await s.cli(["distill", "geo"]);
    assert.equal(usage.code, 2);
    const bad = await s.cli(["distill", "geo", "--format", "xml", "--json"]);
    assert.match(bad.json().error.message, /format: must be sft or dpo/);
  });
});
