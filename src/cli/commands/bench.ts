import { resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { ENVIRONMENT_NAMES, isEnvironmentName } from "../../environments/environment.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { parseUserJson, readUserFile, writeUserFile } from "../files.ts";
import { formatLearnBench } from "../format.ts";
import { progressBar } from "../progress.ts";
import { UsageError } from "../usage-error.ts";

const store = defineCommand({
  name: "bench store",
  summary: "Benchmark the store: commits, reads, log, diff, export",
  args: [],
  options: {
    commits: { type: "string", arg: "N", help: "commits written before measuring (default 10000)" },
    samples: { type: "string", arg: "N", help: "commits measured; twice as many reads (default 1000)" },
  },
  details: "Runs on its own throwaway database; --db is ignored.",
  async run({ options }, ctx) {
    const commits = intOption(options.commits, "commits", "bench store");
    const samples = intOption(options.samples, "samples", "bench store");
    const { runStoreBench, formatStoreBench } = await import("../../bench/store-bench.ts");
    const result = await runStoreBench({ commits, samples, onProgress: progressBar(ctx.io.stderr) });
    return { data: result, text: formatStoreBench(result) };
  },
});

const retrieval = defineCommand({
  name: "bench retrieval",
  summary: "Benchmark retrieval: inserts, then lexical and hybrid search over N memories",
  args: [],
  options: {
    n: { type: "string", arg: "N", help: "synthetic memories loaded (default 100000)" },
    queries: { type: "string", arg: "Q", help: "searches timed per mode (default 300)" },
    hybrid: { type: "boolean", help: "time hybrid search too (default; --no-hybrid: lexical only)" },
  },
  details: [
    "Runs on its own throwaway database with a deterministic test embedder; --db is ignored.",
    "Progress shows on stderr when it is a terminal.",
  ].join("\n"),
  async run({ options }, ctx) {
    const n = positiveInt(options.n, "n", "bench retrieval");
    const queries = positiveInt(options.queries, "queries", "bench retrieval");
    const { runRetrievalBench, formatRetrievalBench } = await import("../../bench/retrieval-bench.ts");
    const result = await runRetrievalBench({
      n,
      queries,
      hybrid: options.hybrid,
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatRetrievalBench(result) };
  },
});

const DEFAULT_KS = [5, 10, 25, 50];

const locomo = defineCommand({
  name: "bench locomo",
  summary: "Measure retrieval recall@k on LoCoMo-format conversations",
  args: [],
  options: {
    data: { type: "string", arg: "FILE", help: "a LoCoMo-format JSON file (required)" },
    k: { type: "string", arg: "K,K,…", help: `cut-offs for recall@k (default ${DEFAULT_KS.join(",")})` },
  },
  details: [
    "Each conversation's turns are added as messages to a throwaway database (--db is ignored) and",
    "each question with evidence is searched; recall@k is the share of its evidence turns in the top k,",
    "in percent, averaged over questions, overall and per category. Uses ENGRAM_EMBEDDING_MODEL when set.",
  ].join("\n"),
  async run({ options }, ctx) {
    if (options.data === undefined) throw new UsageError("missing --data FILE", "bench locomo");
    const ks = options.k === undefined ? DEFAULT_KS : kList(options.k);
    const file = options.data;
    const data = parseUserJson(await readUserFile(file, "LoCoMo data file"), `LoCoMo data file ${file}`);
    const { runLocomoBench, formatLocomoBench } = await import("../../bench/locomo-bench.ts");
    const result = await runLocomoBench({
      data,
      ks,
      env: ctx.io.env,
      onProgress: progressBar(ctx.io.stderr),
    }).catch((error: unknown) => {
      // The benchmark's complaints about the data's shape say "LoCoMo data"; say which file.
      if (error instanceof InvalidInputError && error.message.startsWith("LoCoMo data:"))
        throw new InvalidInputError(error.message.replace("LoCoMo data", `LoCoMo data file ${file}`), {
          cause: error,
        });
      throw error;
    });
    return { data: result, text: formatLocomoBench(result) };
  },
});

const learn = defineCommand({
  name: "bench learn",
  summary: "Learning curves on a built-in environment: engram's experience memory vs tabular Q-learning",
  args: [],
  options: {
    env: { type: "string", arg: "NAME", help: `environment (required): ${ENVIRONMENT_NAMES.join(", ")}` },
    episodes: { type: "string", arg: "N", help: "training episodes (required)" },
    seed: { type: "string", arg: "S", help: "random seed (default 1)" },
    window: {
      type: "string",
      arg: "W",
      help: "training episodes between evaluations (default N/40, at least 10)",
    },
    "eval-episodes": { type: "string", arg: "E", help: "greedy episodes per evaluation (default 100)" },
    plot: { type: "string", arg: "FILE.svg", help: "also draw both learning curves as an SVG in FILE" },
  },
  details: [
    "An agent acts with episodic control over its experience memory, every episode recorded through engram;",
    "every W episodes its greedy policy is evaluated on E fixed seeds. Tabular Q-learning (α 0.1, γ 0.99)",
    "with the same exploration runs on the same seeds as the baseline. Runs on its own throwaway database;",
    "--db is ignored. Progress shows on stderr when it is a terminal.",
  ].join("\n"),
  async run({ options }, ctx) {
    const command = "bench learn";
    if (options.env === undefined)
      throw new UsageError(`missing --env NAME (one of ${ENVIRONMENT_NAMES.join(", ")})`, command);
    if (!isEnvironmentName(options.env))
      throw new InvalidInputError(
        `unknown environment "${options.env}": use one of ${ENVIRONMENT_NAMES.join(", ")}`,
      );
    if (options.episodes === undefined) throw new UsageError("missing --episodes N", command);
    const episodes = positiveInt(options.episodes, "episodes", command) as number;
    const seed = intOption(options.seed, "seed", command);
    const window = positiveInt(options.window, "window", command);
    const evalEpisodes = positiveInt(options["eval-episodes"], "eval-episodes", command);
    const { runLearnBench } = await import("../../bench/learn-bench.ts");
    const result = await runLearnBench({
      env: options.env,
      episodes,
      seed,
      window,
      evalEpisodes,
      onProgress: progressBar(ctx.io.stderr),
    });
    let hint: string | undefined;
    if (options.plot !== undefined) {
      const { learningCurveSvg } = await import("../../bench/svg-plot.ts");
      const path = resolve(options.plot);
      await writeUserFile(path, learningCurveSvg(result), "plot file");
      hint = `plot: ${path}`;
    }
    return { data: result, text: formatLearnBench(result), hint };
  },
});

const serve = defineCommand({
  name: "bench serve",
  summary: "Load-test the HTTP server: concurrent clients searching, inserting and editing over loopback",
  args: [],
  options: {
    duration: { type: "string", arg: "S", help: "seconds measured (default 10)" },
    warmup: { type: "string", arg: "S", help: "seconds of load before measuring (default 2)" },
    concurrency: {
      type: "string",
      arg: "N",
      help: "concurrent clients, one keep-alive connection each (default 8)",
    },
    workers: {
      type: "string",
      arg: "N",
      help: "server processes, as serve --workers (default: one per core, at most 4)",
    },
    agents: { type: "string", arg: "N", help: "agents the load is spread over (default 8)" },
    memories: { type: "string", arg: "N", help: "memories per agent before the load (default 1000)" },
  },
  details: [
    "Starts 'engram serve --auth --rate-limit 0 --workers N' as a separate process on a throwaway",
    "database (--db is ignored), seeds it, then sends 60% memory searches, 25% memory inserts and 15%",
    "block edits that name the head they expect. An edit answered 409 is an expected conflict, counted",
    "and not retried. Target: at least 1,000 requests/s at p95 <= 20 ms with no errors.",
  ].join("\n"),
  async run({ options }, ctx) {
    const command = "bench serve";
    const { runServeBench, formatServeBench } = await import("../../bench/serve-bench.ts");
    const result = await runServeBench({
      duration: positiveInt(options.duration, "duration", command),
      warmup: nonNegativeInt(options.warmup, "warmup", command),
      concurrency: positiveInt(options.concurrency, "concurrency", command),
      workers: positiveInt(options.workers, "workers", command),
      agents: positiveInt(options.agents, "agents", command),
      memories: nonNegativeInt(options.memories, "memories", command),
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatServeBench(result) };
  },
});

/** `engram bench …` */
export const benchCommands: readonly Command[] = [store, retrieval, locomo, learn, serve];

function nonNegativeInt(value: string | undefined, flag: string, command: string): number | undefined {
  const n = intOption(value, flag, command);
  if (n !== undefined && n < 0)
    throw new UsageError(`--${flag} must not be negative, got "${value}"`, command);
  return n;
}

function positiveInt(value: string | undefined, flag: string, command: string): number | undefined {
  const n = intOption(value, flag, command);
  if (n !== undefined && n < 1)
    throw new UsageError(`--${flag} must be a positive integer, got "${value}"`, command);
  return n;
}

/** `5,10,25,50` → the distinct cut-offs, ascending. @throws UsageError on anything else. */
function kList(value: string): number[] {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1))
    throw new UsageError(
      `--k must be a comma-separated list of positive integers, e.g. 5,10,25,50; got "${value}"`,
      "bench locomo",
    );
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}
