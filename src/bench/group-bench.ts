import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createEngram } from "../engram.ts";
import { castModel } from "../test/cast-model.ts";
import { clockMs, type Percentiles, percentiles } from "./stats.ts";

export interface GroupBenchOptions {
  /** Pairs timed: a worker's turn alone, then a supervisor's turn routed to it (default 300). */
  samples?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface GroupBenchResult {
  date: string;
  machine: { cpu: string; cores: number; node: string; loadavg: number[] };
  samples: number;
  /** The worker's turn on its own. */
  worker: Percentiles;
  /** A supervisor group's message: the supervisor's turn, which waits on the worker's. */
  supervisor: Percentiles;
  /** Each supervisor turn less the worker turn just before it: what routing through a supervisor adds. */
  added: Percentiles;
  targets: { addedP95Ms: number };
}

export const GROUP_TARGETS = { addedP95Ms: 15 } as const;
const WARMUP = 20;
const USERS = 20;

/**
 * A supervisor group with one worker, on a database on disk, with a zero-latency scripted model: the
 * supervisor calls `send_message_to_agent_and_wait`, the worker answers, the supervisor answers from
 * its result. Each group message is paired with a turn of the worker alone just before it, so the
 * difference is engram's own time for routing: the supervisor's two model calls' context and
 * bookkeeping, its tool call, and the messages it persists.
 */
export async function runGroupBench(options: GroupBenchOptions = {}): Promise<GroupBenchResult> {
  const samples = options.samples ?? 300;
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-group-"));
  const model = castModel(
    {
      lead: (_, call) =>
        call.prompt.at(-1)?.role === "tool"
          ? { text: "The worker says: done." }
          : {
              toolCalls: [
                {
                  name: "send_message_to_agent_and_wait",
                  input: { agent: "worker", message: "Do the task." },
                },
              ],
            },
      worker: () => ({ text: "done" }),
    },
    { record: false },
  );
  const engram = createEngram({ path: join(dir, "bench.db"), env: {}, embedder: null, model });
  try {
    await engram.agents.create({ name: "lead", instructions: "[lead] You route tasks to the worker." });
    const worker = await engram.agents.create({ name: "worker", instructions: "[worker] You do tasks." });
    const group = await engram.groups.create({
      name: "desk",
      pattern: "supervisor",
      manager: "lead",
      members: ["worker"],
    });
    const alone: number[] = [];
    const routed: number[] = [];
    const added: number[] = [];
    for (let i = 0; i < samples + WARMUP; i++) {
      const userId = `user-${i % USERS}`;
      let start = clockMs();
      await engram.runtime.send(worker.id, { content: "Do the task.", userId });
      const a = clockMs() - start;
      start = clockMs();
      await engram.groups.send(group.id, { content: "Please get the task done.", userId });
      const b = clockMs() - start;
      // The first turns warm the caches and the JIT, as in a running server.
      if (i >= WARMUP) {
        alone.push(a);
        routed.push(b);
        added.push(b - a);
      }
      options.onProgress?.(i + 1, samples + WARMUP, "turns");
    }
    return {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model ?? "unknown",
        cores: cpus().length,
        node: process.version,
        loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
      },
      samples,
      worker: percentiles(alone),
      supervisor: percentiles(routed),
      added: percentiles(added),
      targets: { ...GROUP_TARGETS },
    };
  } finally {
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatGroupBench(r: GroupBenchResult): string {
  const ms = (p: Percentiles) => `p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms`;
  const target = r.targets.addedP95Ms;
  return [
    `engram bench group — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}, load ${r.machine.loadavg.join(" ")}`,
    `a supervisor group with one worker, in-process, SQLite on disk; zero-latency scripted model; ${r.samples} pairs`,
    `  worker turn alone      ${ms(r.worker)}`,
    `  supervisor → worker    ${ms(r.supervisor)}`,
    `  added by routing       ${ms(r.added)}   target p95 <= ${target} ms  ${r.added.p95 <= target ? "ok" : "MISSED"}`,
  ].join("\n");
}
