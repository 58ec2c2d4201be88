import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createEngram } from "../engram.ts";
import { createHashEmbedder } from "../models/hash-embedder.ts";
import { clockMs, type Percentiles, percentiles, round } from "./stats.ts";
import { SyntheticCorpus } from "./synthetic-corpus.ts";

export interface RetrievalBenchOptions {
  n?: number;
  /** Queries timed per mode (default 300). */
  queries?: number;
  /** Measure hybrid search too (default true; inserts then also store 384-dimension vectors). */
  hybrid?: boolean;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface RetrievalBenchResult {
  n: number;
  date: string;
  machine: { cpu: string; cores: number; node: string };
  /** Memories per second through `addMany` in batches of 1,000 (with vectors when hybrid). */
  insertPerSecond: number;
  lexical: Percentiles;
  hybrid: Percentiles | null;
  databaseBytes: number;
  targets: { lexicalP95Ms: number; hybridP95Ms: number; insertPerSecond: number };
}

export const RETRIEVAL_TARGETS = { lexicalP95Ms: 10, hybridP95Ms: 50, insertPerSecond: 2000 } as const;
const BATCH = 1000;

/**
 * Loads N synthetic memories into a fresh database on disk and times batch inserts and searches
 * (k = 10): lexical (BM25 + signals) and hybrid (plus vectors from a deterministic test embedder).
 */
export async function runRetrievalBench(options: RetrievalBenchOptions = {}): Promise<RetrievalBenchResult> {
  const n = options.n ?? 100_000;
  const queries = options.queries ?? 300;
  const hybrid = options.hybrid ?? true;
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-retrieval-"));
  const path = join(dir, "bench.db");
  const engram = createEngram({ path, embedder: hybrid ? createHashEmbedder(384) : null });
  try {
    const corpus = new SyntheticCorpus({ seed: 7 });
    const agent = await engram.agents.create({ name: "bench" });
    const start = clockMs();
    for (let done = 0; done < n; done += BATCH) {
      const size = Math.min(BATCH, n - done);
      const batch = Array.from({ length: size }, (_, i) => ({
        text: corpus.sentence(),
        importance: ((done + i) % 10) / 10,
        ...(i % 4 === 0 ? { userId: `user-${i % 16}` } : {}),
      }));
      const { warnings } = await engram.memories.addMany(agent.id, batch);
      if (warnings.length > 0) throw new Error(`bench: ${warnings[0]}`);
      options.onProgress?.(done + size, n, "insert");
    }
    const insertSeconds = (clockMs() - start) / 1000;
    const time = async (weights: { vector: number }, phase: string): Promise<Percentiles> => {
      const samples: number[] = [];
      for (let i = 0; i < queries; i++) {
        const query = corpus.query();
        const t0 = clockMs();
        await engram.search(agent.id, { query, k: 10, weights, recordAccess: false });
        samples.push(clockMs() - t0);
        options.onProgress?.(i + 1, queries, phase);
      }
      return percentiles(samples);
    };
    // Warm the page cache and statements as a running server would be.
    for (let i = 0; i < 20; i++)
      await engram.search(agent.id, { query: corpus.query(), recordAccess: false });
    const lexical = await time({ vector: 0 }, "lexical");
    const hybridLatency = hybrid ? await time({ vector: 1 }, "hybrid") : null;
    return {
      n,
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      insertPerSecond: Math.round(n / insertSeconds),
      lexical,
      hybrid: hybridLatency,
      databaseBytes: statSync(path).size,
      targets: { ...RETRIEVAL_TARGETS },
    };
  } finally {
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatRetrievalBench(r: RetrievalBenchResult): string {
  const t = r.targets;
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const line = (name: string, p: Percentiles, target: number) =>
    `  ${name.padEnd(8)} p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms   target p95 <= ${target} ms  ${mark(p.p95 <= target)}`;
  return [
    `engram bench retrieval — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
    `${r.n} synthetic memories, k = 10`,
    `  insert   ${r.insertPerSecond} memories/s   target >= ${t.insertPerSecond}  ${mark(r.insertPerSecond >= t.insertPerSecond)}`,
    line("lexical", r.lexical, t.lexicalP95Ms),
    ...(r.hybrid === null ? [] : [line("hybrid", r.hybrid, t.hybridP95Ms)]),
    `  database ${(r.databaseBytes / 1e6).toFixed(1)} MB`,
  ].join("\n");
}

export { round };
