import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createEngram } from "../engram.ts";
import { startServer } from "../server/serve.ts";
import { clockMs, type Percentiles, percentiles } from "./stats.ts";

export interface LiveBenchOptions {
  /** Memories written, one at a time (default 200). */
  events?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface LiveBenchResult {
  events: number;
  date: string;
  machine: { cpu: string; cores: number; node: string };
  /** From the start of the write to the event's arrival at an SSE client of `GET /v1/events/stream`. */
  sse: Percentiles;
  /** From the start of the write to the delivery's arrival at a webhook receiver. */
  webhook: Percentiles;
  /** The write alone: from its start until `memories.add` resolved (committed, fsync included). */
  write: Percentiles;
  /** From the write's return (after commit) to the SSE event's arrival; 0 when it arrived first. */
  sseAfterCommit: Percentiles;
  /** From the write's return (after commit) to the webhook delivery's arrival. */
  webhookAfterCommit: Percentiles;
  targets: { sseP95Ms: number; webhookP95Ms: number };
}

export const LIVE_TARGETS = { sseP95Ms: 50, webhookP95Ms: 200 } as const;

/**
 * Runs `engram serve`'s server on a throwaway database with an SSE client and a webhook receiver on
 * 127.0.0.1, writes memories one at a time, and times each event's arrival at both. Times start when
 * the write starts (so they include the write itself, fsync and all: an upper bound on the time after
 * commit).
 */
export async function runLiveBench(options: LiveBenchOptions = {}): Promise<LiveBenchResult> {
  const total = options.events ?? 200;
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-live-"));
  const engram = createEngram({ path: join(dir, "bench.db"), embedder: null });
  const arrivals = { sse: new Map<string, number>(), webhook: new Map<string, number>() };
  let wake: () => void = () => {};
  const receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const at = clockMs();
      response.end("ok");
      arrivals.webhook.set(JSON.parse(body).event.targetId, at);
      wake();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const server = await startServer({ engram, port: 0, host: "127.0.0.1", onClientClose: () => {} });
  const stop = new AbortController();
  try {
    const agent = await engram.agents.create({ name: "bench" });
    const { port } = receiver.address() as AddressInfo;
    await engram.webhooks.create({ url: `http://127.0.0.1:${port}/hook`, events: ["memory.created"] });
    const response = await fetch(`${server.url}/v1/events/stream?agentId=${agent.id}&kinds=memory.created`, {
      signal: stop.signal,
    });
    const reading = readSse(response, (data, at) => {
      arrivals.sse.set(JSON.parse(data).targetId, at);
      wake();
    });
    const sse: number[] = [];
    const webhook: number[] = [];
    const write: number[] = [];
    const sseAfter: number[] = [];
    const webhookAfter: number[] = [];
    for (let i = 0; i < total; i++) {
      const t0 = clockMs();
      const memory = await engram.memories.add(agent.id, { text: `live event ${i}` });
      const t1 = clockMs();
      const deadline = clockMs() + 5000;
      while (!(arrivals.sse.has(memory.id) && arrivals.webhook.has(memory.id)) && clockMs() < deadline)
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      const s = arrivals.sse.get(memory.id);
      const w = arrivals.webhook.get(memory.id);
      if (s === undefined || w === undefined)
        throw new Error(`bench live: event ${i} did not arrive within 5 s`);
      sse.push(s - t0);
      webhook.push(w - t0);
      write.push(t1 - t0);
      sseAfter.push(Math.max(0, s - t1));
      webhookAfter.push(Math.max(0, w - t1));
      options.onProgress?.(i + 1, total, "events");
    }
    stop.abort();
    await reading.catch(() => {});
    return {
      events: total,
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      sse: percentiles(sse),
      webhook: percentiles(webhook),
      write: percentiles(write),
      sseAfterCommit: percentiles(sseAfter),
      webhookAfterCommit: percentiles(webhookAfter),
      targets: { ...LIVE_TARGETS },
    };
  } finally {
    stop.abort();
    await server.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Calls `onData` with each SSE message's data and the time it was read. */
async function readSse(response: Response, onData: (data: string, at: number) => void): Promise<void> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const at = clockMs();
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const data = buffer
        .slice(0, end)
        .split("\n")
        .find((line) => line.startsWith("data: "));
      if (data !== undefined) onData(data.slice(6), at);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
    }
  }
}

export function formatLiveBench(r: LiveBenchResult): string {
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const line = (name: string, p: Percentiles, target: number) =>
    `  ${name.padEnd(8)} p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms   target p95 <= ${target} ms  ${mark(p.p95 <= target)}`;
  return [
    `engram bench live — ${r.date} — ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}`,
    `${r.events} memory writes, one at a time; from the start of each write to the event's arrival`,
    line("sse", r.sse, r.targets.sseP95Ms),
    line("webhook", r.webhook, r.targets.webhookP95Ms),
    `  after the write returned: sse p95 ${r.sseAfterCommit.p95} ms, webhook p95 ${r.webhookAfterCommit.p95} ms (the write itself: p50 ${r.write.p50} ms, p95 ${r.write.p95} ms)`,
  ].join("\n");
}
