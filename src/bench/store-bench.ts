import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createEngram } from "../engram.ts";
import { createHistoryAgent, historyWrite } from "./history-agent.ts";
import { clockMs, type Percentiles, percentiles, round } from "./stats.ts";

export interface StoreBenchOptions {
  /** Commits made on the agent before measuring (default 10,000). */
  commits?: number;
  /** Commits and reads measured (default 1,000 and 2,000). */
  samples?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface StoreBenchResult {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  priorCommits: number;
  /** One block write (a commit with expected head) on an agent with `priorCommits` commits. */
  commit: Percentiles;
  /** Reading all blocks at the head of the default branch. */
  readHead: Percentiles;
  /** Exporting the whole agent to a JSON string. */
  exportSeconds: number;
  /** Parsing that JSON and importing it as a new agent, every hash verified. */
  importSeconds: number;
  exportBytes: number;
  databaseBytes: number;
  targets: { commitP95Ms: number; readHeadP95Ms: number; exportSeconds: number; importSeconds: number };
  pass: boolean;
}

export const STORE_TARGETS = {
  commitP95Ms: 2,
  readHeadP95Ms: 0.5,
  exportSeconds: 2,
  importSeconds: 2,
} as const;

/**
 * Measures the block store on a real SQLite file in a temporary directory: commit latency with a long
 * history, reads at HEAD, and whole-agent export and import.
 */
export async function runStoreBench(options: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const prior = options.commits ?? 10_000;
  const samples = options.samples ?? 1000;
  const readSamples = samples * 2;
  const total = prior + samples + readSamples;
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-store-"));
  const path = join(dir, "bench.db");
  const engram = createEngram({ path });
  try {
    const agent = await createHistoryAgent(engram);
    let head = (await engram.blocks.list(agent.id)).commit;
    const progressEvery = Math.max(1, Math.floor(total / 200));
    let done = 0;
    const tick = () => {
      done++;
      if (done % progressEvery === 0 || done === total) options.onProgress?.(done, total);
    };
    const write = async (i: number) => {
      const { label, value } = historyWrite(i);
      const result = await engram.blocks.set(agent.id, label, value, { expectedHead: head, author: "agent" });
      head = result.commit.id;
    };
    for (let i = 0; i < prior; i++) {
      await write(i);
      tick();
    }
    const commitTimes: number[] = [];
    for (let i = prior; i < prior + samples; i++) {
      const start = clockMs();
      await write(i);
      commitTimes.push(clockMs() - start);
      tick();
    }
    const readTimes: number[] = [];
    for (let i = 0; i < readSamples; i++) {
      const start = clockMs();
      const { blocks } = await engram.blocks.list(agent.id);
      readTimes.push(clockMs() - start);
      if (blocks.length !== 3) throw new Error("bench: unexpected block count");
      tick();
    }
    let start = clockMs();
    const json = JSON.stringify(await engram.transfer.export(agent.id));
    const exportSeconds = (clockMs() - start) / 1000;
    start = clockMs();
    await engram.transfer.import(JSON.parse(json), { newIds: true });
    const importSeconds = (clockMs() - start) / 1000;
    const commit = percentiles(commitTimes);
    const readHead = percentiles(readTimes);
    return {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      priorCommits: prior,
      commit,
      readHead,
      exportSeconds: round(exportSeconds),
      importSeconds: round(importSeconds),
      exportBytes: Buffer.byteLength(json),
      databaseBytes: statSync(path).size,
      targets: { ...STORE_TARGETS },
      pass:
        commit.p95 <= STORE_TARGETS.commitP95Ms &&
        readHead.p95 <= STORE_TARGETS.readHeadP95Ms &&
        exportSeconds <= STORE_TARGETS.exportSeconds &&
        importSeconds <= STORE_TARGETS.importSeconds,
    };
  } finally {
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as a short human-readable report. */
export function formatStoreBench(r: StoreBenchResult): string {
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const t = r.targets;
  return [
    `engram bench store — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
    `agent with ${r.priorCommits} prior commits`,
    `  commit     p50 ${r.commit.p50} ms  p95 ${r.commit.p95} ms  p99 ${r.commit.p99} ms   target p95 <= ${t.commitP95Ms} ms  ${mark(r.commit.p95 <= t.commitP95Ms)}`,
    `  read HEAD  p50 ${r.readHead.p50} ms  p95 ${r.readHead.p95} ms  p99 ${r.readHead.p99} ms   target p95 <= ${t.readHeadP95Ms} ms  ${mark(r.readHead.p95 <= t.readHeadP95Ms)}`,
    `  export     ${r.exportSeconds} s (${(r.exportBytes / 1e6).toFixed(1)} MB)   target <= ${t.exportSeconds} s  ${mark(r.exportSeconds <= t.exportSeconds)}`,
    `  import     ${r.importSeconds} s   target <= ${t.importSeconds} s  ${mark(r.importSeconds <= t.importSeconds)}`,
    `  database   ${(r.databaseBytes / 1e6).toFixed(1)} MB`,
  ].join("\n");
}
