import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * Throwaway PostgreSQL servers for tests: `initdb` in a temporary folder, a free port on 127.0.0.1,
 * trust authentication, no fsync (unless `durable`); stopped and removed when the test process ends.
 * Under `CI=true` a machine without PostgreSQL fails; elsewhere the tests skip with one line saying
 * what to install.
 */

export interface TestPostgres {
  /** A URL of the server's `postgres` database. */
  url: string;
  /** A URL of a new, empty database of its own. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export const POSTGRES_SKIP_REASON =
  "PostgreSQL not found: install it (Debian: apt-get install postgresql) to run the PostgreSQL tests";

/** The folder holding `initdb` and `postgres`: on PATH, else Debian's newest /usr/lib/postgresql/N/bin. */
export function findPostgresBin(): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir !== "" && existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"))) return dir;
  }
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(root, version, "bin");
    if (existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"))) return dir;
  }
  return null;
}

/**
 * `{ skip }` options for `describe`: false when PostgreSQL can run here; the one-line reason when it
 * cannot and this is not CI. Under `CI=true` a missing server is not skipped: the tests then fail.
 */
export function postgresSkip(): { skip: string | false } {
  if (findPostgresBin() !== null || process.env.CI === "true") return { skip: false };
  return { skip: POSTGRES_SKIP_REASON };
}

let shared: Promise<TestPostgres> | null = null;

/** One server per test process, started on first use. */
export function sharedTestPostgres(): Promise<TestPostgres> {
  shared ??= startTestPostgres();
  return shared;
}

export { freshSchemaName } from "./fresh-schema-name.ts";

/** A free port on 127.0.0.1, nothing listening on it once returned. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user Debian's package makes. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error("PostgreSQL cannot run as root, and there is no `postgres` user to run it as");
  }
}

export interface TestPostgresOptions {
  /**
   * Keep PostgreSQL's durability settings (fsync, synchronous commit, full-page writes) as a
   * production server has them, for benchmarks whose figures must be honest. Tests leave them off.
   */
  durable?: boolean;
}

/** Settings that trade durability for speed: safe for a server whose data is thrown away. */
const NOT_DURABLE = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];

export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (bin === null) throw new Error(POSTGRES_SKIP_REASON);
  const dir = mkdtempSync(join(tmpdir(), "engram-pg-"));
  const user = runAs();
  if (user !== null) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  const as = user === null ? {} : { uid: user.uid, gid: user.gid };
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-A", "trust", "-U", "engram", "--no-sync", "-E", "UTF8", "--locale=C"],
    { ...as, stdio: "pipe" },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(bin, "postgres"),
    [
      "-D",
      data,
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      ...(options.durable ? [] : NOT_DURABLE),
      "-c",
      "max_connections=300",
      // Extra settings for diagnosis, e.g. "-c shared_preload_libraries=pg_stat_statements".
      ...(process.env.ENGRAM_TEST_POSTGRES_ARGS?.split(" ").filter((arg) => arg !== "") ?? []),
    ],
    { ...as, stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const kill = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", kill);
  const url = `postgres://engram@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (child.exitCode !== null || Date.now() > deadline) {
        kill();
        throw new Error(`the test PostgreSQL did not start: ${String(error)}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  let databases = 0;
  return {
    url,
    async createDatabase() {
      const name = `db${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    async stop() {
      process.removeListener("exit", kill);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The pid of the engram connection (application_name `engram`) waiting for an advisory lock, once
 * there is one: for tests that hold a lock to stop a write midway. Fails after about 5 s.
 */
export async function advisoryLockWaiter(admin: {
  query<R>(text: string): Promise<{ rows: R[] }>;
}): Promise<number> {
  for (let tries = 0; tries < 500; tries++) {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE application_name = 'engram' AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
    );
    if (rows[0] !== undefined) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("no engram connection came to wait for the lock");
}
