import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliIo } from "./context.ts";
import { run } from "./run.ts";

/** The checkout, for tests that run the CLI as a real process from it. */
export const CHECKOUT = fileURLToPath(new URL("../../", import.meta.url));
/** The checkout's Node (the `node` devDependency), which runs the CLI's TypeScript. */
export const CHECKOUT_NODE = join(CHECKOUT, "node_modules/.bin/node");
/** The CLI's entry point in the checkout. */
export const CLI_MAIN = join(CHECKOUT, "src/cli/main.ts");

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

/** An `engram serve` running in-process on a free port, until `stop` sends it a signal. */
export interface InProcessServer {
  /** The first line it printed (the "listening" line), once it is listening. */
  ready: Promise<string>;
  /** Its base URL, once it is listening. */
  url: Promise<string>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Sends the stop signal and resolves with the exit code. */
  stop(signal?: string): Promise<number>;
}

/** Starts `engram serve --port 0 --db DB [...extra]` in-process against the sandbox's database. */
export function serveInProcess(
  s: CliSandbox,
  options: { env?: NodeJS.ProcessEnv; extra?: readonly string[] } = {},
): InProcessServer {
  let stdout = "";
  let stderr = "";
  let listening: (line: string) => void = () => {};
  const ready = new Promise<string>((resolve) => {
    listening = resolve;
  });
  let signal: (name: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    signal = resolve;
  });
  const io: CliIo = {
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
        if (stdout.includes("\n")) listening(stdout);
        return true;
      },
    },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: options.env ?? {},
    shutdown: () => stopped,
  };
  const exit = run(["serve", "--port", "0", "--db", s.db, ...(options.extra ?? [])], io);
  return {
    ready,
    url: ready.then((line) => {
      const url = /listening on (http:\/\/\S+?:\d+)/.exec(line)?.[1];
      if (url === undefined) throw new Error(`engram serve printed no URL: ${line}`);
      return url;
    }),
    stderr: () => stderr,
    stop(name = "SIGTERM") {
      signal(name);
      return exit;
    },
  };
}

/** The environment that points `ENGRAM_MODEL` at a fake OpenAI-compatible server (src/test/fake-chat-server.ts). */
export const modelEnv = (url: string) => ({
  ENGRAM_MODEL: "openai-compatible:test-chat",
  OPENAI_COMPATIBLE_BASE_URL: url,
});
