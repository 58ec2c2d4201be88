import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "../core/errors.ts";
import { createEngram, type Engram } from "../engram.ts";
import { type ScriptStep, scriptedModel } from "../test/scripted-model.ts";
import { clockMs, type Percentiles, percentiles } from "./stats.ts";
import { SyntheticCorpus } from "./synthetic-corpus.ts";

export interface ContextBenchOptions {
  memories?: number;
  messages?: number;
  blocks?: number;
  /** Compilations timed per window size (default 300). */
  samples?: number;
  /** Turns timed per kind (default 150). */
  turns?: number;
  /**
   * Also compare compiling with this many of the blocks shared (attached to a second agent too)
   * against all private, in alternating rounds of the same run.
   */
  shared?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface ContextBenchResult {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  memories: number;
  messages: number;
  blocks: number;
  /** The first turn: summarising the whole history that overflows, with a zero-latency model. */
  firstTurnMs: number;
  firstTurnModelCalls: number;
  /** A model with a 128,000-token window (gpt-4o's), then the default 8,192. */
  window128k: WindowResult;
  window8k: WindowResult;
  /** With `shared`: compile times (128k window) with blocks private and with some shared. */
  shared?: SharedComparison;
  targets: { compileP95Ms: number; turnP95Ms: number };
}

/** Compiling one agent's context with all its blocks private, then with `blocks` of them shared. */
export interface SharedComparison {
  blocks: number;
  private: Percentiles;
  shared: Percentiles;
  /** shared / private, at the median and at p95. */
  ratioP50: number;
  ratioP95: number;
}

export interface WindowResult {
  /** `runtime.context` for a new message. */
  compile: Percentiles;
  /** Messages in the compiled context. */
  messages: number;
  /** `runtime.send` with a zero-latency model: everything but the model call. */
  answerOnly: Percentiles;
  /** A turn whose model calls memory_append (a block commit), then answers: two model calls. */
  withMemoryEdit: Percentiles;
}

export const CONTEXT_TARGETS = { compileP95Ms: 20, turnP95Ms: 30 } as const;

/**
 * An agent with 10 blocks, 100,000 memories and 10,000 messages in a database on disk, answered by a
 * zero-latency scripted model. Times compiling its context, and whole turns (the engine's overhead:
 * context, tools, commits, persistence, summaries when they fall due).
 */
export async function runContextBench(options: ContextBenchOptions = {}): Promise<ContextBenchResult> {
  const nMemories = options.memories ?? 100_000;
  const nMessages = options.messages ?? 10_000;
  const nBlocks = options.blocks ?? 10;
  const samples = options.samples ?? 300;
  const turns = options.turns ?? 150;
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-context-"));
  const corpus = new SyntheticCorpus({ seed: 11 });
  let editing = false;
  let edits = 0;
  let modelCalls = 0;
  const model = scriptedModel(
    (_call, call): ScriptStep => {
      modelCalls++;
      const system = JSON.stringify(call.prompt[0]?.content ?? "");
      if (system.includes("running summary")) return { text: `Summary: ${corpus.sentence()}` };
      const last = call.prompt.at(-1);
      if (editing && last?.role === "user")
        return {
          toolCalls: [{ name: "memory_append", input: { label: "scratch", text: `note ${edits++}` } }],
        };
      return { text: corpus.sentence() };
    },
    { record: false },
  );
  const engram = createEngram({ path: join(dir, "bench.db"), model, env: {}, embedder: null });
  try {
    const agent = await engram.agents.create({
      name: "bench",
      metadata: { runtime: { contextWindow: 128_000 } },
      instructions: "You are a support agent for a software company. Be accurate and brief.",
      blocks: [
        ...Array.from({ length: nBlocks - 1 }, (_, i) => ({
          label: `block_${i}`,
          description: `Notes on topic ${i}`,
          value: Array.from({ length: 4 }, () => corpus.sentence()).join("\n"),
        })),
        { label: "scratch", description: "Working notes", value: "", limit: 100_000 },
      ],
    });
    for (let i = 0; i < 5; i++)
      await engram.insights.apply(agent.id, [{ op: "add", text: corpus.sentence() }]);
    for (let done = 0; done < nMemories; done += 1000) {
      const size = Math.min(1000, nMemories - done);
      await engram.memories.addMany(
        agent.id,
        Array.from({ length: size }, () => ({ text: corpus.sentence() })),
      );
      options.onProgress?.(done + size, nMemories, "memories");
    }
    for (let done = 0; done < nMessages; done += 1000) {
      const size = Math.min(1000, nMessages - done);
      await engram.messages.appendMany(
        agent.id,
        Array.from({ length: size }, (_, i) => ({
          role: (done + i) % 2 === 0 ? ("user" as const) : ("assistant" as const),
          content: corpus.sentence(),
        })),
      );
      options.onProgress?.(done + size, nMessages, "messages");
    }

    // The first turn meets 10,000 messages no summary covers yet, and folds them into one.
    const before = modelCalls;
    const t0 = clockMs();
    await engram.runtime.send(agent.id, { content: corpus.sentence() });
    const firstTurnMs = clockMs() - t0;
    const firstTurnModelCalls = modelCalls - before;

    const compile = async (phase: string) => {
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < samples + 20; i++) {
        const start = clockMs();
        const context = await engram.runtime.context(agent.id, { query: corpus.sentence() });
        // The first 20 warm the caches, as in a running server.
        if (i >= 20) times.push(clockMs() - start);
        count = context.sections.messages.count;
        options.onProgress?.(i + 1, samples + 20, phase);
      }
      return { latency: percentiles(times), count };
    };
    const turn = async (phase: string) => {
      const times: number[] = [];
      for (let i = 0; i < turns; i++) {
        const start = clockMs();
        await engram.runtime.send(agent.id, { content: corpus.sentence() });
        times.push(clockMs() - start);
        options.onProgress?.(i + 1, turns, phase);
      }
      return percentiles(times);
    };
    const measure = async (window: string) => {
      const compiled = await compile(`compile ${window}`);
      editing = false;
      const answerOnly = await turn(`turns ${window}`);
      editing = true;
      const withMemoryEdit = await turn(`turns with an edit ${window}`);
      editing = false;
      return { compile: compiled.latency, messages: compiled.count, answerOnly, withMemoryEdit };
    };
    const large = await measure("128k");
    const shared =
      options.shared === undefined
        ? undefined
        : await compareShared(
            engram,
            agent.id,
            options.shared,
            samples,
            () => corpus.sentence(),
            options.onProgress,
          );
    // The same agent on a model with the default window: one turn summarises down to it.
    await engram.agents.update(agent.id, { metadata: { runtime: { contextWindow: 8192 } } });
    await engram.runtime.send(agent.id, { content: corpus.sentence() });
    const small = await measure("8k");
    return {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      memories: nMemories,
      messages: nMessages,
      blocks: nBlocks,
      firstTurnMs: Math.round(firstTurnMs),
      firstTurnModelCalls,
      window128k: large,
      window8k: small,
      ...(shared === undefined ? {} : { shared }),
      targets: { ...CONTEXT_TARGETS },
    };
  } finally {
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rounds of private and shared compilations, alternated so that drift in the machine's load hits both. */
const SHARED_ROUNDS = 6;

/**
 * Times compiling the agent's context with its first `n` blocks private, then shared (each attached
 * to a second agent as well), alternating `SHARED_ROUNDS` times. Turning a block shared deletes the
 * private one and attaches a shared block of the same label and value; turning it back detaches it.
 */
async function compareShared(
  engram: Engram,
  agentId: string,
  n: number,
  samples: number,
  query: () => string,
  onProgress: ContextBenchOptions["onProgress"],
): Promise<SharedComparison> {
  const peer = await engram.agents.create({ name: "bench-peer" });
  const labels = (await engram.blocks.list(agentId)).blocks
    .map((b) => b.label)
    .filter((l) => l !== "scratch");
  if (n < 1 || n > labels.length) throw new InvalidInputError(`shared: must be 1 to ${labels.length}`);
  const chosen = labels.slice(0, n);
  const ids = new Map<string, string>();
  const share = async () => {
    for (const label of chosen) {
      const block = await engram.blocks.get(agentId, label);
      await engram.blocks.delete(agentId, label);
      let id = ids.get(label);
      if (id === undefined) {
        id = (await engram.sharedBlocks.create({ label, value: block.value, description: block.description }))
          .id;
        ids.set(label, id);
        await engram.sharedBlocks.attach(peer.id, id);
      }
      await engram.sharedBlocks.attach(agentId, id);
    }
  };
  const unshare = async () => {
    for (const label of chosen) await engram.sharedBlocks.detach(agentId, label);
  };
  const times = { private: [] as number[], shared: [] as number[] };
  const perRound = Math.max(1, Math.ceil(samples / SHARED_ROUNDS));
  for (let round = 0; round < SHARED_ROUNDS; round++) {
    for (const kind of ["private", "shared"] as const) {
      if (kind === "shared") await share();
      for (let i = 0; i < perRound + 5; i++) {
        const start = clockMs();
        await engram.runtime.context(agentId, { query: query() });
        // The first few after a switch warm the caches.
        if (i >= 5) times[kind].push(clockMs() - start);
      }
      if (kind === "shared") await unshare();
      onProgress?.(round * 2 + (kind === "shared" ? 2 : 1), SHARED_ROUNDS * 2, "compile, private vs shared");
    }
  }
  const priv = percentiles(times.private);
  const shared = percentiles(times.shared);
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  return {
    blocks: n,
    private: priv,
    shared,
    ratioP50: ratio(shared.p50, priv.p50),
    ratioP95: ratio(shared.p95, priv.p95),
  };
}

export function formatContextBench(r: ContextBenchResult): string {
  const t = r.targets;
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const line = (name: string, p: Percentiles, target: number) =>
    `  ${name.padEnd(26)} p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms   target p95 <= ${target} ms  ${mark(p.p95 <= target)}`;
  return [
    `engram bench context — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
    `${r.blocks} blocks, ${r.memories} memories, ${r.messages} messages; zero-latency scripted model`,
    `  first turn: ${r.firstTurnMs} ms, ${r.firstTurnModelCalls} model calls (summarising the whole history once)`,
    ...[
      ["128k", r.window128k],
      ["8k", r.window8k],
    ].flatMap(([name, w]) => {
      const window = w as WindowResult;
      return [
        `  ${name} window: ${window.messages} recent messages in context`,
        line("compile", window.compile, t.compileP95Ms),
        line("turn, answer only", window.answerOnly, t.turnP95Ms),
        line("turn, memory_append + answer", window.withMemoryEdit, t.turnP95Ms),
      ];
    }),
    ...(r.shared === undefined ? [] : formatShared(r.shared)),
  ].join("\n");
}

function formatShared(s: SharedComparison): string[] {
  const within = s.ratioP50 <= 1.1;
  return [
    `  compile with ${s.blocks} blocks shared vs all private (128k window, alternating rounds):`,
    `    private  p50 ${s.private.p50} ms  p95 ${s.private.p95} ms`,
    `    shared   p50 ${s.shared.p50} ms  p95 ${s.shared.p95} ms   ratio p50 ${s.ratioP50}  p95 ${s.ratioP95}   target p50 within 10 %  ${within ? "ok" : "MISSED"}`,
  ];
}
