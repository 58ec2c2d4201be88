import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "./context.ts";
import { run } from "./run.ts";

/** What one in-process CLI run printed, and its exit code. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on the parsed shape
  json<T = any>(): T;
}

export interface CliRunOptions {
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  shutdown?: () => Promise<string>;
  /** Whether stderr claims to be a terminal. */
  tty?: boolean;
}

/** A database in a fresh temporary directory, and a runner of command lines against it. */
export interface CliSandbox {
  dir: string;
  db: string;
  /** Runs `engram ARGV --db DB` in-process. */
  cli(argv: readonly string[], options?: CliRunOptions): Promise<CliOutcome>;
  /** Like `cli` with `--json` added; fails the test unless the exit code is 0. */
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on the parsed shape
  ok<T = any>(argv: readonly string[], options?: CliRunOptions): Promise<T>;
  cleanup(): void;
}

export function sandbox(): CliSandbox {
  const dir = mkdtempSync(join(tmpdir(), "engram-cli-"));
  const db = join(dir, "engram.db");
  const cli = (argv: readonly string[], options: CliRunOptions = {}) =>
    runCli([...argv, "--db", db], options);
  return {
    dir,
    db,
    cli,
    async ok(argv, options) {
      const outcome = await cli([...argv, "--json"], options);
      if (outcome.code !== 0)
        throw new Error(
          `engram ${argv.join(" ")} exited ${outcome.code}: ${outcome.stdout}${outcome.stderr}`,
        );
      return outcome.json();
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs a command line in-process with captured output and no `--db` added. */
export async function runCli(argv: readonly string[], options: CliRunOptions = {}): Promise<CliOutcome> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: options.tty },
    env: options.env ?? {},
    stdin:
      options.stdin === undefined
        ? undefined
        : (async function* () {
            yield options.stdin as string;
          })(),
    shutdown: options.shutdown,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
