import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createEngram, type Engram } from "../engram.ts";
import { createHashEmbedder } from "../models/hash-embedder.ts";
import { IVF_DEFAULTS, probeBudget, SqliteVectorStore } from "../store/sqlite/vector-store.ts";
import { RAW_PARTITION_ROWS, RawSqlite } from "./raw-sqlite.ts";
import { clockMs, percentiles, round } from "./stats.ts";
import { SyntheticCorpus } from "./synthetic-corpus.ts";

export interface LimitsBenchOptions {
  /** Memories inserted on each side (default 100,000), in batches of 1,000. */
  n?: number;
  /** Searches timed per kind (default 300), after 20 untimed ones. */
  queries?: number;
  /** Leave out the vector sides (inserts with vectors, hybrid search): the lexical figures alone. */
  lexicalOnly?: boolean;
  onProgress?: (done: number, total: number, phase: string) => void;
}

/** One figure measured on both sides; `ratio` is engram / raw. */
export interface LimitsMeasure {
  measure: string;
  unit: "rows/s" | "ms" | "bytes";
  engram: number;
  raw: number;
  /** What the raw side did. */
  baseline: string;
  ratio: number;
}

export interface LimitsBenchResult {
  n: number;
  queries: number;
  date: string;
  machine: { cpu: string; cores: number; node: string };
  /** 1, 5 and 15 minute load averages when the run began. */
  load: number[];
  /** Vectors a hybrid search of engram scans: its IVF probe budget (all of them while untrained). */
  vectorsScanned: number;
  /** IVF lists of engram's memory vectors at the end (0: untrained, searched exactly). */
  vectorLists: number;
  /** The hash embedder alone, rows/s: engram's insert with vectors includes this work, the raw figure does not (0 when lexical only). */
  embedderRowsPerSecond: number;
  measures: LimitsMeasure[];
}

const BATCH = 1000;
const DIMENSIONS = 384;
const K = 10;

/**
 * Engram's retrieval workload beside raw SQLite doing the same work, in one run on throwaway
 * databases with the same pragmas: inserts with and without vectors, lexical and hybrid search,
 * and the size of the files. Batches and queries alternate between the sides, so that noise from
 * the rest of the machine falls on both alike.
 */
export async function runLimitsBench(options: LimitsBenchOptions = {}): Promise<LimitsBenchResult> {
  const n = options.n ?? 100_000;
  const queries = options.queries ?? 300;
  const load = loadavg().map((x) => round(x, 2));
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-limits-"));
  const paths = {
    engramText: join(dir, "engram-lexical.db"),
    engramVectors: join(dir, "engram-vectors.db"),
    rawText: join(dir, "raw-fts5.db"),
    rawVectors: join(dir, "raw-fts5-vec0.db"),
  };
  const embedder = createHashEmbedder(DIMENSIONS);
  const withVectors = options.lexicalOnly !== true;
  const engramText = createEngram({ path: paths.engramText, embedder: null });
  const engramVectors = withVectors ? createEngram({ path: paths.engramVectors, embedder }) : null;
  const rawText = new RawSqlite(paths.rawText, null);
  const rawVectors = withVectors ? new RawSqlite(paths.rawVectors, DIMENSIONS) : null;
  let closed = false;
  const closeAll = async () => {
    if (closed) return;
    closed = true;
    rawText.close();
    rawVectors?.close();
    await engramText.close();
    await engramVectors?.close();
  };
  try {
    const corpus = new SyntheticCorpus({ seed: 7 });
    const textAgent = (await engramText.agents.create({ name: "bench" })).id;
    const vectorAgent = (await engramVectors?.agents.create({ name: "bench" }))?.id ?? "";
    const seconds = { engramText: 0, engramVectors: 0, rawText: 0, rawVectors: 0, embed: 0 };
    const timed = async (key: keyof typeof seconds, work: () => unknown) => {
      const t0 = clockMs();
      await work();
      seconds[key] += (clockMs() - t0) / 1000;
    };
    for (let done = 0; done < n; done += BATCH) {
      const texts = Array.from({ length: Math.min(BATCH, n - done) }, () => corpus.sentence());
      const items = texts.map((text) => ({ text }));
      await timed("engramText", () => added(engramText, textAgent, items));
      await timed("rawText", () => rawText.insert(texts));
      if (engramVectors === null || rawVectors === null) {
        options.onProgress?.(done + texts.length, n, "insert");
        continue;
      }
      await timed("engramVectors", () => added(engramVectors, vectorAgent, items));
      // The raw side is storage alone: its vectors are made outside the clock, and the embedder's
      // own time (inside engram's figure) is reported apart.
      let vectors: Float32Array[] = [];
      await timed("embed", async () => {
        vectors = await embedder.embed(texts);
      });
      await timed("rawVectors", () => rawVectors.insert(texts, vectors));
      options.onProgress?.(done + texts.length, n, "insert");
    }

    const search = (engram: Engram, agentId: string, query: string, vector: number) =>
      engram.search(agentId, { query, k: K, weights: { vector }, recordAccess: false });
    const time = async (into: number[], work: () => unknown) => {
      const t0 = clockMs();
      await work();
      into.push(clockMs() - t0);
    };
    // Warm the page caches and statements of every side, as a running server would be.
    for (let i = 0; i < 20; i++) {
      const query = corpus.query();
      await search(engramText, textAgent, query, 0);
      rawText.searchText(query);
    }
    const lexicalSamples = { engram: [] as number[], raw: [] as number[] };
    for (let i = 0; i < queries; i++) {
      const query = corpus.query();
      await time(lexicalSamples.engram, () => search(engramText, textAgent, query, 0));
      await time(lexicalSamples.raw, () => rawText.searchText(query));
      options.onProgress?.(i + 1, queries, "lexical");
    }

    let vectorsScanned = 0;
    let vectorLists = 0;
    const hybridSamples = { engram: [] as number[], rawScan: [] as number[], rawKnn: [] as number[] };
    let scannedRows = 0;
    if (engramVectors !== null && rawVectors !== null) {
      // Searches are timed on the lists a settled index has: wait for retraining in the background.
      const vectorStore = engramVectors.store.vectors;
      if (vectorStore instanceof SqliteVectorStore) await vectorStore.settled();
      vectorsScanned = await vectorsScannedBy(engramVectors, vectorAgent, n);
      const scanned = Math.min(rawVectors.partitions, Math.ceil(vectorsScanned / RAW_PARTITION_ROWS));
      scannedRows = Math.min(n, scanned * RAW_PARTITION_ROWS);
      const partitionsFrom = (start: number) =>
        Array.from({ length: scanned }, (_, j) => (start + j) % rawVectors.partitions);
      for (let i = 0; i < 20; i++) {
        const query = corpus.query();
        await search(engramVectors, vectorAgent, query, 1);
        const [v] = await embedder.embed([query]);
        rawVectors.searchText(query);
        rawVectors.scanVectors(v as Float32Array, K, partitionsFrom(i));
        rawVectors.knn(v as Float32Array, K);
      }
      for (let i = 0; i < queries; i++) {
        const query = corpus.query();
        await time(hybridSamples.engram, () => search(engramVectors, vectorAgent, query, 1));
        await time(hybridSamples.rawScan, async () => {
          const [v] = await embedder.embed([query]);
          rawVectors.searchText(query);
          rawVectors.scanVectors(v as Float32Array, K, partitionsFrom(i * 7));
        });
        await time(hybridSamples.rawKnn, async () => {
          const [v] = await embedder.embed([query]);
          rawVectors.searchText(query);
          rawVectors.knn(v as Float32Array, K);
        });
        options.onProgress?.(i + 1, queries, "hybrid");
      }
      vectorLists = await listsOf(engramVectors, vectorAgent);
    }
    // Closed first: closing checkpoints the write-ahead log into the file, on both sides alike.
    await closeAll();
    const lexical = { engram: percentiles(lexicalSamples.engram), raw: percentiles(lexicalSamples.raw) };
    const rate = (s: number) => Math.round(n / s);
    const budgeted = "budgeted BM25, LIMIT 100";
    const measures: LimitsMeasure[] = [
      measure("insert, lexical only", "rows/s", rate(seconds.engramText), rate(seconds.rawText), "FTS5"),
      measure("lexical search p50", "ms", lexical.engram.p50, lexical.raw.p50, budgeted),
      measure("lexical search p95", "ms", lexical.engram.p95, lexical.raw.p95, budgeted),
      measure("database, lexical only", "bytes", size(paths.engramText), size(paths.rawText), "FTS5"),
    ];
    if (withVectors) {
      const hybrid = percentiles(hybridSamples.engram);
      measures.splice(
        1,
        0,
        measure(
          "insert with vectors",
          "rows/s",
          rate(seconds.engramVectors),
          rate(seconds.rawVectors),
          "FTS5 + vec0",
        ),
      );
      measures.splice(
        4,
        0,
        measure(
          "hybrid search p95",
          "ms",
          hybrid.p95,
          percentiles(hybridSamples.rawScan).p95,
          `${budgeted} + a scan of ${scannedRows} vectors`,
        ),
        measure(
          "hybrid search p95",
          "ms",
          hybrid.p95,
          percentiles(hybridSamples.rawKnn).p95,
          `${budgeted} + brute-force k-NN`,
        ),
      );
      measures.push(
        measure(
          "database with vectors",
          "bytes",
          size(paths.engramVectors),
          size(paths.rawVectors),
          "FTS5 + vec0",
        ),
      );
    }
    return {
      n,
      queries,
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      load,
      vectorsScanned,
      vectorLists,
      embedderRowsPerSecond: withVectors ? rate(seconds.embed) : 0,
      measures,
    };
  } finally {
    await closeAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function added(engram: Engram, agentId: string, items: { text: string }[]): Promise<void> {
  const { warnings } = await engram.memories.addMany(agentId, items);
  if (warnings.length > 0) throw new Error(`bench: ${warnings[0]}`);
}

function measure(
  name: string,
  unit: LimitsMeasure["unit"],
  engram: number,
  raw: number,
  baseline: string,
): LimitsMeasure {
  return { measure: name, unit, engram, raw, baseline, ratio: round(engram / raw) };
}

/**
 * The vectors one of engram's hybrid searches scans: every vector while the agent's lists are
 * untrained, else the IVF probe budget (lists are probed nearest first until it is reached).
 */
async function vectorsScannedBy(engram: Engram, agentId: string, n: number): Promise<number> {
  const vectors = engram.store.vectors;
  if (!(vectors instanceof SqliteVectorStore)) return n;
  const { lists, sizes } = await vectors.indexState("memories", agentId);
  const total = sizes.reduce((sum, x) => sum + x, 0);
  if (lists === 0) return total;
  return Math.ceil(probeBudget(IVF_DEFAULTS, total, lists));
}

async function listsOf(engram: Engram, agentId: string): Promise<number> {
  const vectors = engram.store.vectors;
  return vectors instanceof SqliteVectorStore ? (await vectors.indexState("memories", agentId)).lists : 0;
}

/** A database's bytes on disk, with its write-ahead log if one is left. */
function size(path: string): number {
  const wal = `${path}-wal`;
  return statSync(path).size + (existsSync(wal) ? statSync(wal).size : 0);
}

/** The result as a table: measure, engram, raw, engram / raw. */
export function formatLimitsBench(r: LimitsBenchResult): string {
  const value = (m: LimitsMeasure, x: number) =>
    m.unit === "bytes"
      ? `${(x / 1e6).toFixed(1)} MB`
      : m.unit === "ms"
        ? `${x} ms`
        : `${x.toLocaleString("en-US")}/s`;
  const rows = r.measures.map((m) => [
    m.measure,
    value(m, m.engram),
    `${m.baseline}: ${value(m, m.raw)}`,
    String(m.ratio),
  ]);
  const header = ["measure", "engram", "raw SQLite, same work", "engram / raw"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] as number))
      .join("  ")
      .trimEnd();
  const lexicalOnly = r.embedderRowsPerSecond === 0;
  return [
    `engram bench limits — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}, load ${r.load.join(" ")}`,
    lexicalOnly
      ? `${r.n} synthetic memories, batches of ${BATCH}; ${r.queries} queries, k = ${K}; lexical only (no vector sides)`
      : `${r.n} synthetic memories, batches of ${BATCH}; ${r.queries} queries per search kind, k = ${K}; engram scans ${r.vectorsScanned} vectors per hybrid search (${r.vectorLists === 0 ? "untrained, exact" : `IVF, ${r.vectorLists} lists`})`,
    ...(lexicalOnly
      ? []
      : [
          `the hash embedder alone: ${r.embedderRowsPerSecond.toLocaleString("en-US")} rows/s (inside engram's insert with vectors, outside the raw figure)`,
        ]),
    line(header),
    ...rows.map(line),
  ].join("\n");
}
