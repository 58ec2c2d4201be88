import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { formatStartupBench } from "../bench/startup-bench.ts";
import { runCli } from "./test-harness.ts";

describe("engram bench git", () => {
  it("exports an agent's history with the real git and imports commits made there", async () => {
    const out = await runCli(["bench", "git", "--commits", "30", "--imports", "3", "--json"]);
    assert.equal(out.code, 0, out.stderr);
    const result = out.json();
    assert.equal(result.commits, 30);
    assert.equal(result.imports, 3);
    assert.ok(result.exportSeconds > 0 && result.importSeconds > 0);
    assert.equal(result.targets.exportSeconds, 10);
  });
});

describe("engram bench store", () => {
  it("runs the store benchmark and prints its result as JSON", async () => {
    const out = await runCli(["bench", "store", "--commits", "20", "--samples", "5", "--json"]);
    assert.equal(out.code, 0, out.stderr);
    const result = out.json();
    assert.equal(result.priorCommits, 20);
    assert.equal(result.commit.samples, 5);
    assert.equal(result.readHead.samples, 10);
    assert.equal(typeof result.pass, "boolean");
    assert.equal(out.stderr, "", "no progress when stderr is not a terminal");
  });

  it("prints a report, with a progress bar on stderr when it is a terminal", async () => {
    const out = await runCli(["bench", "store", "--commits", "10", "--samples", "2"], { tty: true });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^engram bench store/);
    assert.match(out.stdout, /agent with 10 prior commits/);
    assert.match(out.stderr, /\r\[#{30}\] 100% {2}16\/16\n$/);
  });
});

describe("engram bench retrieval", () => {
  it("runs a small retrieval benchmark and prints the documented keys", async () => {
    const out = await runCli(["bench", "retrieval", "--n", "300", "--queries", "5", "--json"]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    assert.equal(result.n, 300);
    assert.equal(typeof result.insertPerSecond, "number");
    for (const mode of ["lexical", "hybrid"]) {
      for (const p of ["p50", "p95", "p99"]) assert.equal(typeof result[mode][p], "number", `${mode}.${p}`);
      assert.equal(result[mode].samples, 5);
    }
    assert.equal(out.stderr, "");
  });

  it("measures lexical search only with --no-hybrid, with progress per phase on a terminal", async () => {
    const out = await runCli(["bench", "retrieval", "--n", "50", "--queries", "3", "--no-hybrid"], {
      tty: true,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^engram bench retrieval/);
    assert.match(out.stdout, /lexical +p50/);
    assert.doesNotMatch(out.stdout, /hybrid +p50/);
    assert.match(out.stderr, /\rinsert +\[#+\] 100% {2}50\/50\n/);
    assert.match(out.stderr, /\rlexical +\[#+\] 100% {2}3\/3\n$/);
  });

  it("times lexical search with the graph off and on with --graph, and leaves it out without", async () => {
    const out = await runCli([
      "bench",
      "retrieval",
      "--n",
      "200",
      "--queries",
      "4",
      "--no-hybrid",
      "--graph",
      "--json",
    ]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    for (const mode of ["off", "on"]) assert.equal(result.graph[mode].samples, 4, mode);
    assert.equal(typeof result.graph.p95Ratio, "number");
    assert.ok(result.graph.entities > 0, "the synthetic sentences name entities");
    const without = await runCli([
      "bench",
      "retrieval",
      "--n",
      "50",
      "--queries",
      "2",
      "--no-hybrid",
      "--json",
    ]);
    assert.equal(without.json().graph, null);
  });

  it("rejects a count that is not a positive integer with exit 2", async () => {
    for (const argv of [
      ["--n", "lots"],
      ["--n", "0"],
      ["--queries", "-1"],
    ]) {
      const out = await runCli(["bench", "retrieval", ...argv, "--json"]);
      assert.deepEqual([out.code, out.json().error.code], [2, "usage"], argv.join(" "));
    }
  });
});

describe("engram bench limits", () => {
  it("measures engram and raw SQLite side by side and gives each ratio as data", async () => {
    const out = await runCli(["bench", "limits", "--n", "500", "--json"]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    assert.equal(result.n, 500);
    assert.equal(result.vectorsScanned, 500, "untrained lists are searched exactly: every vector");
    assert.ok(result.embedderRowsPerSecond > 0, `embedder rate ${result.embedderRowsPerSecond}`);
    assert.deepEqual(
      result.measures.map((m: { measure: string }) => m.measure),
      [
        "insert, lexical only",
        "insert with vectors",
        "lexical search p50",
        "lexical search p95",
        "hybrid search p95",
        "hybrid search p95",
        "database, lexical only",
        "database with vectors",
      ],
    );
    for (const m of result.measures) {
      for (const key of ["engram", "raw", "ratio"])
        assert.ok(Number.isFinite(m[key]) && m[key] > 0, `${m.measure} (${m.baseline}): ${key} = ${m[key]}`);
      assert.equal(typeof m.baseline, "string");
    }
    assert.equal(out.stderr, "");
  });

  it("gives the lexical figures alone with --no-vectors", async () => {
    const out = await runCli(["bench", "limits", "--n", "300", "--no-vectors", "--json"]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    assert.deepEqual(
      result.measures.map((m: { measure: string }) => m.measure),
      ["insert, lexical only", "lexical search p50", "lexical search p95", "database, lexical only"],
    );
    assert.equal(result.embedderRowsPerSecond, 0);
    for (const m of result.measures) assert.ok(m.ratio > 0, `${m.measure}: ratio ${m.ratio}`);
  });

  it("rejects a count that is not a positive integer with exit 2", async () => {
    for (const n of ["lots", "0", "-5"]) {
      const out = await runCli(["bench", "limits", "--n", n, "--json"]);
      assert.deepEqual([out.code, out.json().error.code], [2, "usage"], n);
    }
  });
});

describe("engram bench locomo", () => {
  let dir: string;
  let data: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "engram-cli-locomo-"));
    data = join(dir, "tiny-locomo.json");
    // Made up for this test, in the LoCoMo format: 2 sessions, 6 turns, 3 questions with evidence.
    const turn = (speaker: string, dia_id: string, text: string) => ({ speaker, dia_id, text });
    writeFileSync(
      data,
      JSON.stringify([
        {
          sample_id: "tiny-1",
          conversation: {
            speaker_a: "Mira",
            speaker_b: "Jon",
            session_1_date_time: "9:15 am on 3 March, 2024",
            session_1: [
              turn("Mira", "D1:1", "I finally adopted a greyhound named Pepper last weekend."),
              turn("Jon", "D1:2", "Congratulations! I spent the weekend repairing my old sailboat."),
              turn("Mira", "D1:3", "Pepper loves running on the beach every morning."),
            ],
            session_2_date_time: "6:40 pm on 20 April, 2024",
            session_2: [
              turn("Jon", "D2:1", "The sailboat is fixed, I sailed to the lighthouse island on Sunday."),
              {
                ...turn("Mira", "D2:2", "Look at this photo from my pottery class."),
                blip_caption: "a blue vase",
              },
              turn("Jon", "D2:3", "Lovely vase! Is the pottery class on Thursdays?"),
            ],
          },
          observation: {},
          session_summary: {},
          event_summary: {},
          qa: [
            {
              question: "What is the name of Mira's greyhound?",
              answer: "Pepper",
              evidence: ["D1:1"],
              category: 4,
            },
            {
              question: "Where did Jon sail after repairing his sailboat?",
              answer: "the lighthouse island",
              evidence: ["D1:2", "D2:1"],
              category: 1,
            },
            {
              question: "What did Mira make in her pottery class?",
              answer: "a vase",
              evidence: ["D2:2"],
              category: 4,
            },
          ],
        },
      ]),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints recall keyed by k with overall, as JSON", async () => {
    const out = await runCli(["bench", "locomo", "--data", data, "--k", "1,5", "--json"]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    assert.deepEqual(Object.keys(result.recall), ["1", "5"]);
    for (const k of ["1", "5"]) {
      assert.equal(typeof result.recall[k].overall, "number");
      assert.ok(result.recall[k].overall >= 0 && result.recall[k].overall <= 100);
    }
    assert.equal(result.recall["5"].overall, 100, "6 turns: every evidence turn is in the top 5");
    assert.equal(result.questions, 3);
    assert.equal(result.turns, 6);
    assert.equal(out.stderr, "");
  });

  it("prints a report with the default cut-offs", async () => {
    const out = await runCli(["bench", "locomo", "--data", data]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^engram bench locomo/);
    assert.match(out.stdout, /R@5 +R@10 +R@25 +R@50/);
    assert.match(out.stdout, /\noverall /);
  });

  it("runs only the conversations named by --conversation, and names an unknown one", async () => {
    const one = await runCli(["bench", "locomo", "--data", data, "--conversation", "tiny-1", "--json"]);
    assert.equal(one.code, 0, one.stdout + one.stderr);
    assert.deepEqual([one.json().conversations, one.json().questions], [1, 3]);
    const unknown = await runCli([
      "bench",
      "locomo",
      "--data",
      data,
      "--conversation",
      "tiny-1,tiny-9",
      "--json",
    ]);
    assert.deepEqual([unknown.code, unknown.json().error.code], [1, "invalid_input"]);
    assert.match(
      unknown.json().error.message,
      /--conversation: "tiny-9" is not in .*tiny-locomo\.json \(it has tiny-1\)/,
    );
    const empty = await runCli(["bench", "locomo", "--data", data, "--conversation", "tiny-1,", "--json"]);
    assert.deepEqual([empty.code, empty.json().error.code], [2, "usage"]);
    assert.match(empty.json().error.message, /--conversation must be a comma-separated list of ids/);
  });

  it("rejects a bad --k with exit 2, and a missing or malformed file with exit 1 naming it", async () => {
    for (const k of ["abc", "5,,10", "0", "5,-1", "2.5"]) {
      const out = await runCli(["bench", "locomo", "--data", data, "--k", k, "--json"]);
      assert.deepEqual([out.code, out.json().error.code], [2, "usage"], k);
      assert.match(out.json().error.message, /--k must be a comma-separated list of positive integers/);
    }
    const noData = await runCli(["bench", "locomo", "--json"]);
    assert.deepEqual([noData.code, noData.json().error.code], [2, "usage"]);
    const missing = await runCli(["bench", "locomo", "--data", join(dir, "nope.json"), "--json"]);
    assert.deepEqual([missing.code, missing.json().error.code], [1, "invalid_input"]);
    assert.match(missing.json().error.message, /cannot read LoCoMo data file .*nope\.json: no such file/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "[{");
    const malformed = await runCli(["bench", "locomo", "--data", bad, "--json"]);
    assert.deepEqual([malformed.code, malformed.json().error.code], [1, "invalid_input"]);
    assert.match(malformed.json().error.message, /LoCoMo data file .*bad\.json is not valid JSON/);
    writeFileSync(bad, '{"not":"a list"}');
    const shape = await runCli(["bench", "locomo", "--data", bad, "--json"]);
    assert.deepEqual([shape.code, shape.json().error.code], [1, "invalid_input"]);
    assert.match(shape.json().error.message, /LoCoMo data file .*bad\.json: must be a JSON list/);
  });
});

describe("engram bench learn", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "engram-cli-learn-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints both learning curves with the documented keys as JSON, and plots them", async () => {
    const plot = join(dir, "curve.svg");
    const out = await runCli([
      "bench",
      "learn",
      "--env",
      "frozenlake-4x4",
      "--episodes",
      "40",
      "--eval-episodes",
      "5",
      "--json",
      "--plot",
      plot,
    ]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    for (const key of ["env", "episodes", "curve", "final", "baseline", "episodesToTarget", "seed", "target"])
      assert.ok(key in result, key);
    assert.equal(result.env, "frozenlake-4x4");
    assert.equal(result.episodes, 40);
    for (const learner of [result, result.baseline]) {
      assert.ok(learner.curve.length > 0);
      for (const point of learner.curve)
        assert.deepEqual(Object.keys(point).sort(), ["episode", "meanReturn", "successRate"]);
      assert.equal(learner.curve.at(-1).episode, 40);
      assert.deepEqual(Object.keys(learner.final).sort(), ["meanReturn", "successRate"]);
      assert.ok(learner.final.successRate >= 0 && learner.final.successRate <= 1);
    }
    assert.equal(out.stderr, `plot: ${plot}\n`, "no progress when stderr is not a terminal");
    const svg = readFileSync(plot, "utf8");
    assert.match(svg, /^<svg /);
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    assert.match(svg, /frozenlake-4x4: success rate/);
  });

  it("prints the curves as a table, with progress on a terminal", async () => {
    const out = await runCli(
      [
        "bench",
        "learn",
        "--env",
        "frozenlake-4x4",
        "--episodes",
        "20",
        "--window",
        "10",
        "--eval-episodes",
        "2",
      ],
      { tty: true },
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^engram bench learn — frozenlake-4x4, 20 training episodes, seed 1\n/);
    assert.match(
      out.stdout,
      /\nEPISODE +SUCCESS +RETURN +Q-LEARNING SUCCESS +Q-LEARNING RETURN\n10 +\d\.\d\d +/,
    );
    assert.match(out.stdout, /\n20 +\d\.\d\d +-?\d+\.\d\d +\d\.\d\d +-?\d+\.\d\d\n/);
    assert.match(
      out.stdout,
      /\nengram experience memory +\d\.\d\d +-?\d+\.\d\d +(\d+ episodes|not reached)\n/,
    );
    assert.match(out.stdout, /\ntabular Q-learning +\d\.\d\d +-?\d+\.\d\d +(\d+ episodes|not reached)\n/);
    assert.match(out.stderr, /\rexperience memory \[#{30}\] 100% {2}20\/20\n/);
    assert.match(out.stderr, /\rtabular Q-learning \[#{30}\] 100% {2}20\/20\n$/);
  });

  it("refuses an unknown environment with exit 1 naming the valid ones, and bad counts with exit 2", async () => {
    const unknown = await runCli(["bench", "learn", "--env", "mountaincar", "--episodes", "5", "--json"]);
    assert.deepEqual([unknown.code, unknown.json().error.code], [1, "invalid_input"]);
    assert.match(unknown.json().error.message, /mountaincar.*frozenlake-4x4, .*cliffwalking, taxi/);
    for (const argv of [
      ["--env", "taxi", "--episodes", "0"],
      ["--env", "taxi", "--episodes", "many"],
      ["--env", "taxi"],
      ["--episodes", "5"],
      ["--env", "taxi", "--episodes", "5", "--eval-episodes", "0"],
      ["--env", "taxi", "--episodes", "5", "--window", "-1"],
    ]) {
      const out = await runCli(["bench", "learn", ...argv, "--json"]);
      assert.deepEqual([out.code, out.json().error.code], [2, "usage"], argv.join(" "));
    }
  });
});

describe("engram bench context", () => {
  it("runs a small runtime benchmark: compile and turn latencies at both window sizes", async () => {
    const out = await runCli([
      "bench",
      "context",
      "--memories",
      "300",
      "--messages",
      "300",
      "--samples",
      "5",
      "--turns",
      "4",
      "--json",
    ]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    assert.equal(result.memories, 300);
    assert.equal(result.messages, 300);
    assert.equal(result.blocks, 10);
    // 300 messages are more than the 200 a context holds: the first turn summarised, then answered.
    assert.ok(result.firstTurnModelCalls >= 2);
    for (const window of ["window128k", "window8k"]) {
      assert.equal(result[window].compile.samples, 5);
      assert.equal(result[window].answerOnly.samples, 4);
      assert.equal(result[window].withMemoryEdit.samples, 4);
      assert.ok(result[window].messages > 0);
    }
    assert.deepEqual(result.targets, { compileP95Ms: 20, turnP95Ms: 30 });
    assert.equal(result.shared, undefined);
  });

  it("with --shared N, compares compiling with N blocks shared against all private, in one run", async () => {
    const args = [
      "bench",
      "context",
      "--memories",
      "50",
      "--messages",
      "20",
      "--samples",
      "12",
      "--turns",
      "1",
    ];
    const out = await runCli([...args, "--shared", "3", "--json"]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const { shared } = out.json();
    assert.equal(shared.blocks, 3);
    // 12 samples over 6 rounds: 2 of each kind per round.
    assert.equal(shared.private.samples, 12);
    assert.equal(shared.shared.samples, 12);
    assert.equal(shared.ratioP50, Math.round((shared.shared.p50 / shared.private.p50) * 1000) / 1000);
    const bad = await runCli([...args, "--shared", "10", "--json"]);
    assert.deepEqual([bad.code, bad.json().error.code], [1, "invalid_input"]);
  });
});

describe("engram bench middleware", () => {
  it("times generateText and streamText with and without the middleware, in-process and through the client, and refuses a bad --n", async () => {
    const out = await runCli(["bench", "middleware", "--n", "200", "--samples", "3", "--json"]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    assert.equal(result.memories, 200);
    for (const kind of ["generate", "stream", "client"]) {
      for (const series of ["plain", "wrapped", "added", "record"])
        assert.equal(result[kind][series].samples, 3);
      assert.ok(result[kind].wrapped.p50 > 0);
    }
    assert.deepEqual(result.targets, { addedP95Ms: 10, clientAddedP95Ms: 15 });
    const bad = await runCli(["bench", "middleware", "--n", "0", "--json"]);
    assert.deepEqual([bad.code, bad.json().error.code], [2, "usage"]);
  });
});

describe("engram bench serve", () => {
  it("load-tests a server process and reports throughput, latency per operation and errors", async () => {
    const out = await runCli([
      "bench",
      "serve",
      "--duration",
      "1",
      "--warmup",
      "0",
      "--concurrency",
      "4",
      "--agents",
      "2",
      "--memories",
      "50",
      "--json",
    ]);
    assert.equal(out.code, 0, out.stderr);
    const result = out.json();
    assert.equal(result.settings.concurrency, 4);
    assert.equal(result.settings.auth, true);
    assert.ok(result.requests > 0);
    assert.ok(result.throughput > 0);
    for (const op of ["search", "insert", "edit"]) {
      assert.ok(result.operations[op].requests > 0, op);
      assert.equal(typeof result.operations[op].latency.p95, "number", op);
    }
    assert.equal(result.errors.total, 0, JSON.stringify(result.errors));
    assert.equal(typeof result.pass, "boolean");
    assert.deepEqual(result.targets, { throughput: 1000, p95Ms: 20 });
  });

  it("refuses a duration that is not a positive integer", async () => {
    const out = await runCli(["bench", "serve", "--duration", "0"]);
    assert.equal(out.code, 2);
  });
});

describe("engram bench startup", () => {
  it("times node -e 0, --version, agent list and serve to /health, and prints the fields", async () => {
    const out = await runCli(["bench", "startup", "--runs", "2", "--json"]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    const result = out.json();
    assert.equal(result.runs, 2);
    assert.equal(result.nodeVersion, process.versions.node);
    assert.match(result.bin, /bin[\\/]engram\.js$/);
    assert.equal(result.compileCache, process.env.NODE_DISABLE_COMPILE_CACHE === undefined);
    for (const name of ["nodeBaseline", "version", "agentList", "serveHealth"]) {
      const t = result.timings[name];
      for (const field of ["median", "p90", "min", "max", "ratio"])
        assert.ok(Number.isFinite(t[field]) && t[field] > 0, `${name}.${field}: ${t[field]}`);
      assert.ok(t.min <= t.median && t.median <= t.p90 && t.p90 <= t.max, name);
    }
    assert.equal(result.timings.nodeBaseline.ratio, 1);
    assert.ok(
      result.versionPeakRssMiB.median > 0 && result.versionPeakRssMiB.median <= result.versionPeakRssMiB.max,
    );
    assert.deepEqual(
      result.targets.map((t: { limit: number }) => t.limit),
      [4, 6, 700, 100],
    );
    for (const t of result.targets) assert.equal(t.met, t.value <= t.limit, t.name);
  });

  it("formats the result as a table with each target met or missed", () => {
    const t = (median: number, ratio: number) => ({
      median,
      p90: median + 1,
      min: median - 1,
      max: median + 2,
      ratio,
    });
    const text = formatStartupBench({
      nodeVersion: "24.0.0",
      bin: "/x/bin/engram.js",
      runs: 3,
      compileCache: false,
      timings: {
        nodeBaseline: t(40, 1),
        version: t(100, 2.5),
        agentList: t(280, 7),
        serveHealth: t(400, 10),
      },
      versionPeakRssMiB: { median: 50, max: 51 },
      targets: [
        { name: "engram --version median / node -e 0", value: 2.5, limit: 4, met: true },
        { name: "engram agent list median / node -e 0", value: 7, limit: 6, met: false },
      ],
    });
    assert.match(text, /^node -e 0 +40\.0 +41\.0 +39\.0 +42\.0 +1\.00$/m);
    assert.match(text, /^engram serve → \/health +400\.0 .* 10\.00$/m);
    assert.match(text, /^Node 24\.0\.0, \/x\/bin\/engram\.js, 3 runs, compile cache off/);
    assert.match(text, /peak RSS: 50 MiB median, 51 MiB max/);
    assert.match(text, /^ {2}met {5}engram --version median \/ node -e 0: 2\.5 \(at most 4\)$/m);
    assert.match(text, /^ {2}MISSED {2}engram agent list median \/ node -e 0: 7 \(at most 6\)$/m);
  });

  it("refuses a --runs that is not a positive integer, and a --bin that does not exist", async () => {
    assert.equal((await runCli(["bench", "startup", "--runs", "0"])).code, 2);
    const missing = await runCli(["bench", "startup", "--bin", "/nonexistent/engram.js", "--json"]);
    assert.equal(missing.code, 1);
    assert.match(missing.json().error.message, /bin: no such file: \/nonexistent\/engram\.js/);
  });
});
