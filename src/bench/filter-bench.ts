import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createEngram } from "../engram.ts";
import { clockMs, type Percentiles, percentiles, round } from "./stats.ts";
import { SyntheticCorpus } from "./synthetic-corpus.ts";

export interface FilterBenchOptions {
  /** Memories loaded (default 100,000). */
  n?: number;
  /** Searches timed per mode (default 300). */
  queries?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface FilterBenchResult {
  n: number;
  date: string;
  machine: { cpu: string; cores: number; node: string };
  /** The filter timed: it holds for 1 % of the memories. */
  filter: Record<string, unknown>;
  unfiltered: Percentiles;
  filtered: Percentiles;
  /** filtered p95 / unfiltered p95, in the same run. */
  ratioP95: number;
  /** Mean results per filtered search (k = 10): a selective filter must still fill its page. */
  filteredResultsMean: number;
  /** A filtered page of `memory list` (newest first, 50 a page). */
  listFiltered: Percentiles;
  targets: { ratioP95: number };
}

export const FILTER_TARGETS = { ratioP95: 1.5 } as const;
const BATCH = 1000;

/**
 * Loads N synthetic memories, each with metadata `{bucket: i % 100, …}`, and times lexical searches
 * (k = 10) without a filter and with `{"metadata.bucket": 7}` (1 % of memories), interleaved, with the
 * same queries, so the ratio compares like with like in one run.
 */
export async function runFilterBench(options: FilterBenchOptions = {}): Promise<FilterBenchResult> {
  const n = options.n ?? 100_000;
  const queries = options.queries ?? 300;
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-filter-"));
  const engram = createEngram({ path: join(dir, "bench.db"), embedder: null });
  const filter = { "metadata.bucket": 7 };
  try {
    const corpus = new SyntheticCorpus({ seed: 11 });
    const agent = await engram.agents.create({ name: "bench" });
    for (let done = 0; done < n; done += BATCH) {
      const size = Math.min(BATCH, n - done);
      await engram.memories.addMany(
        agent.id,
        Array.from({ length: size }, (_, i) => ({
          text: corpus.sentence(),
          metadata: { bucket: (done + i) % 100, source: (done + i) % 2 === 0 ? "chat" : "import" },
        })),
      );
      options.onProgress?.(done + size, n, "insert");
    }
    for (let i = 0; i < 20; i++) {
      const query = corpus.query();
      await engram.search(agent.id, { query, recordAccess: false });
      await engram.search(agent.id, { query, filter, recordAccess: false });
    }
    const plain: number[] = [];
    const filtered: number[] = [];
    let results = 0;
    for (let i = 0; i < queries; i++) {
      const query = corpus.query();
      // Alternate which goes first, so neither always finds the other's pages in the cache.
      const order = i % 2 === 0 ? [false, true] : [true, false];
      for (const withFilter of order) {
        const t0 = clockMs();
        const found = await engram.search(agent.id, {
          query,
          k: 10,
          recordAccess: false,
          ...(withFilter ? { filter } : {}),
        });
        (withFilter ? filtered : plain).push(clockMs() - t0);
        if (withFilter) results += found.results.length;
      }
      options.onProgress?.(i + 1, queries, "search");
    }
    const listed: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const t0 = clockMs();
      const page = await engram.memories.list(agent.id, { filter, limit: 50, cursor });
      listed.push(clockMs() - t0);
      cursor = page.nextCursor ?? undefined;
    }
    const unfilteredP = percentiles(plain);
    const filteredP = percentiles(filtered);
    return {
      n,
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      filter,
      unfiltered: unfilteredP,
      filtered: filteredP,
      ratioP95: round(filteredP.p95 / unfilteredP.p95, 2),
      filteredResultsMean: round(results / queries, 2),
      listFiltered: percentiles(listed),
      targets: { ...FILTER_TARGETS },
    };
  } finally {
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatFilterBench(r: FilterBenchResult): string {
  const line = (name: string, p: Percentiles) =>
    `  ${name.padEnd(11)} p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms`;
  return [
    `engram bench filters — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
    `${r.n} synthetic memories, lexical search, k = 10, filter ${JSON.stringify(r.filter)} (1 %)`,
    line("unfiltered", r.unfiltered),
    line("filtered", r.filtered),
    `  ratio p95  ${r.ratioP95}   target <= ${r.targets.ratioP95}  ${r.ratioP95 <= r.targets.ratioP95 ? "ok" : "MISSED"}`,
    `  results    ${r.filteredResultsMean} per filtered search (mean)`,
    line("list page", r.listFiltered),
  ].join("\n");
}
