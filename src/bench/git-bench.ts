import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createEngram } from "../engram.ts";
import { createHistoryAgent, historyWrite } from "./history-agent.ts";
import { clockMs, round } from "./stats.ts";

export interface GitBenchOptions {
  /** Commits on the agent before the export (default 10,000). */
  commits?: number;
  /** Commits made with git and then imported (default 100). */
  imports?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface GitBenchResult {
  date: string;
  machine: { cpu: string; cores: number; node: string; git: string };
  commits: number;
  /** The first export: a new repository with every commit. */
  exportSeconds: number;
  /** Exporting again with nothing new. */
  reexportSeconds: number;
  /** Exporting again after one new engram commit. */
  incrementalSeconds: number;
  imports: number;
  /** Importing `imports` commits made with git. */
  importSeconds: number;
  targets: { exportSeconds: number };
  pass: boolean;
}

export const GIT_TARGETS = { exportSeconds: 10 } as const;

/**
 * Measures `engram git export` and `import` with the real git on a real SQLite file: an agent with
 * a long block history exported whole, again with nothing new, again after one commit, and commits
 * made with git taken back.
 */
export async function runGitBench(options: GitBenchOptions = {}): Promise<GitBenchResult> {
  const total = options.commits ?? 10_000;
  const imports = options.imports ?? 100;
  const dir = mkdtempSync(join(tmpdir(), "engram-bench-git-"));
  const engram = createEngram({ path: join(dir, "bench.db") });
  try {
    const agent = await createHistoryAgent(engram);
    const every = Math.max(1, Math.floor(total / 200));
    for (let i = 1; i < total; i++) {
      const { label, value } = historyWrite(i);
      await engram.blocks.set(agent.id, label, value, { author: i % 3 === 0 ? "sleeptime" : "agent" });
      if (i % every === 0) options.onProgress?.(i, total);
    }
    const repo = join(dir, "repo");
    let start = clockMs();
    const first = await engram.git.export(agent.id, repo);
    const exportSeconds = (clockMs() - start) / 1000;
    if (first.commits !== total) throw new Error(`bench: exported ${first.commits} commits, not ${total}`);
    start = clockMs();
    await engram.git.export(agent.id, repo);
    const reexportSeconds = (clockMs() - start) / 1000;
    await engram.blocks.set(agent.id, "human", "one more fact");
    start = clockMs();
    await engram.git.export(agent.id, repo);
    const incrementalSeconds = (clockMs() - start) / 1000;
    const git = (...args: string[]) =>
      execFileSync(
        "git",
        ["-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args],
        {
          encoding: "utf8",
        },
      );
    for (let i = 0; i < imports; i++) {
      writeFileSync(join(repo, "blocks", "rules.md"), `rule ${i}: check twice.\n`);
      git("commit", "-q", "-am", `rule ${i}`);
    }
    start = clockMs();
    const imported = await engram.git.import(agent.id, repo);
    const importSeconds = (clockMs() - start) / 1000;
    if (imported.commits !== imports)
      throw new Error(`bench: imported ${imported.commits} commits, not ${imports}`);
    return {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model ?? "unknown",
        cores: cpus().length,
        node: process.version,
        git: execFileSync("git", ["--version"], { encoding: "utf8" }).trim(),
      },
      commits: total,
      exportSeconds: round(exportSeconds),
      reexportSeconds: round(reexportSeconds),
      incrementalSeconds: round(incrementalSeconds),
      imports,
      importSeconds: round(importSeconds),
      targets: { ...GIT_TARGETS },
      pass: exportSeconds <= GIT_TARGETS.exportSeconds,
    };
  } finally {
    await engram.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatGitBench(r: GitBenchResult): string {
  return [
    `engram bench git — ${r.date}, ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}, ${r.machine.git}`,
    `export of ${r.commits.toLocaleString("en")} commits to a new repository: ${r.exportSeconds} s (target <= ${r.targets.exportSeconds} s)`,
    `export again, nothing new: ${r.reexportSeconds} s; after one new commit: ${r.incrementalSeconds} s`,
    `import of ${r.imports} commits made with git: ${r.importSeconds} s`,
    r.pass ? "target met" : "target NOT met",
  ].join("\n");
}
