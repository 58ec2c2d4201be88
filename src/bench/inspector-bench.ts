import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { EngramError } from "../core/errors.ts";
import { readInspectorAssets } from "../inspector/assets.ts";
import { chromiumStatus, launchChromium } from "../inspector/browser.ts";
import { seedInspectorDemo } from "../inspector/demo-data.ts";
import { spawnServe } from "./serve-process.ts";
import { type Percentiles, percentiles } from "./stats.ts";

/** The inspector's targets: first contentful paint of each page, and the size of its own files. */
export const INSPECTOR_TARGETS = { fcpMs: 1000, gzipBytes: 300 * 1024 } as const;

export interface InspectorBenchOptions {
  /** Commits of the agent whose history page is loaded (default 10 000). */
  commits?: number;
  /** Measured loads of each page, after one unmeasured warm-up (default 10). */
  loads?: number;
  onProgress?: ((done: number, total: number, phase: string) => void) | undefined;
}

/** One page's timings over the loads, in milliseconds from navigation start. */
export interface PageTimings {
  page: string;
  /** First contentful paint, as Chromium reports it. */
  fcp: Percentiles;
  /** When the page's data was drawn (the inspector's own `inspector-ready` mark). */
  ready: Percentiles;
}

export interface InspectorBenchResult {
  chromium: string;
  commits: number;
  loads: number;
  assets: { files: number; bytes: number; gzipBytes: number };
  pages: PageTimings[];
  targets: { name: string; value: number; limit: number; met: boolean }[];
}

/**
 * Loads the inspector's agent page and the history page of an agent with `commits` commits in
 * headless Chromium, from a real `engram serve` on loopback, each in a fresh tab, and reports first
 * contentful paint and the time until the data is drawn.
 */
export async function runInspectorBench(options: InspectorBenchOptions = {}): Promise<InspectorBenchResult> {
  const commits = options.commits ?? 10_000;
  const loads = options.loads ?? 10;
  const status = chromiumStatus();
  if (!status.available) throw new EngramError("unavailable", `engram bench inspector: ${status.hint}`);
  const dir = await mkdtemp(join(tmpdir(), "engram-bench-inspector-"));
  try {
    options.onProgress?.(0, 1, `seeding ${commits} commits`);
    const db = join(dir, "bench.db");
    const demo = await seedInspectorDemo(db, { commits });
    const server = await spawnServe(db, ["--no-sleep"]);
    const browser = await launchChromium().catch((error: unknown) => {
      server.child.kill("SIGTERM");
      throw error;
    });
    try {
      const pages = [
        { page: "agent", hash: `/agents/${demo.agentId}` },
        { page: `history (${commits} commits)`, hash: `/agents/${demo.busyAgentId}/history` },
      ];
      const results: PageTimings[] = [];
      for (const [i, { page, hash }] of pages.entries()) {
        const fcp: number[] = [];
        const ready: number[] = [];
        for (let load = 0; load <= loads; load++) {
          const timing = await loadOnce(browser.context, `${server.url}/#${hash}`);
          if (load > 0) {
            fcp.push(timing.fcp);
            ready.push(timing.ready);
          }
          options.onProgress?.(i * (loads + 1) + load + 1, pages.length * (loads + 1), page);
        }
        results.push({ page, fcp: percentiles(fcp), ready: percentiles(ready) });
      }
      const assets = assetSizes();
      return {
        chromium: browser.browser.version(),
        commits,
        loads,
        assets,
        pages: results,
        targets: [
          ...results.map((r) =>
            target(`${r.page}: first contentful paint p95 (ms)`, r.fcp.p95, INSPECTOR_TARGETS.fcpMs),
          ),
          target("assets gzipped (bytes)", assets.gzipBytes, INSPECTOR_TARGETS.gzipBytes),
        ],
      };
    } finally {
      await browser.close();
      server.child.kill("SIGTERM");
      await server.exited;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Context = Awaited<ReturnType<typeof launchChromium>>["context"];

/** One load in a fresh tab: FCP and the inspector's ready mark, from navigation start. */
async function loadOnce(context: Context, url: string): Promise<{ fcp: number; ready: number }> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    // Functions, not strings: the page's CSP forbids the eval a string would need.
    await page.waitForFunction(() => performance.getEntriesByName("inspector-ready").length > 0);
    await page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint").length > 0);
    return await page.evaluate(() => ({
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
      ready: performance.getEntriesByName("inspector-ready")[0]?.startTime ?? Number.NaN,
    }));
  } finally {
    await page.close();
  }
}

function assetSizes(): InspectorBenchResult["assets"] {
  const assets = [...readInspectorAssets().values()];
  return {
    files: assets.length,
    bytes: assets.reduce((sum, a) => sum + a.body.length, 0),
    gzipBytes: assets.reduce((sum, a) => sum + gzipSync(a.body).length, 0),
  };
}

function target(name: string, value: number, limit: number) {
  return { name, value, limit, met: value <= limit };
}

/** The result as the terminal shows it. */
export function formatInspectorBench(result: InspectorBenchResult): string {
  const row = (name: string, p: Percentiles) =>
    `${name.padEnd(44)}${[p.p50, p.p95, p.mean].map((v) => v.toFixed(1).padStart(9)).join("")}`;
  return [
    `engram bench inspector: Chromium ${result.chromium}, ${result.loads} loads per page in fresh tabs, loopback (ms from navigation start)`,
    `${"".padEnd(44)}${["p50", "p95", "mean"].map((h) => h.padStart(9)).join("")}`,
    ...result.pages.flatMap((p) => [
      row(`${p.page}: first contentful paint`, p.fcp),
      row(`${p.page}: data drawn`, p.ready),
    ]),
    `assets: ${result.assets.files} files, ${result.assets.bytes} bytes, ${result.assets.gzipBytes} bytes gzipped`,
    "",
    "Targets:",
    ...result.targets.map(
      (t) => `  ${t.met ? "met    " : "MISSED "} ${t.name}: ${t.value} (at most ${t.limit})`,
    ),
  ].join("\n");
}
