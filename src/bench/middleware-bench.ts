import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { generateText, streamText, wrapLanguageModel } from "ai";
import { engramMemory } from "../ai-sdk/engram-memory.ts";
import type { EngramMemoryBackend } from "../ai-sdk/memory-backend.ts";
import { createClient } from "../client/index.ts";
import { createEngram } from "../engram.ts";
import { startServer } from "../server/serve.ts";
import { scriptedModel } from "../test/scripted-model.ts";
import { clockMs, type Percentiles, percentiles } from "./stats.ts";
import { SyntheticCorpus } from "./synthetic-corpus.ts";

export interface MiddlewareBenchOptions {
  /** Memories of the agent, spread over `users` end users (default 100,000). */
  memories?: number;
  /** Calls timed per kind, wrapped and plain each (default 300). */
  samples?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface MiddlewareBenchResult {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  memories: number;
  users: number;
  blocks: number;
  /** Engram's own time per `generateText` call: the wrapped call less the plain call just before it. */
  generate: CallTimes;
  /** The same for `streamText`, read to its end. */
  stream: CallTimes;
  /**
   * `generateText` with the typed client in place of the engine: `engram serve`'s app on a loopback
   * socket in this process, so the figure holds the HTTP round trips and the server's own work.
   */
  client: CallTimes;
  targets: { addedP95Ms: number; clientAddedP95Ms: number };
}

export interface CallTimes {
  plain: Percentiles;
  wrapped: Percentiles;
  /** What the app waits for: blocks and retrieval before the call, and the wrapping. */
  added: Percentiles;
  /** Recording the exchange after the answer (`flush()`), which the answer does not wait for. */
  record: Percentiles;
}

export const MIDDLEWARE_TARGETS = { addedP95Ms: 10, clientAddedP95Ms: 15 } as const;
const USERS = 100;
const WARMUP = 20;

/**
 * An agent with 5 blocks and N memories (over 100 end users) in a database on disk, and the AI SDK's
 * `generateText` and `streamText` on a zero-latency scripted model, with and without `engramMemory`.
 * Each wrapped call is paired with a plain one, so the difference is what the middleware adds to the
 * call: reading the blocks and retrieving for the message. Recording the exchange (with the sleep-time
 * trigger's check) follows the answer; it is timed on its own, and finished before the next call.
 */
export async function runMiddlewareBench(
  options: MiddlewareBenchOptions = {},
): Promise<MiddlewareBenchResult> {
  const nMemories = options.memories ?? 100_000;
  const samples = options.samples ?? 300;
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-middleware-"));
  const corpus = new SyntheticCorpus({ seed: 17 });
  const engram = createEngram({ path: join(dir, "bench.db"), env: {}, embedder: null });
  try {
    const agent = await engram.agents.create({
      name: "bench",
      blocks: Array.from({ length: 5 }, (_, i) => ({
        label: `block_${i}`,
        description: `Notes on topic ${i}`,
        value: Array.from({ length: 4 }, () => corpus.sentence()).join("\n"),
      })),
    });
    for (let done = 0; done < nMemories; done += 1000) {
      const size = Math.min(1000, nMemories - done);
      await engram.memories.addMany(
        agent.id,
        Array.from({ length: size }, (_, i) => ({
          text: corpus.sentence(),
          userId: `user-${(done + i) % USERS}`,
        })),
      );
      options.onProgress?.(done + size, nMemories, "memories");
    }
    const model = scriptedModel(() => ({ text: corpus.sentence() }), { record: false });
    const time = async (
      phase: string,
      call: (model: LanguageModelV3, prompt: string) => Promise<void>,
      backend: EngramMemoryBackend = engram,
    ) => {
      const plain: number[] = [];
      const wrapped: number[] = [];
      const added: number[] = [];
      const record: number[] = [];
      for (let i = 0; i < samples + WARMUP; i++) {
        const prompt = corpus.sentence();
        const middleware = engramMemory({ engram: backend, agent: agent.id, userId: `user-${i % USERS}` });
        const withMemory = wrapLanguageModel({ model, middleware });
        let start = clockMs();
        await call(model, prompt);
        const a = clockMs() - start;
        start = clockMs();
        await call(withMemory, prompt);
        const b = clockMs() - start;
        start = clockMs();
        await middleware.flush();
        const c = clockMs() - start;
        // The first calls warm the caches and the JIT, as in a running app.
        if (i >= WARMUP) {
          plain.push(a);
          wrapped.push(b);
          added.push(b - a);
          record.push(c);
        }
        options.onProgress?.(i + 1, samples + WARMUP, phase);
      }
      return {
        plain: percentiles(plain),
        wrapped: percentiles(wrapped),
        added: percentiles(added),
        record: percentiles(record),
      };
    };
    const generate = await time("generateText", async (m, prompt) => {
      await generateText({ model: m, prompt });
    });
    const stream = await time("streamText", async (m, prompt) => {
      await streamText({ model: m, prompt }).text;
    });
    const server = await startServer({ engram, port: 0, rateLimit: false });
    let client: CallTimes;
    try {
      const remote = createClient({ baseUrl: server.url });
      client = await time(
        "generateText via the client",
        async (m, prompt) => {
          await generateText({ model: m, prompt });
        },
        remote,
      );
    } finally {
      await server.close();
    }
    return {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      memories: nMemories,
      users: USERS,
      blocks: 5,
      generate,
      stream,
      client,
      targets: { ...MIDDLEWARE_TARGETS },
    };
  } finally {
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatMiddlewareBench(r: MiddlewareBenchResult): string {
  const ms = (p: Percentiles) => `p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms`;
  const kind = (name: string, t: CallTimes, target = r.targets.addedP95Ms) => [
    `  ${name}`,
    `    plain    ${ms(t.plain)}`,
    `    wrapped  ${ms(t.wrapped)}`,
    `    added    ${ms(t.added)}   target p95 <= ${target} ms  ${t.added.p95 <= target ? "ok" : "MISSED"}`,
    `    record   ${ms(t.record)}   (after the answer, not waited for)`,
  ];
  return [
    `engram bench middleware — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
    `${r.blocks} blocks, ${r.memories} memories over ${r.users} users, in-process; zero-latency scripted model`,
    ...kind("generateText", r.generate),
    ...kind("streamText", r.stream),
    ...kind("generateText through the typed client, loopback HTTP", r.client, r.targets.clientAddedP95Ms),
  ].join("\n");
}
