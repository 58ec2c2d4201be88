import { cpus } from "node:os";
import { createEngram } from "../engram.ts";
import { createHashEmbedder } from "../models/hash-embedder.ts";
import { IVF_DEFAULTS, SqliteVectorStore } from "../store/sqlite/vector-store.ts";
import type { VectorHit } from "../store/store.ts";
import { benchDatabase } from "./bench-database.ts";
import { clockMs, type Percentiles, percentiles, round } from "./stats.ts";
import { SyntheticCorpus } from "./synthetic-corpus.ts";

export interface RetrievalBenchOptions {
  n?: number;
  /** Queries timed per mode (default 300). */
  queries?: number;
  /** Measure hybrid search too (default true; inserts then also store 384-dimension vectors). */
  hybrid?: boolean;
  /** A PostgreSQL server's URL: the bench runs on a fresh schema there (dropped at the end), not SQLite. */
  database?: string | undefined;
  /** Also time lexical search with the entity graph off and on, query by query alternately (default false). */
  graph?: boolean;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface RetrievalBenchResult {
  n: number;
  date: string;
  machine: { cpu: string; cores: number; node: string };
  /** The backend measured. */
  store: "sqlite" | "postgres";
  /** Memories per second through `addMany` in batches of 1,000 (with vectors when hybrid). */
  insertPerSecond: number;
  lexical: Percentiles;
  hybrid: Percentiles | null;
  /**
   * Mean recall@10 of the (approximate, IVF) vector search behind hybrid search against exact
   * brute-force cosine k-NN, over 50 of the timed hybrid queries; null without hybrid.
   */
  vectorRecallAt10: number | null;
  /** IVF lists of the bench agent's memory vectors (0: untrained, searched exactly); null without hybrid. */
  vectorLists: number | null;
  /**
   * The background retrainings of the agent's lists as it grew (searches were timed after the last
   * had finished); null without hybrid.
   */
  retrains: {
    /** How many ran, and their wall time in all (interleaved with the inserts). */
    count: number;
    totalMs: number;
    /** The last one: lists, vectors it clustered, wall time and its own arrays' peak bytes. */
    last: { lists: number; vectors: number; sampled: number; durationMs: number; peakBytes: number } | null;
    /** How long the bench waited after its last insert for retraining to finish. */
    waitedMs: number;
    /**
     * The process's memory before that wait and the most seen during it (sampled every 20 ms): its
     * JS heap and array buffers, and its resident set (which also counts the database's pages
     * read through the memory map).
     */
    heapBeforeBytes: number;
    heapPeakBytes: number;
    rssBeforeBytes: number;
    rssPeakBytes: number;
  } | null;
  /**
   * Lexical search with the entity graph off and on over the same queries, alternating (so both see
   * the same load), and on/off of their p95; null unless asked for.
   */
  graph: { off: Percentiles; on: Percentiles; p95Ratio: number; entities: number } | null;
  /** The SQLite file's size at the end; null on PostgreSQL. */
  databaseBytes: number | null;
  targets: { lexicalP95Ms: number; hybridP95Ms: number; insertPerSecond: number };
}

export const RETRIEVAL_TARGETS = { lexicalP95Ms: 10, hybridP95Ms: 50, insertPerSecond: 2000 } as const;
/** On PostgreSQL each search is a round trip to another process: a little more time for lexical search. */
export const POSTGRES_RETRIEVAL_TARGETS = { ...RETRIEVAL_TARGETS, lexicalP95Ms: 15 } as const;
const BATCH = 1000;

/**
 * Loads N synthetic memories into a fresh database on disk and times batch inserts and searches
 * (k = 10): lexical (BM25 + signals) and hybrid (plus vectors from a deterministic test embedder).
 */
export async function runRetrievalBench(options: RetrievalBenchOptions = {}): Promise<RetrievalBenchResult> {
  const n = options.n ?? 100_000;
  const queries = options.queries ?? 300;
  const hybrid = options.hybrid ?? true;
  const fresh = benchDatabase("retrieval", options.database);
  const embedder = hybrid ? createHashEmbedder(384) : null;
  const engram = createEngram({ database: fresh.database, embedder });
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
    const retrains = hybrid ? await settleRetrains(engram.store.vectors) : null;
    const time = async (
      weights: { vector: number },
      phase: string,
      asked?: string[],
    ): Promise<Percentiles> => {
      const samples: number[] = [];
      for (let i = 0; i < queries; i++) {
        const query = corpus.query();
        const t0 = clockMs();
        await engram.search(agent.id, { query, k: 10, weights, recordAccess: false });
        samples.push(clockMs() - t0);
        asked?.push(query);
        options.onProgress?.(i + 1, queries, phase);
      }
      return percentiles(samples);
    };
    // Warm the page cache and statements as a running server would be.
    for (let i = 0; i < 20; i++)
      await engram.search(agent.id, { query: corpus.query(), recordAccess: false });
    const lexical = await time({ vector: 0 }, "lexical");
    const hybridQueries: string[] = [];
    const hybridLatency = hybrid ? await time({ vector: 1 }, "hybrid", hybridQueries) : null;
    const graph = options.graph === true ? await timeGraph(engram, agent.id, corpus, queries, options) : null;
    const vectors = engram.store.vectors;
    let vectorRecallAt10: number | null = null;
    let vectorLists: number | null = null;
    if (embedder !== null && vectors instanceof SqliteVectorStore) {
      // After the timing: the same vector search hybrid ran, at k = 10, against an exact k-NN
      // over all of the agent's lists.
      const step = Math.max(1, Math.floor(hybridQueries.length / 50));
      const sampled = hybridQueries.filter((_, i) => i % step === 0).slice(0, 50);
      const embedded = await embedder.embed(sampled);
      let total = 0;
      for (const vector of embedded) {
        const approx = await vectors.search("memories", agent.id, vector, 10);
        const exact = await vectors.searchExact("memories", agent.id, vector, 10);
        total += recallAt(approx, exact);
      }
      vectorRecallAt10 = embedded.length === 0 ? null : round(total / embedded.length);
      vectorLists = (await vectors.indexState("memories", agent.id)).lists;
    }
    return {
      n,
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      store: fresh.kind,
      insertPerSecond: Math.round(n / insertSeconds),
      lexical,
      hybrid: hybridLatency,
      vectorRecallAt10,
      vectorLists,
      retrains,
      graph,
      databaseBytes: fresh.sizeBytes(),
      targets: { ...(fresh.kind === "postgres" ? POSTGRES_RETRIEVAL_TARGETS : RETRIEVAL_TARGETS) },
    };
  } finally {
    await engram.close();
    await fresh.drop();
  }
}

export function formatRetrievalBench(r: RetrievalBenchResult): string {
  const t = r.targets;
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const line = (name: string, p: Percentiles, target: number) =>
    `  ${name.padEnd(8)} p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms   target p95 <= ${target} ms  ${mark(p.p95 <= target)}`;
  return [
    `engram bench retrieval — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
    `${r.n} synthetic memories, k = 10, on ${r.store === "postgres" ? "PostgreSQL" : "SQLite"}`,
    `  insert   ${r.insertPerSecond} memories/s   target >= ${t.insertPerSecond}  ${mark(r.insertPerSecond >= t.insertPerSecond)}`,
    line("lexical", r.lexical, t.lexicalP95Ms),
    ...(r.hybrid === null ? [] : [line("hybrid", r.hybrid, t.hybridP95Ms)]),
    ...(r.vectorRecallAt10 === null
      ? []
      : [
          `  vectors  recall@10 ${r.vectorRecallAt10} vs exact k-NN (50 hybrid queries; ${r.vectorLists ? `IVF, ${r.vectorLists} lists, nprobe ${IVF_DEFAULTS.nprobe}, at least ${IVF_DEFAULTS.minProbeFraction * 100} % and ${IVF_DEFAULTS.minProbeVectors.toLocaleString("en-US")} scanned` : "exact, untrained"})`,
        ]),
    ...(r.retrains === null ? [] : [formatRetrains(r.retrains)]),
    ...(r.graph === null
      ? []
      : [
          `  graph    off: p50 ${r.graph.off.p50} ms p95 ${r.graph.off.p95} ms   on: p50 ${r.graph.on.p50} ms p95 ${r.graph.on.p95} ms   p95 on/off ${r.graph.p95Ratio} (target <= 1.3)  ${mark(r.graph.p95Ratio <= 1.3)}; ${r.graph.entities} entities`,
        ]),
    r.databaseBytes === null
      ? `  database PostgreSQL`
      : `  database ${(r.databaseBytes / 1e6).toFixed(1)} MB`,
  ].join("\n");
}

/** Lexical searches with the graph off and on, alternating query by query over the same queries. */
async function timeGraph(
  engram: ReturnType<typeof createEngram>,
  agentId: string,
  corpus: SyntheticCorpus,
  queries: number,
  options: RetrievalBenchOptions,
): Promise<NonNullable<RetrievalBenchResult["graph"]>> {
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < queries; i++) {
    const query = corpus.query();
    for (const [graph, samples] of [
      [false, off],
      [true, on],
    ] as const) {
      const t0 = clockMs();
      await engram.search(agentId, { query, k: 10, graph, weights: { vector: 0 }, recordAccess: false });
      samples.push(clockMs() - t0);
    }
    options.onProgress?.(i + 1, queries, "graph");
  }
  const p = { off: percentiles(off), on: percentiles(on) };
  const entities = (await engram.store.graph.dump(agentId)).entities.length;
  return { ...p, p95Ratio: round(p.on.p95 / Math.max(p.off.p95, 1e-9)), entities };
}

/**
 * Waits for the vector lists' background retraining to finish, so that searches are timed (and
 * recall measured) on the lists a settled index has, and reports what the retrainings cost.
 */
async function settleRetrains(vectors: unknown): Promise<RetrievalBenchResult["retrains"]> {
  if (!(vectors instanceof SqliteVectorStore)) return null;
  const heap = () => {
    const m = process.memoryUsage();
    return { js: m.heapUsed + m.arrayBuffers, rss: m.rss };
  };
  const before = heap();
  let heapPeakBytes = before.js;
  let rssPeakBytes = before.rss;
  const sampler = setInterval(() => {
    const now = heap();
    heapPeakBytes = Math.max(heapPeakBytes, now.js);
    rssPeakBytes = Math.max(rssPeakBytes, now.rss);
  }, 20);
  const t0 = clockMs();
  try {
    const reports = await vectors.settled();
    const last = reports.at(-1);
    return {
      count: reports.length,
      totalMs: reports.reduce((sum, r) => sum + r.durationMs, 0),
      last:
        last === undefined
          ? null
          : {
              lists: last.lists,
              vectors: last.vectors,
              sampled: last.sampled,
              durationMs: last.durationMs,
              peakBytes: last.peakBytes,
            },
      waitedMs: Math.round(clockMs() - t0),
      heapBeforeBytes: before.js,
      heapPeakBytes,
      rssBeforeBytes: before.rss,
      rssPeakBytes,
    };
  } finally {
    clearInterval(sampler);
  }
}

function formatRetrains(r: NonNullable<RetrievalBenchResult["retrains"]>): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const last =
    r.last === null
      ? "none"
      : `last: ${r.last.vectors} vectors into ${r.last.lists} lists (k-means on ${r.last.sampled}) in ${(r.last.durationMs / 1000).toFixed(1)} s, its arrays peaking at ${mb(r.last.peakBytes)}`;
  return `  retrain  ${r.count} in the background (${(r.totalMs / 1000).toFixed(1)} s in all); ${last}; waited ${(r.waitedMs / 1000).toFixed(1)} s for it after the inserts (JS heap and buffers ${mb(r.heapBeforeBytes)} → peak ${mb(r.heapPeakBytes)}; RSS with the mapped file ${mb(r.rssBeforeBytes)} → ${mb(r.rssPeakBytes)})`;
}

/**
 * The share of the exact k nearest that an approximate search found. A hit at the same distance as
 * the exact k-th counts (an equally near vector is as right as the one the exact search kept).
 */
function recallAt(approx: readonly VectorHit[], exact: readonly VectorHit[]): number {
  if (exact.length === 0) return 1;
  const ids = new Set(exact.map((h) => h.id));
  const kth = (exact.at(-1) as VectorHit).distance;
  const found = approx.filter((h) => ids.has(h.id) || h.distance <= kth).length;
  return Math.min(found, exact.length) / exact.length;
}

export { round };
