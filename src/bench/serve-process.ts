import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { moduleUrl } from "../core/module-url.ts";

/** The CLI's entry point in this checkout (or its build). */
export const MAIN = fileURLToPath(moduleUrl("../cli/main", import.meta.url));

/** A real `engram serve` process, as `engram bench serve` and the tests start it. */
export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** What `serve --json` printed when it started listening. */
  ready: { url: string; auth: boolean; port: number };
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  stderr(): string;
}

/** Which engram to start: by default the checkout's sources with this package's Node. */
export interface ServeProgram {
  /** The Node.js executable. */
  node: string;
  /** The script it runs: `src/cli/main.ts`, or an `engram` bin such as `bin/engram.js`. */
  script: string;
  /** Its environment (default: only PATH and HOME). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Spawns `node src/cli/main.ts serve --json --port 0 --db DB …` with this package's Node (or the
 * given program), and resolves once it listens. Rejects with its stderr if it exits first. `db` may
 * be a PostgreSQL URL, which the server gets as `ENGRAM_DATABASE_URL`.
 */
export function spawnServe(
  db: string,
  args: readonly string[] = [],
  program: ServeProgram = { node: process.execPath, script: MAIN },
): Promise<ServeProcess> {
  // A PostgreSQL URL goes in the environment, off the command line that other users can list.
  const url = /^postgres(ql)?:\/\//i.test(db);
  const where = url ? [] : ["--db", db];
  const env = program.env ?? { PATH: process.env.PATH, HOME: process.env.HOME };
  const child = spawn(program.node, [program.script, "serve", "--json", "--port", "0", ...where, ...args], {
    env: url ? { ...env, ENGRAM_DATABASE_URL: db } : env,
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n") && line !== undefined) {
        try {
          const ready = JSON.parse(line) as ServeProcess["ready"];
          // With --json a refusal to start is a JSON line too: `{"error":…}`.
          if (typeof ready.url !== "string") reject(new Error(`serve did not start: ${line}${stderr}`));
          else resolve({ child, url: ready.url, ready, exited, stderr: () => stderr });
        } catch (error) {
          reject(new Error(`serve printed something else than its ready line: ${line}`, { cause: error }));
        }
      }
    });
    exited.then((code) =>
      reject(new Error(`serve exited with ${code} before listening: ${stdout}${stderr}`)),
    );
  });
}
