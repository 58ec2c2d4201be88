import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EngramError, InvalidInputError } from "../core/errors.ts";
import { type ServeProgram, spawnServe } from "./serve-process.ts";
import { clockMs, nearestRank, round } from "./stats.ts";

/** The start-up targets: the two commands relative to `node -e 0` in the same run, serve absolute. */
export const STARTUP_TARGETS = {
  versionRatio: 4,
  agentListRatio: 6,
  serveHealthMs: 700,
  versionPeakRssMiB: 100,
} as const;

export interface StartupBenchOptions {
  /** Measured rounds; each round runs every case once, in turn, so noise hits all alike (default 20). */
  runs?: number;
  /** The `engram` executable to measure (default: this checkout's `bin/engram.js`). */
  bin?: string;
  /** The Node.js that runs it and `node -e 0` (default: the one running the bench). */
  node?: string;
  /** Agents in the database `agent list` reads (default 5). */
  agents?: number;
  onProgress?: ((done: number, total: number, phase: string) => void) | undefined;
}

/** Wall times of one case in milliseconds. */
export interface StartupTiming {
  median: number;
  p90: number;
  min: number;
  max: number;
  /** The median over the median of `node -e 0` in the same run. */
  ratio: number;
}

export interface StartupTarget {
  name: string;
  /** What was measured, in the target's unit (a ratio, milliseconds or MiB). */
  value: number;
  limit: number;
  met: boolean;
}

export interface StartupBenchResult {
  /** The Node.js version that ran everything. */
  nodeVersion: string;
  bin: string;
  runs: number;
  /** Whether the processes could use Node's compile cache (false under NODE_DISABLE_COMPILE_CACHE). */
  compileCache: boolean;
  /** Median wall times: `node -e 0`, `engram --version`, `engram agent list`, `engram serve` to its first /health. */
  timings: {
    nodeBaseline: StartupTiming;
    version: StartupTiming;
    agentList: StartupTiming;
    serveHealth: StartupTiming;
  };
  /** Peak resident memory of `engram --version`, in MiB (ru_maxrss, measured in separate runs). */
  versionPeakRssMiB: { median: number; max: number };
  targets: StartupTarget[];
}

const CHECKOUT_BIN = fileURLToPath(new URL("../../bin/engram.js", import.meta.url));

/**
 * Records the child's peak resident set size (ru_maxrss, KiB on Linux) into the file its environment
 * names, as it exits: the only honest peak is the one the kernel kept for the process itself.
 */
const RSS_PRELOAD = `data:text/javascript,${encodeURIComponent(
  'const fs = process.getBuiltinModule("node:fs"); process.on("exit", () => fs.writeFileSync(process.env.ENGRAM_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));',
)}`;

/**
 * Measures how fast engram starts, as a user meets it: the wall time of `node -e 0` (the floor),
 * `engram --version`, `engram agent list` on an existing database, and `engram serve --port 0` until its
 * first `/health` answers; plus the peak memory of `engram --version`. Each measured process is fresh;
 * one unmeasured round first fills Node's compile cache, as any earlier use of engram would have.
 *
 * @example
 * const result = await runStartupBench({ runs: 20 });
 * result.timings.version.ratio; // e.g. 2.7 (times node -e 0)
 */
export async function runStartupBench(options: StartupBenchOptions = {}): Promise<StartupBenchResult> {
  const runs = options.runs ?? 20;
  if (!Number.isInteger(runs) || runs < 1)
    throw new InvalidInputError(`runs must be a positive integer, got ${runs}`);
  const bin = resolve(options.bin ?? CHECKOUT_BIN);
  if (!existsSync(bin)) throw new InvalidInputError(`bin: no such file: ${bin}`);
  const node = options.node ?? process.execPath;
  const dir = await mkdtemp(join(tmpdir(), "engram-startup-"));
  const db = join(dir, "bench.db");
  const env = childEnv();
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    timed(node, args, { ...env, ...extraEnv });
  try {
    const agents = options.agents ?? 5;
    for (let i = 0; i < agents; i++)
      await run([bin, "agent", "create", "--name", `bench-${i + 1}`, "--db", db]);

    const cases = {
      nodeBaseline: () => run(["-e", "0"]),
      version: () => run([bin, "--version"]),
      agentList: () => run([bin, "agent", "list", "--db", db]),
      serveHealth: () => serveToHealth({ node, script: bin, env }, db),
    };
    const samples = { nodeBaseline: [], version: [], agentList: [], serveHealth: [] } as Record<
      keyof typeof cases,
      number[]
    >;
    const rss: number[] = [];
    const rssFile = join(dir, "rss");
    const total = runs + 1;
    for (let round = 0; round < total; round++) {
      for (const [name, measure] of Object.entries(cases) as [keyof typeof cases, () => Promise<number>][]) {
        const ms = await measure();
        if (round > 0) samples[name].push(ms);
      }
      if (round > 0) {
        await run(["--import", RSS_PRELOAD, bin, "--version"], { ENGRAM_BENCH_RSS_FILE: rssFile });
        rss.push(Number(await readFile(rssFile, "utf8")) / 1024);
      }
      options.onProgress?.(round + 1, total, "rounds");
    }

    const base = nearestRank(sorted(samples.nodeBaseline), 50);
    const timing = (values: number[]): StartupTiming => {
      const s = sorted(values);
      const median = nearestRank(s, 50);
      return {
        median: round(median, 1),
        p90: round(nearestRank(s, 90), 1),
        min: round(s[0] as number, 1),
        max: round(s[s.length - 1] as number, 1),
        ratio: round(median / base, 2),
      };
    };
    const timings = {
      nodeBaseline: timing(samples.nodeBaseline),
      version: timing(samples.version),
      agentList: timing(samples.agentList),
      serveHealth: timing(samples.serveHealth),
    };
    const peak = sorted(rss);
    const versionPeakRssMiB = {
      median: round(nearestRank(peak, 50), 1),
      max: round(peak[peak.length - 1] as number, 1),
    };
    return {
      nodeVersion: (await output(node, ["--version"], env)).trim().replace(/^v/, ""),
      bin,
      runs,
      compileCache: env.NODE_DISABLE_COMPILE_CACHE === undefined,
      timings,
      versionPeakRssMiB,
      targets: [
        target("engram --version median / node -e 0", timings.version.ratio, STARTUP_TARGETS.versionRatio),
        target(
          "engram agent list median / node -e 0",
          timings.agentList.ratio,
          STARTUP_TARGETS.agentListRatio,
        ),
        target(
          "engram serve to first /health, median ms",
          timings.serveHealth.median,
          STARTUP_TARGETS.serveHealthMs,
        ),
        target("engram --version peak RSS, MiB", versionPeakRssMiB.max, STARTUP_TARGETS.versionPeakRssMiB),
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The result as a table, with each target and whether it was met. */
export function formatStartupBench(result: StartupBenchResult): string {
  const rows: [string, StartupTiming][] = [
    ["node -e 0", result.timings.nodeBaseline],
    ["engram --version", result.timings.version],
    ["engram agent list", result.timings.agentList],
    ["engram serve → /health", result.timings.serveHealth],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    `Node ${result.nodeVersion}, ${result.bin}, ${result.runs} runs, compile cache ${result.compileCache ? "on" : "off"} (wall time, ms)`,
    `${"".padEnd(width)}  ${["median", "p90", "min", "max"].map((h) => h.padStart(8)).join("")}  × node`,
    ...rows.map(
      ([name, t]) =>
        `${name.padEnd(width)}  ${[t.median, t.p90, t.min, t.max].map((v) => v.toFixed(1).padStart(8)).join("")}  ${t.ratio.toFixed(2).padStart(6)}`,
    ),
    `engram --version peak RSS: ${result.versionPeakRssMiB.median} MiB median, ${result.versionPeakRssMiB.max} MiB max`,
    "",
    "Targets:",
    ...result.targets.map(
      (t) => `  ${t.met ? "met    " : "MISSED "} ${t.name}: ${t.value} (at most ${t.limit})`,
    ),
  ].join("\n");
}

function target(name: string, value: number, limit: number): StartupTarget {
  return { name, value, limit, met: value <= limit };
}

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * What the children see: a shell's basics and nothing of engram's. Not NODE_COMPILE_CACHE, which the
 * bin running this bench sets: `node -e 0` starts without a cache, and each engram turns its own on,
 * as in a shell. NODE_DISABLE_COMPILE_CACHE passes, to measure without the cache.
 */
function childEnv(): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "TMPDIR", "NODE_DISABLE_COMPILE_CACHE"];
  return Object.fromEntries(
    keep.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]]])),
  );
}

/** Spawn to first `/health` answer, then stops the server (not timed). */
async function serveToHealth(program: ServeProgram, db: string): Promise<number> {
  const start = clockMs();
  const server = await spawnServe(db, [], program);
  try {
    const reply = await fetch(`${server.url}/health`);
    await reply.arrayBuffer();
    if (!reply.ok) throw new EngramError("internal", `engram serve answered /health with ${reply.status}`);
    return clockMs() - start;
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
  }
}

/** The wall time of one process from spawn to exit. @throws EngramError when it does not exit 0. */
function timed(node: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = clockMs();
    const child = spawn(node, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      const ms = clockMs() - start;
      if (code === 0) resolve(ms);
      else
        reject(
          new EngramError("internal", `${describe(args)} exited with ${code ?? signal}: ${stderr.trim()}`),
        );
    });
  });
}

function output(node: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { env, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", () => resolve(out));
  });
}

function describe(args: readonly string[]): string {
  return args.filter((a) => !a.startsWith("data:")).join(" ");
}
