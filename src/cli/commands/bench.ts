import { resolve } from "node:path";
import { benchServer } from "../../bench/bench-database.ts";
import { InvalidInputError } from "../../core/errors.ts";
import { ENVIRONMENT_NAMES, isEnvironmentName } from "../../environments/environment.ts";
import { nonNegativeInt, positiveInt, seedList } from "../bench-options.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { parseUserJson, readUserFile, writeUserFile } from "../files.ts";
import { formatLearnBench } from "../format.ts";
import { progressBar } from "../progress.ts";
import { UsageError } from "../usage-error.ts";
import { evolveBench } from "./bench-evolve.ts";

const ON_POSTGRES =
  "With --database URL (a PostgreSQL server), it runs on a fresh schema there, dropped at the end.";

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
    graph: {
      type: "boolean",
      help: "also time lexical search with the entity graph off and on, alternately",
    },
  },
  details: [
    "Runs on its own throwaway database with a deterministic test embedder; --db is ignored.",
    ON_POSTGRES,
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
      graph: options.graph,
      database: options.database,
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatRetrievalBench(result) };
  },
});

const filters = defineCommand({
  name: "bench filters",
  summary: "Benchmark metadata filters: search with a 1 % filter beside unfiltered search, at N memories",
  args: [],
  options: {
    n: { type: "string", arg: "N", help: "synthetic memories loaded (default 100000)" },
    queries: { type: "string", arg: "Q", help: "searches timed per mode (default 300)" },
  },
  details: "Runs on its own throwaway database; --db is ignored.",
  async run({ options }, ctx) {
    const n = positiveInt(options.n, "n", "bench filters");
    const queries = positiveInt(options.queries, "queries", "bench filters");
    const { runFilterBench, formatFilterBench } = await import("../../bench/filter-bench.ts");
    const result = await runFilterBench({ n, queries, onProgress: progressBar(ctx.io.stderr) });
    return { data: result, text: formatFilterBench(result) };
  },
});

const live = defineCommand({
  name: "bench live",
  summary: "Benchmark live events: time from a write to its SSE event and its webhook delivery",
  args: [],
  options: { events: { type: "string", arg: "N", help: "memories written, one at a time (default 200)" } },
  details: "Runs a server on 127.0.0.1 over its own throwaway database; --db is ignored.",
  async run({ options }, ctx) {
    const events = positiveInt(options.events, "events", "bench live");
    const { runLiveBench, formatLiveBench } = await import("../../bench/live-bench.ts");
    const result = await runLiveBench({ events, onProgress: progressBar(ctx.io.stderr) });
    return { data: result, text: formatLiveBench(result) };
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
    conversation: {
      type: "string",
      arg: "ID,ID,…",
      help: "only these conversations (their sample_id), e.g. to tune on one and test on another",
    },
  },
  details: [
    "Each conversation's turns are added as messages to a throwaway database (--db is ignored) and",
    "each question with evidence is searched; recall@k is the share of its evidence turns in the top k,",
    "in percent, averaged over questions, overall and per category. Uses ENGRAM_EMBEDDING_MODEL when set.",
    ON_POSTGRES,
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
      database: options.database,
      conversations: options.conversation === undefined ? undefined : idList(options.conversation),
      onProgress: progressBar(ctx.io.stderr),
    }).catch((error: unknown) => {
      // The benchmark's complaints about the data's shape say "LoCoMo data"; say which file.
      if (error instanceof InvalidInputError && error.message.startsWith("LoCoMo data:"))
        throw new InvalidInputError(error.message.replace("LoCoMo data", `LoCoMo data file ${file}`), {
          cause: error,
        });
      if (error instanceof InvalidInputError && error.message.startsWith("conversations:"))
        throw new InvalidInputError(
          error.message.replace("conversations:", "--conversation:").replace("the LoCoMo data", file),
          { cause: error },
        );
      throw error;
    });
    return { data: result, text: formatLocomoBench(result) };
  },
});

const updates = defineCommand({
  name: "bench updates",
  summary: "Staying true: current and past values of facts that change over time, with and without keys",
  args: [],
  options: {
    users: { type: "string", arg: "N", help: "generated users, 4 changing facts each (default 100)" },
    seed: { type: "string", arg: "S", help: "random seed (default 1)" },
  },
  details: [
    "Users whose city, employer, partner and favourite food change over time are written as a stream of",
    "memories (about one in ten late, out of order) to a throwaway database (--db is ignored), once with",
    "keyed facts and once plain; then each is asked its current value (search, top 1), its compiled",
    "context is checked for facts no longer true, and a past value is asked with validAt. Targets with",
    "keyed facts: current-value accuracy >= 0.97, no stale fact in a context, past-value accuracy >= 0.95.",
    ON_POSTGRES,
  ].join("\n"),
  async run({ options }, ctx) {
    const users = positiveInt(options.users, "users", "bench updates");
    const seed = nonNegativeInt(options.seed, "seed", "bench updates");
    const { runUpdatesBench, formatUpdatesBench } = await import("../../bench/updates-bench.ts");
    const result = await runUpdatesBench({
      users,
      seed,
      database: options.database,
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatUpdatesBench(result) };
  },
});

const conversations = defineCommand({
  name: "bench conversations",
  summary: "Many end users' conversations in one agent: each user's own facts found, and how fast",
  args: [],
  options: {
    users: { type: "string", arg: "N", help: "end users (default 6000)" },
    turns: { type: "string", arg: "T", help: "turns per user, at least 3 (default 10)" },
    asked: { type: "string", arg: "Q", help: "users asked (default 200)" },
    replies: { type: "boolean", help: "an assistant's stock reply after every user turn" },
    seed: { type: "string", arg: "S", help: "random seed (default 1)" },
  },
  details: [
    "Appends the users' turns interleaved, as a busy agent receives them, in batches of 1,000, to a",
    "throwaway database (--db is ignored): small talk about orders and deliveries that every user shares,",
    "and in two turns each user's own delivery address and order number. Then users ask for them",
    "(conversation search with userId, top 1) and their 20 latest messages are listed. Past 5,000 users the",
    "words asked about are in more messages than a search scores agent-wide. With --replies an assistant",
    'answers every user turn with one of five stock replies ("Let me look into it for you."), which tell nothing.',
    ON_POSTGRES,
  ].join("\n"),
  async run({ options }, ctx) {
    const users = positiveInt(options.users, "users", "bench conversations");
    const turns = positiveInt(options.turns, "turns", "bench conversations");
    if (turns !== undefined && turns < 3)
      throw new UsageError(`--turns must be at least 3, got "${options.turns}"`, "bench conversations");
    const asked = positiveInt(options.asked, "asked", "bench conversations");
    const seed = nonNegativeInt(options.seed, "seed", "bench conversations");
    const { runConversationsBench, formatConversationsBench } = await import(
      "../../bench/conversations-bench.ts"
    );
    const result = await runConversationsBench({
      users,
      turns,
      asked,
      replies: options.replies === true,
      seed,
      database: options.database,
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatConversationsBench(result) };
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
    seeds: {
      type: "string",
      arg: "LIST",
      help: "run several seeds and report the mean curves and each seed's outcome, e.g. 1-5 or 1,4,9",
    },
    window: {
      type: "string",
      arg: "W",
      help: "training episodes between evaluations (default N/40, at least 10)",
    },
    "eval-episodes": { type: "string", arg: "E", help: "greedy episodes per evaluation (default 1000)" },
    plot: { type: "string", arg: "FILE.svg", help: "also draw both learning curves as an SVG in FILE" },
  },
  details: [
    "An agent acts with episodic control over its experience memory, every episode recorded through engram;",
    "every W episodes its greedy policy is evaluated on E fixed seeds. Tabular Q-learning with the same",
    "α, γ and exploration runs on the same seeds as the baseline. Runs on its own throwaway database;",
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
    if (seed !== undefined && options.seeds !== undefined)
      throw new UsageError("give --seed or --seeds, not both", command);
    const seeds = options.seeds === undefined ? undefined : seedList(options.seeds, command);
    const window = positiveInt(options.window, "window", command);
    const evalEpisodes = positiveInt(options["eval-episodes"], "eval-episodes", command);
    const { runLearnBench, runLearnBenchSeeds } = await import("../../bench/learn-bench.ts");
    const common = {
      env: options.env,
      episodes,
      window,
      evalEpisodes,
      onProgress: progressBar(ctx.io.stderr),
    };
    const result =
      seeds === undefined
        ? await runLearnBench({ ...common, seed })
        : await runLearnBenchSeeds({ ...common, seeds });
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

const context = defineCommand({
  name: "bench context",
  summary: "Benchmark the agent runtime: compiling the context, and the engine's overhead per turn",
  args: [],
  options: {
    memories: { type: "string", arg: "N", help: "long-term memories (default 100000)" },
    messages: { type: "string", arg: "N", help: "messages in the conversation (default 10000)" },
    samples: { type: "string", arg: "N", help: "compilations timed per window size (default 300)" },
    turns: { type: "string", arg: "N", help: "turns timed per kind (default 150)" },
    shared: {
      type: "string",
      arg: "N",
      help: "also compare compiling with N of the blocks shared against all private",
    },
  },
  details: [
    "An agent with 10 blocks, N memories and N messages in its own throwaway database (--db is ignored),",
    "answered by a zero-latency scripted model, so turn times are engram's own overhead: context, tools,",
    "commits, persistence, and summaries of older messages when they fall due. Progress shows on stderr",
    "when it is a terminal.",
  ].join("\n"),
  async run({ options }, ctx) {
    const { runContextBench, formatContextBench } = await import("../../bench/context-bench.ts");
    const result = await runContextBench({
      memories: positiveInt(options.memories, "memories", "bench context"),
      messages: positiveInt(options.messages, "messages", "bench context"),
      samples: positiveInt(options.samples, "samples", "bench context"),
      turns: positiveInt(options.turns, "turns", "bench context"),
      shared: positiveInt(options.shared, "shared", "bench context"),
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatContextBench(result) };
  },
});

const mcpTools = defineCommand({
  name: "bench mcp-tools",
  summary: "Benchmark MCP tools: the time engram adds to a tool call on a warm stdio connection",
  args: [],
  options: {
    samples: { type: "string", arg: "N", help: "calls timed per kind (default 500; turns: N/5)" },
    command: {
      type: "string",
      arg: "CMD",
      help: "the stdio MCP server to call echo on (default: the reference everything server)",
    },
    arg: { type: "string", multiple: true, arg: "A", help: "an argument of --command (repeatable)" },
  },
  details: [
    "Pairs each call of the server's echo tool through engram (as a model's tool call runs it) with a",
    "direct call of the MCP SDK's client, on connections of their own to the same server, and reports",
    "engram's own time (its call less the SDK round trip inside it). Also times offering the tools per",
    "turn, and whole turns with the MCP tool beside turns with an in-process tool. In-memory database.",
  ].join("\n"),
  async run({ options }, ctx) {
    const { runMcpToolsBench, formatMcpToolsBench } = await import("../../bench/mcp-tools-bench.ts");
    const result = await runMcpToolsBench({
      samples: positiveInt(options.samples, "samples", "bench mcp-tools"),
      command: options.command,
      args: options.arg,
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatMcpToolsBench(result) };
  },
});

const advice = defineCommand({
  name: "bench advice",
  summary: "Benchmark the advice from feedback: what it adds to compiling a context",
  args: [],
  options: {
    records: { type: "string", arg: "N", help: "experience records of rated turns (default 10000)" },
    samples: { type: "string", arg: "N", help: "compilations timed with and without advice (default 300)" },
  },
  details: [
    "An agent whose experience memory holds N records of rated turns, in its own throwaway database",
    "(--db is ignored). Compiles the context of new messages, half close to a rated one, with the advice",
    "and without (adviceResults 0), interleaved, and reports what the advice adds at the 95th percentile.",
  ].join("\n"),
  async run({ options }, ctx) {
    const { runAdviceBench, formatAdviceBench } = await import("../../bench/advice-bench.ts");
    const result = await runAdviceBench({
      records: positiveInt(options.records, "records", "bench advice"),
      samples: positiveInt(options.samples, "samples", "bench advice"),
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatAdviceBench(result) };
  },
});

const middleware = defineCommand({
  name: "bench middleware",
  summary: "Benchmark the AI SDK middleware: the time engram adds to a generateText or streamText call",
  args: [],
  options: {
    n: { type: "string", arg: "N", help: "long-term memories, over 100 users (default 100000)" },
    samples: { type: "string", arg: "N", help: "calls timed per kind, wrapped and plain each (default 300)" },
  },
  details: [
    "An agent with 5 blocks and N memories in its own throwaway database (--db is ignored), in-process, and",
    "a zero-latency scripted model called through the AI SDK with and without engramMemory: the difference",
    "is engram's own time in the call (blocks, retrieval). Recording the exchange, which the answer does",
    "not wait for, is timed on its own. Then the same generateText calls with the typed client in place of",
    "the engine, against engram serve's app on a loopback socket in the same process. Progress shows on",
    "stderr when it is a terminal.",
  ].join("\n"),
  async run({ options }, ctx) {
    const { runMiddlewareBench, formatMiddlewareBench } = await import("../../bench/middleware-bench.ts");
    const result = await runMiddlewareBench({
      memories: positiveInt(options.n, "n", "bench middleware"),
      samples: positiveInt(options.samples, "samples", "bench middleware"),
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatMiddlewareBench(result) };
  },
});

const group = defineCommand({
  name: "bench group",
  summary:
    "Benchmark a supervisor group: the time routing a message through a supervisor adds to the worker's turn",
  args: [],
  options: {
    samples: {
      type: "string",
      arg: "N",
      help: "pairs timed: a worker turn, then a supervisor turn (default 300)",
    },
  },
  details: [
    "A supervisor group with one worker in its own throwaway database (--db is ignored), in-process, on a",
    "zero-latency scripted model: the supervisor calls send_message_to_agent_and_wait, the worker answers,",
    "the supervisor answers. Each group message is paired with a turn of the worker alone just before it;",
    "the difference is engram's own time for routing. Progress shows on stderr when it is a terminal.",
  ].join("\n"),
  async run({ options }, ctx) {
    const { runGroupBench, formatGroupBench } = await import("../../bench/group-bench.ts");
    const result = await runGroupBench({
      samples: positiveInt(options.samples, "samples", "bench group"),
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatGroupBench(result) };
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
    windows: {
      type: "string",
      arg: "N",
      help: "with --database: windows the measured time is cut into, alternating backends (default 10)",
    },
  },
  details: [
    "Starts 'engram serve --auth --rate-limit 0 --workers N' as a separate process on a throwaway",
    "database (--db is ignored), seeds it, then sends 60% memory searches, 25% memory inserts and 15%",
    "block edits that name the head they expect. An edit answered 409 is an expected conflict, counted",
    "and not retried. Target: at least 1,000 requests/s at p95 <= 20 ms with no errors.",
    "With --database URL (a PostgreSQL server) it compares: SQLite and PostgreSQL each get their own",
    "server processes (on PostgreSQL sharing a fresh schema, dropped at the end), both seeded and warmed",
    "up first; the measured time is then cut into windows that alternate between the two, so that a",
    "machine whose speed drifts slows both alike. Target on PostgreSQL: at least 0.6x the SQLite",
    "throughput of the same run, at p95 <= 30 ms, with no errors.",
  ].join("\n"),
  async run({ options }, ctx) {
    const command = "bench serve";
    const { runServeBench, runServeComparison, formatServeBench, POSTGRES_SERVE_TARGETS } = await import(
      "../../bench/serve-bench.ts"
    );
    const settings = {
      duration: positiveInt(options.duration, "duration", command),
      warmup: nonNegativeInt(options.warmup, "warmup", command),
      concurrency: positiveInt(options.concurrency, "concurrency", command),
      workers: positiveInt(options.workers, "workers", command),
      agents: positiveInt(options.agents, "agents", command),
      memories: nonNegativeInt(options.memories, "memories", command),
      onProgress: progressBar(ctx.io.stderr),
    };
    if (options.database === undefined) {
      if (options.windows !== undefined)
        throw new UsageError("--windows cuts a comparison of backends: it needs --database URL", command);
      const sqlite = await runServeBench(settings);
      return { data: sqlite, text: formatServeBench(sqlite) };
    }
    // A --database that cannot be used is refused now, before anything is seeded.
    benchServer(options.database);
    const compared = await runServeComparison({
      ...settings,
      database: options.database,
      windows: positiveInt(options.windows, "windows", command),
    });
    return {
      data: compared,
      text: [
        formatServeBench(compared.sqlite),
        "",
        formatServeBench(compared.postgres),
        "",
        `PostgreSQL / SQLite throughput: ${compared.ratio}   target >= ${POSTGRES_SERVE_TARGETS.shareOfSqlite}   (measured in ${compared.windows} alternating windows each)`,
      ].join("\n"),
    };
  },
});

const startup = defineCommand({
  name: "bench startup",
  summary: "Measure start-up: node -e 0, engram --version, agent list, serve to its first /health",
  args: [],
  options: {
    runs: { type: "string", arg: "N", help: "measured rounds, each running every case once (default 20)" },
    bin: {
      type: "string",
      arg: "PATH",
      help: "the engram executable to measure (default: this one's bin/engram.js)",
    },
  },
  details: [
    "Every case is a fresh process run by the same Node as the bench; rounds interleave the cases so",
    "noise hits all alike, after one unmeasured round that fills Node's compile cache. Prints the median",
    "and p90 wall times, their ratios to node -e 0, and the peak RSS of engram --version. Targets:",
    "--version <= 4x node -e 0, agent list <= 6x, serve to /health <= 700 ms, --version <= 100 MiB.",
    "Uses its own throwaway database; --db is ignored.",
  ].join("\n"),
  async run({ options }, ctx) {
    const runs = positiveInt(options.runs, "runs", "bench startup");
    const { runStartupBench, formatStartupBench } = await import("../../bench/startup-bench.ts");
    const result = await runStartupBench({
      runs,
      bin: options.bin === undefined ? undefined : resolve(options.bin),
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatStartupBench(result) };
  },
});

const gitBench = defineCommand({
  name: "bench git",
  summary: "Measure engram git export and import with the real git on an agent with a long history",
  args: [],
  options: {
    commits: { type: "string", arg: "N", help: "commits on the agent (default 10000)" },
    imports: { type: "string", arg: "N", help: "commits made with git, then imported (default 100)" },
  },
  details: [
    "Makes an agent with N block commits on a throwaway database (--db is ignored), then times its export",
    "to a new repository, a second export with nothing new, one after a single new commit, and the import",
    "of commits made with git. Target: the first export of 10,000 commits <= 10 s.",
  ].join("\n"),
  async run({ options }, ctx) {
    const commits = positiveInt(options.commits, "commits", "bench git");
    const imports = positiveInt(options.imports, "imports", "bench git");
    const { runGitBench, formatGitBench } = await import("../../bench/git-bench.ts");
    const result = await runGitBench({ commits, imports, onProgress: progressBar(ctx.io.stderr) });
    return { data: result, text: formatGitBench(result) };
  },
});

const limits = defineCommand({
  name: "bench limits",
  summary: "Engram's retrieval workload beside raw SQLite doing the same work, with each ratio",
  args: [],
  options: {
    n: { type: "string", arg: "N", help: "memories inserted on each side (default 100000)" },
    vectors: {
      type: "boolean",
      help: "insert and search with vectors too (default; --no-vectors: the lexical figures alone)",
    },
  },
  details: [
    "In one run, on throwaway databases with engram's pragmas (--db is ignored), N memories in batches",
    "of 1,000 go into engram, lexical only and with a hash embedder's vectors, and into a bare FTS5 table",
    "and FTS5 + sqlite-vec vec0 tables (vectors made outside their clock; the embedder's rate is shown",
    "apart). Then 300 queries per kind: engram's lexical search against budgeted BM25, and its hybrid",
    "search against budgeted BM25 plus a scan of as many vectors as engram's IVF probes read, and plus a",
    "brute-force k-NN. Prints each figure with engram / raw; file sizes too. --no-vectors leaves out",
    "the vector sides (for large N, where the lexical figures are the point).",
    "Progress shows on stderr when it is a terminal.",
  ].join("\n"),
  async run({ options }, ctx) {
    const n = positiveInt(options.n, "n", "bench limits");
    const { runLimitsBench, formatLimitsBench } = await import("../../bench/limits-bench.ts");
    const result = await runLimitsBench({
      n,
      lexicalOnly: options.vectors === false,
      onProgress: progressBar(ctx.io.stderr),
    });
    return { data: result, text: formatLimitsBench(result) };
  },
});

const inspector = defineCommand({
  name: "bench inspector",
  summary: "Load the inspector's agent page and a 10,000-commit history in headless Chromium: paint times",
  args: [],
  options: {
    commits: {
      type: "string",
      arg: "N",
      help: "commits of the agent whose history is loaded (default 10000)",
    },
    loads: { type: "string", arg: "N", help: "measured loads of each page, after one warm-up (default 10)" },
  },
  details: [
    "Seeds a throwaway database (--db is ignored), starts engram serve on 127.0.0.1 and loads each page in",
    "a fresh tab of headless Chromium (/usr/bin/chromium, or ENGRAM_CHROMIUM; driven by playwright-core,",
    "a dev dependency). Prints first contentful paint and the time until the data is drawn, p50 and p95,",
    "and the size of the inspector's files. Targets: FCP <= 1 s; files <= 300 KB gzipped.",
  ].join("\n"),
  async run({ options }, ctx) {
    const commits = positiveInt(options.commits, "commits", "bench inspector");
    const loads = positiveInt(options.loads, "loads", "bench inspector");
    const { runInspectorBench, formatInspectorBench } = await import("../../bench/inspector-bench.ts");
    const result = await runInspectorBench({ commits, loads, onProgress: progressBar(ctx.io.stderr) });
    return { data: result, text: formatInspectorBench(result) };
  },
});

/** `engram bench …` */
export const benchCommands: readonly Command[] = [
  store,
  retrieval,
  filters,
  live,
  locomo,
  updates,
  conversations,
  learn,
  context,
  advice,
  middleware,
  mcpTools,
  group,
  serve,
  startup,
  limits,
  gitBench,
  evolveBench,
  inspector,
];

/** `conv-26,conv-30` → the distinct ids. @throws UsageError on an empty one. */
function idList(value: string): string[] {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.some((p) => p === ""))
    throw new UsageError(
      `--conversation must be a comma-separated list of ids; got "${value}"`,
      "bench locomo",
    );
  return [...new Set(parts)];
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
