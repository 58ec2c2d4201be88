import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createEngram } from "../engram.ts";
import { FEEDBACK_TASK } from "../feedback/turn-step.ts";
import { clockMs, type Percentiles, percentiles, round } from "./stats.ts";
import { SyntheticCorpus, seededRandom } from "./synthetic-corpus.ts";

export interface AdviceBenchOptions {
  /** Experience records of conversational turns (default 10,000). */
  records?: number;
  /** Compilations timed with advice and without, each (default 300). */
  samples?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface AdviceBenchResult {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  records: number;
  /** `runtime.context` for a new message with advice off (adviceResults 0) and on (the default, 3). */
  withoutAdvice: Percentiles;
  withAdvice: Percentiles;
  /** What advice adds at the 95th percentile: the difference of the two p95s. */
  addedP95Ms: number;
  /**
   * The same in CPU time of the process (user and system): on a shared, loaded machine wall time
   * mostly measures waiting for a core, which CPU time leaves out.
   */
  cpu: { withoutAdvice: Percentiles; withAdvice: Percentiles; lookup: Percentiles; addedP95Ms: number };
  /** The lookup alone (`experience.similarObservations`). */
  lookup: Percentiles;
  /** Share of the timed messages whose context carried advice. */
  advisedShare: number;
  target: { addedP95Ms: number };
}

export const ADVICE_TARGET = { addedP95Ms: 3 } as const;

/**
 * An agent whose experience memory holds N records of rated turns (one per distinct message, as
 * feedback leaves them), in a database on disk. Times compiling the context of new messages (half of
 * them close to a rated one) with the advice and without, interleaved so both see the same load.
 */
export async function runAdviceBench(options: AdviceBenchOptions = {}): Promise<AdviceBenchResult> {
  const records = options.records ?? 10_000;
  const samples = options.samples ?? 300;
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-advice-"));
  const path = join(dir, "bench.db");
  const corpus = new SyntheticCorpus({ seed: 17 });
  const random = seededRandom(23);
  const common = { path, env: {}, embedder: null, experience: { capacity: records + 1000 } } as const;
  const advised = createEngram(common);
  const plain = createEngram({ ...common, runtime: { adviceResults: 0 } });
  try {
    const agent = await advised.agents.create({ name: "rated" });
    const actions = ["answer", "tool:memory_append", "tool:memory_search"];
    const observations: string[] = [];
    for (let i = 0; i < records; i++) {
      const observation = `${corpus.sentence(6, 20)} ${i}`;
      observations.push(observation);
      const action = actions[Math.floor(random() * actions.length)] as string;
      await advised.experience.recordEpisode(agent.id, {
        task: FEEDBACK_TASK,
        steps: [{ observation, availableActions: actions, action, reward: random() < 0.5 ? -1 : 1 }],
        metadata: { source: "feedback" },
      });
      if (i % 200 === 0) options.onProgress?.(i, records, "rating turns");
    }
    options.onProgress?.(records, records, "rating turns");
    // Half the messages are a rated one with a word changed; half are new.
    const queries = Array.from({ length: samples }, (_, i) => {
      if (i % 2 === 1) return corpus.sentence(6, 20);
      const words = (observations[Math.floor(random() * observations.length)] as string).split(" ");
      words[Math.floor(random() * words.length)] = corpus.word();
      return words.join(" ");
    });
    // Warm both engines: the table is loaded and indexed once, as on a server that has served a turn.
    await advised.runtime.context(agent.id, { query: queries[0] });
    await plain.runtime.context(agent.id, { query: queries[0] });
    const timesWith: number[] = [];
    const timesWithout: number[] = [];
    const lookups: number[] = [];
    const cpuWith: number[] = [];
    const cpuWithout: number[] = [];
    const cpuLookups: number[] = [];
    const timed = async <T>(wall: number[], cpu: number[], fn: () => Promise<T>): Promise<T> => {
      const startCpu = process.cpuUsage();
      const start = clockMs();
      const value = await fn();
      wall.push(clockMs() - start);
      const used = process.cpuUsage(startCpu);
      cpu.push((used.user + used.system) / 1000);
      return value;
    };
    let advisedCount = 0;
    for (const [i, query] of queries.entries()) {
      const context = await timed(timesWith, cpuWith, () => advised.runtime.context(agent.id, { query }));
      if (context.advice !== "") advisedCount++;
      await timed(timesWithout, cpuWithout, () => plain.runtime.context(agent.id, { query }));
      await timed(lookups, cpuLookups, () =>
        advised.experience.similarObservations(agent.id, {
          task: FEEDBACK_TASK,
          observation: query,
          k: 3,
          min: 0.25,
        }),
      );
      if (i % 20 === 0) options.onProgress?.(i, samples, "compiling");
    }
    options.onProgress?.(samples, samples, "compiling");
    const withAdvice = percentiles(timesWith);
    const withoutAdvice = percentiles(timesWithout);
    return {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      records,
      withoutAdvice,
      withAdvice,
      addedP95Ms: round(withAdvice.p95 - withoutAdvice.p95),
      lookup: percentiles(lookups),
      cpu: {
        withoutAdvice: percentiles(cpuWithout),
        withAdvice: percentiles(cpuWith),
        lookup: percentiles(cpuLookups),
        addedP95Ms: round(percentiles(cpuWith).p95 - percentiles(cpuWithout).p95),
      },
      advisedShare: round(advisedCount / samples),
      target: { ...ADVICE_TARGET },
    };
  } finally {
    await plain.close();
    await advised.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatAdviceBench(r: AdviceBenchResult): string {
  const line = (name: string, p: Percentiles) =>
    `  ${name.padEnd(22)} p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms  mean ${p.mean} ms`;
  const ok = r.cpu.addedP95Ms <= r.target.addedP95Ms;
  return [
    `engram bench advice — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
    `${r.records} experience records of rated turns; ${Math.round(r.advisedShare * 100)}% of the messages got advice`,
    line("compile, no advice", r.withoutAdvice),
    line("compile, with advice", r.withAdvice),
    line("advice lookup alone", r.lookup),
    `  advice adds ${r.addedP95Ms} ms at p95 (wall)`,
    "  CPU time of the process:",
    line("compile, no advice", r.cpu.withoutAdvice),
    line("compile, with advice", r.cpu.withAdvice),
    line("advice lookup alone", r.cpu.lookup),
    `  advice adds ${r.cpu.addedP95Ms} ms of CPU at p95   target <= ${r.target.addedP95Ms} ms  ${ok ? "ok" : "MISSED"}`,
  ].join("\n");
}
