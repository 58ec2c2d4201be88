import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { createEngram } from "../engram.ts";
import { benchDatabase } from "./bench-database.ts";
import { LoadClient, type LoadResponse } from "./http-load.ts";
import { spawnServe } from "./serve-process.ts";
import { clockMs, type Percentiles, percentiles, round } from "./stats.ts";
import { SyntheticCorpus, seededRandom } from "./synthetic-corpus.ts";

export const OPERATIONS = ["search", "insert", "edit"] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface ServeBenchOptions {
  /** Seconds measured (default 10). */
  duration?: number | undefined;
  /** Seconds of load before measuring, not recorded (default 2). */
  warmup?: number | undefined;
  /** Concurrent clients, each on its own keep-alive connection (default 8). */
  concurrency?: number | undefined;
  /** Server processes (`serve --workers`; default: the cores this machine has, at most 4). */
  workers?: number | undefined;
  /** Agents the load is spread over (default 8). */
  agents?: number | undefined;
  /** Memories each agent holds before the load starts (default 1,000). */
  memories?: number | undefined;
  /** Share of each operation (default 60% search, 25% insert, 15% edit). */
  mix?: Record<Operation, number> | undefined;
  seed?: number | undefined;
  /** A PostgreSQL server's URL: the servers share a fresh schema there (dropped at the end), not SQLite. */
  database?: string | undefined;
  /** What counts as a pass (default SERVE_TARGETS). */
  targets?: { throughput: number; p95Ms: number } | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface OperationStats {
  /** Requests that got their expected answer (edits: 200, or 409 counted under `conflicts`). */
  requests: number;
  latency: Percentiles;
  conflicts: number;
  errors: number;
}

export interface ServeBenchResult {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  settings: {
    duration: number;
    warmup: number;
    concurrency: number;
    workers: number;
    agents: number;
    memoriesPerAgent: number;
    mix: Record<Operation, number>;
    auth: boolean;
    rateLimit: false;
    /** The backend the servers shared. */
    store: "sqlite" | "postgres";
  };
  /** Answered requests per second, conflicts included. */
  throughput: number;
  requests: number;
  latency: Percentiles;
  operations: Record<Operation, OperationStats>;
  /** Edits refused with 409 because another edit moved the head first: expected, not errors. */
  conflicts: number;
  /** Anything else: unexpected statuses and failed connections, by status (0: no answer). */
  errors: { total: number; byStatus: Record<string, number> };
  /** CPU the server processes used while measured, in cores (1 = one core busy), when known. */
  serverCpu: number | null;
  /** CPU the load generator (this process) used while measuring, in cores. */
  clientCpu: number;
  targets: { throughput: number; p95Ms: number };
  pass: boolean;
}

export const SERVE_TARGETS = { throughput: 1000, p95Ms: 20 } as const;
/** On PostgreSQL: a share of the SQLite throughput measured in the same run, and a p95. */
export const POSTGRES_SERVE_TARGETS = { shareOfSqlite: 0.6, p95Ms: 30 } as const;

const DEFAULT_MIX: Record<Operation, number> = { search: 0.6, insert: 0.25, edit: 0.15 };
const EDITED_BLOCK = "notes";

/**
 * Load-tests `engram serve` over loopback: the server runs as its own process (the real CLI on a
 * throwaway database, with API keys on and the rate limit off) and concurrent keep-alive clients in
 * this process send a mix of memory searches, memory inserts and block edits that name the head
 * they expect. An edit answered 409 is an expected conflict: it is counted, not retried (the next
 * edit of that agent uses the head the 409 reported).
 */
export async function runServeBench(options: ServeBenchOptions = {}): Promise<ServeBenchResult> {
  const target = await startTarget(options);
  try {
    const total = target.warmup + target.duration;
    options.onProgress?.(0, total);
    await target.warm();
    const ticker = progress(options, target.warmup, total, target.duration);
    await target.measure({ ms: target.duration * 1000 });
    ticker.stop();
    return target.result(options.targets ?? SERVE_TARGETS);
  } finally {
    await target.close();
  }
}

/** The two runs of a comparison, measured in alternating windows. */
export interface ServeComparison {
  sqlite: ServeBenchResult;
  postgres: ServeBenchResult;
  /** PostgreSQL's throughput over SQLite's, both serving the same number of requests. */
  ratio: number;
  /** Windows each backend was measured in, alternating. */
  windows: number;
}

/**
 * SQLite and PostgreSQL under the same load, each with its own server processes, both started and
 * seeded first. The measured time is cut into windows that alternate between the two (SQLite,
 * PostgreSQL, then PostgreSQL, SQLite, …), so that a machine whose speed drifts during the run (a
 * shared one) slows both alike, instead of whichever ran second. Each backend is loaded only in its
 * own windows; the other's servers sit idle meanwhile. The first of each pair runs for the window's
 * time, the second for as many requests (the warm-ups likewise): the inserts and edits grow both
 * databases alike, so the faster backend is not measured on more data than the slower one.
 */
export async function runServeComparison(
  options: ServeBenchOptions & { database: string; windows?: number | undefined },
): Promise<ServeComparison> {
  const windows = options.windows ?? 10;
  const sqlite = await startTarget({ ...options, database: undefined });
  try {
    const postgres = await startTarget(options);
    try {
      const duration = sqlite.duration;
      const total = 2 * (sqlite.warmup + duration);
      options.onProgress?.(0, total);
      await postgres.warm({ requests: await sqlite.warm() });
      const windowMs = (duration * 1000) / windows;
      let done = 2 * sqlite.warmup;
      for (let w = 0; w < windows; w++) {
        // The first of the pair is loaded for the window's time, the second for as many requests:
        // both then grow by the same memories and commits, so neither is measured on a larger
        // database for being the faster.
        const [first, second] = w % 2 === 0 ? [sqlite, postgres] : [postgres, sqlite];
        await second.measure({ requests: await first.measure({ ms: windowMs }) });
        done += (2 * windowMs) / 1000;
        options.onProgress?.(Math.min(done, total), total);
      }
      const first = sqlite.result(options.targets ?? SERVE_TARGETS);
      const second = postgres.result({
        throughput: Math.round(first.throughput * POSTGRES_SERVE_TARGETS.shareOfSqlite),
        p95Ms: POSTGRES_SERVE_TARGETS.p95Ms,
      });
      return {
        sqlite: first,
        postgres: second,
        ratio: Math.round((second.throughput / first.throughput) * 100) / 100,
        windows,
      };
    } finally {
      await postgres.close();
    }
  } finally {
    await sqlite.close();
  }
}

/** A progress bar moving while a measured stretch runs. */
function progress(options: ServeBenchOptions, from: number, total: number, seconds: number) {
  const started = clockMs();
  const ticker = setInterval(
    () => options.onProgress?.(from + Math.min(seconds, (clockMs() - started) / 1000), total),
    250,
  );
  return {
    stop() {
      clearInterval(ticker);
      options.onProgress?.(total, total);
    },
  };
}

/** How long a load runs: for a time, or for a number of requests. */
type Stretch = { ms: number } | { requests: number };

/** One backend ready for load: its database seeded, its servers listening, its clients connected. */
interface ServeTarget {
  duration: number;
  warmup: number;
  /**
   * Sends load for the warm-up (or for as many requests as given), then forgets what it measured.
   * Returns the requests sent.
   */
  warm(until?: Stretch): Promise<number>;
  /**
   * Sends load for a time or a number of requests and adds what it measured (and the servers' CPU)
   * to the totals. Returns the requests sent.
   */
  measure(until: Stretch): Promise<number>;
  result(targets: { throughput: number; p95Ms: number }): ServeBenchResult;
  close(): Promise<void>;
}

async function startTarget(options: ServeBenchOptions): Promise<ServeTarget> {
  const duration = options.duration ?? 10;
  const warmup = options.warmup ?? 2;
  const concurrency = options.concurrency ?? 8;
  const workers = options.workers ?? Math.min(4, availableParallelism());
  const agentCount = options.agents ?? 8;
  const memoryCount = options.memories ?? 1000;
  const mix = options.mix ?? DEFAULT_MIX;
  const seed = options.seed ?? 7;
  const fresh = benchDatabase("serve", options.database);
  const corpus = new SyntheticCorpus({ seed });
  const closing: (() => Promise<void> | void)[] = [() => fresh.drop()];
  const close = async () => {
    for (const step of closing.reverse()) await step();
  };
  try {
    const { key, agents, heads } = await seedDatabase(fresh.database, corpus, agentCount, memoryCount);
    const server = await spawnServe(fresh.database, [
      "--auth",
      "--rate-limit",
      "0",
      "--workers",
      String(workers),
    ]);
    closing.push(async () => {
      server.child.kill("SIGTERM");
      await server.exited;
    });
    const client = new LoadClient(server.url, {
      connections: concurrency,
      headers: { authorization: `Bearer ${key}` },
    });
    closing.push(() => client.close());
    const load = new Load(client, Texts.from(corpus), agents, heads, mix, seededRandom(seed + 1));
    let elapsed = 0;
    let serverCpu: number | null = 0;
    let clientCpu = 0;
    return {
      duration,
      warmup,
      async warm(until) {
        const sent = await load.run(concurrency, until ?? { ms: warmup * 1000 });
        load.reset();
        return sent;
      },
      async measure(until) {
        const cpuBefore = cpuSeconds(server.child.pid);
        const clientBefore = process.cpuUsage();
        const started = clockMs();
        const sent = await load.run(concurrency, until);
        elapsed += (clockMs() - started) / 1000;
        const cpuAfter = cpuSeconds(server.child.pid);
        const used = process.cpuUsage(clientBefore);
        clientCpu += (used.user + used.system) / 1e6;
        serverCpu =
          serverCpu === null || cpuBefore === null || cpuAfter === null
            ? null
            : serverCpu + cpuAfter - cpuBefore;
        return sent;
      },
      result(targets) {
        return load.result({
          elapsed,
          serverCpu: serverCpu === null ? null : round(serverCpu / elapsed, 2),
          clientCpu: round(clientCpu / elapsed, 2),
          settings: {
            duration,
            warmup,
            concurrency,
            workers,
            agents: agentCount,
            memoriesPerAgent: memoryCount,
            mix,
            auth: server.ready.auth,
            rateLimit: false,
            store: fresh.kind,
          },
          targets,
        });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Agents with memories and a block to edit, and a key for their project. */
async function seedDatabase(
  database: string,
  corpus: SyntheticCorpus,
  agentCount: number,
  memoryCount: number,
) {
  const engram = createEngram({ database, embedder: null, env: {} });
  try {
    const { key, project } = await engram.keys.create(
      { project: "bench", name: "bench" },
      { createProject: true },
    );
    const agents: string[] = [];
    const heads = new Map<string, string>();
    for (let a = 0; a < agentCount; a++) {
      const agent = await engram.agents.create({ name: `agent-${a}`, project: project.id });
      for (let done = 0; done < memoryCount; done += 1000) {
        const batch = Array.from({ length: Math.min(1000, memoryCount - done) }, () => ({
          text: corpus.sentence(),
        }));
        await engram.memories.addMany(agent.id, batch);
      }
      const result = await engram.blocks.set(agent.id, EDITED_BLOCK, "note 0", { limit: 10_000 });
      agents.push(agent.id);
      heads.set(agent.id, result.commit.id);
    }
    return { key, agents, heads };
  } finally {
    await engram.close();
  }
}

/**
 * Queries and memory texts drawn before the load starts, so that the clients, which share the
 * machine with the server, spend their time sending rather than composing.
 */
class Texts {
  readonly #queries: string[];
  readonly #sentences: string[];
  #q = 0;
  #s = 0;

  private constructor(queries: string[], sentences: string[]) {
    this.#queries = queries;
    this.#sentences = sentences;
  }

  static from(corpus: SyntheticCorpus, count = 20_000): Texts {
    return new Texts(
      Array.from({ length: count }, () => JSON.stringify(corpus.query())),
      Array.from({ length: count }, () => JSON.stringify(corpus.sentence())),
    );
  }

  /** A query as a JSON string. */
  query(): string {
    this.#q = (this.#q + 1) % this.#queries.length;
    return this.#queries[this.#q] as string;
  }

  /** A memory text as a JSON string. */
  sentence(): string {
    this.#s = (this.#s + 1) % this.#sentences.length;
    return this.#sentences[this.#s] as string;
  }
}

class Load {
  readonly #client: LoadClient;
  readonly #corpus: Texts;
  readonly #agents: readonly string[];
  readonly #heads: Map<string, string>;
  readonly #mix: Record<Operation, number>;
  readonly #random: () => number;
  #latencies = new Map<Operation, number[]>();
  #conflicts = 0;
  #errors = new Map<Operation, Record<string, number>>();
  #edits = 0;

  constructor(
    client: LoadClient,
    corpus: Texts,
    agents: readonly string[],
    heads: Map<string, string>,
    mix: Record<Operation, number>,
    random: () => number,
  ) {
    this.#client = client;
    this.#corpus = corpus;
    this.#agents = agents;
    this.#heads = heads;
    this.#mix = mix;
    this.#random = random;
    this.reset();
  }

  reset(): void {
    this.#latencies = new Map(OPERATIONS.map((op) => [op, []]));
    this.#errors = new Map(OPERATIONS.map((op) => [op, {}]));
    this.#conflicts = 0;
  }

  /** Sends requests from `concurrency` clients for `ms`, or until `requests` were sent; returns how many. */
  async run(concurrency: number, until: Stretch): Promise<number> {
    const deadline = "ms" in until ? clockMs() + until.ms : Number.POSITIVE_INFINITY;
    const most = "requests" in until ? until.requests : Number.POSITIVE_INFINITY;
    let sent = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < most && clockMs() < deadline) {
          sent++;
          await this.#one();
        }
      }),
    );
    return sent;
  }

  async #one(): Promise<void> {
    const op = this.#pick();
    const agent = this.#agents[Math.floor(this.#random() * this.#agents.length)] as string;
    const base = `/v1/agents/${agent}`;
    const started = clockMs();
    let res: LoadResponse;
    try {
      if (op === "search") {
        res = await this.#client.send(
          "POST",
          `${base}/memories/search`,
          `{"query":${this.#corpus.query()},"k":10}`,
        );
      } else if (op === "insert") {
        res = await this.#client.send("POST", `${base}/memories`, `{"text":${this.#corpus.sentence()}}`);
      } else {
        const head = this.#heads.get(agent) ?? "";
        res = await this.#client.send(
          "PUT",
          `${base}/blocks/${EDITED_BLOCK}`,
          `{"value":"note ${++this.#edits}"}`,
          { "if-match": `"${head}"` },
        );
      }
    } catch {
      this.#error(op, 0);
      return;
    }
    const latency = clockMs() - started;
    const expected = op === "insert" ? 201 : 200;
    if (res.status === expected) {
      if (op === "edit") this.#heads.set(agent, String(res.headers.etag ?? "").replaceAll('"', ""));
      this.#latencies.get(op)?.push(latency);
    } else if (op === "edit" && res.status === 409) {
      this.#conflicts++;
      const head = (JSON.parse(res.body) as { error?: { details?: { head?: unknown } } }).error?.details
        ?.head;
      if (typeof head === "string") this.#heads.set(agent, head);
      this.#latencies.get(op)?.push(latency);
    } else {
      this.#error(op, res.status);
    }
  }

  #pick(): Operation {
    let x = this.#random();
    for (const op of OPERATIONS) {
      x -= this.#mix[op];
      if (x < 0) return op;
    }
    return "search";
  }

  #error(op: Operation, status: number): void {
    const counts = this.#errors.get(op) as Record<string, number>;
    counts[status] = (counts[status] ?? 0) + 1;
  }

  result(run: {
    elapsed: number;
    serverCpu: number | null;
    clientCpu: number;
    settings: ServeBenchResult["settings"];
    targets: ServeBenchResult["targets"];
  }): ServeBenchResult {
    const all = OPERATIONS.flatMap((op) => this.#latencies.get(op) ?? []);
    const byStatus: Record<string, number> = {};
    const operations = {} as Record<Operation, OperationStats>;
    for (const op of OPERATIONS) {
      const errors = this.#errors.get(op) ?? {};
      for (const [status, n] of Object.entries(errors)) byStatus[status] = (byStatus[status] ?? 0) + n;
      const latencies = this.#latencies.get(op) ?? [];
      operations[op] = {
        requests: latencies.length,
        latency: percentiles(latencies),
        conflicts: op === "edit" ? this.#conflicts : 0,
        errors: Object.values(errors).reduce((sum, n) => sum + n, 0),
      };
    }
    const throughput = round(all.length / run.elapsed, 1);
    const latency = percentiles(all);
    const errorTotal = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
    return {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      settings: run.settings,
      throughput,
      requests: all.length,
      latency,
      operations,
      conflicts: this.#conflicts,
      errors: { total: errorTotal, byStatus },
      serverCpu: run.serverCpu,
      clientCpu: run.clientCpu,
      targets: { ...run.targets },
      pass: throughput >= run.targets.throughput && latency.p95 <= run.targets.p95Ms && errorTotal === 0,
    };
  }
}

/**
 * User plus system CPU seconds a process and its children (the workers) have used, from /proc
 * (Linux); null elsewhere.
 */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    let ticks = 0;
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let fields: string[];
      try {
        fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      } catch {
        continue; // the process ended meanwhile
      }
      // After the command: state, ppid, …; utime and stime are the 12th and 13th of these.
      if (Number(entry) === pid || Number(fields[1]) === pid)
        ticks += Number(fields[11]) + Number(fields[12]);
    }
    return Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}

/** The result as a short human-readable report. */
export function formatServeBench(r: ServeBenchResult): string {
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const s = r.settings;
  const line = (name: string, p: Percentiles) =>
    `p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms  (${p.samples} ${name})`;
  return [
    `engram bench serve — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
    `${s.concurrency} clients over loopback for ${s.duration} s (after ${s.warmup} s warm-up), ${s.workers} server process${s.workers === 1 ? "" : "es"}, ${s.agents} agents × ${s.memoriesPerAgent} memories, API keys on, ${s.store === "postgres" ? "PostgreSQL" : "SQLite"}`,
    `mix: ${OPERATIONS.map((op) => `${Math.round(s.mix[op] * 100)}% ${op}`).join(", ")}`,
    `  throughput  ${r.throughput} requests/s   target >= ${r.targets.throughput}  ${mark(r.throughput >= r.targets.throughput)}`,
    `  latency     ${line("requests", r.latency)}   target p95 <= ${r.targets.p95Ms} ms  ${mark(r.latency.p95 <= r.targets.p95Ms)}`,
    ...OPERATIONS.map((op) => `    ${op.padEnd(7)}  ${line("requests", r.operations[op].latency)}`),
    `  conflicts   ${r.conflicts} edits answered 409 (expected: a concurrent edit moved the head)`,
    `  errors      ${r.errors.total}${r.errors.total === 0 ? "" : ` ${JSON.stringify(r.errors.byStatus)}`}  ${mark(r.errors.total === 0)}`,
    `  CPU         server ${r.serverCpu ?? "?"} cores, load generator ${r.clientCpu} cores (on average)`,
  ].join("\n");
}
