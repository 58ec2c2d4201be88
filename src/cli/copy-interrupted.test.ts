import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createEngram } from "../engram.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres } from "../store/postgres/test-server.ts";
import { CHECKOUT, CHECKOUT_NODE, CLI_MAIN, runCli } from "./test-harness.ts";

let dir: string;
let source: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "engram-copy-stop-"));
  source = join(dir, "source.db");
  // Enough agents that a copy is still going when the signal comes after the first one.
  const engram = createEngram({ path: source, env: {} });
  try {
    for (let i = 0; i < 60; i++) {
      const agent = await engram.agents.create({ name: `agent-${i}` });
      const facts = Array.from({ length: 20 }, (_, j) => ({
        text: `fact ${j} of agent ${i}: Ada keeps bees`,
      }));
      await engram.memories.addMany(agent.id, facts);
    }
  } finally {
    await engram.close();
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Stopped {
  code: number | null;
  stderr: string;
}

/** Runs `engram copy` as a process and sends it `signal` once it has copied its first agent. */
function copyStopped(to: string, signal: NodeJS.Signals = "SIGINT"): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(CHECKOUT_NODE, [CLI_MAIN, "copy", "--from", source, "--to", to], {
      cwd: CHECKOUT,
      env: { PATH: process.env.PATH, HOME: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let sent = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && /^copied 1\/60 /m.test(stderr)) sent = child.kill(signal);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

/** The lines besides the per-agent progress, which must be the one error line. */
function errorLines(stderr: string): string[] {
  return stderr
    .trimEnd()
    .split("\n")
    .filter((line) => !/^(copied|verified) \d+\/60 /.test(line));
}

describe("engram copy stopped by a signal", () => {
  it("into a SQLite file leaves no file, no .partial and no journal, and exits 1 with one line", async () => {
    const out = mkdtempSync(join(dir, "out-"));
    const to = join(out, "copy.db");
    const stopped = await copyStopped(to);
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.deepEqual(errorLines(stopped.stderr), [
      `engram: the copy was stopped by SIGINT: nothing was written to ${to}`,
    ]);
    assert.match(stopped.stderr, /^copied 1\/60 /m, "the signal came while copying");
    assert.deepEqual(readdirSync(out), []);
  });

  it("by SIGTERM does the same, and a copy run again then succeeds", async () => {
    const out = mkdtempSync(join(dir, "out-"));
    const to = join(out, "copy.db");
    const stopped = await copyStopped(to, "SIGTERM");
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.deepEqual(errorLines(stopped.stderr), [
      `engram: the copy was stopped by SIGTERM: nothing was written to ${to}`,
    ]);
    const again = await runCli(["copy", "--from", source, "--to", to, "--json"]);
    assert.equal(again.code, 0, again.stdout);
    assert.deepEqual(again.json().agents, {
      copied: 60,
      projectMemoryHolders: 0,
      verified: 60,
      differing: [],
    });
    assert.deepEqual(readdirSync(out), ["copy.db"]);
  });
});

describe("engram copy into PostgreSQL stopped by a signal", postgresSkip(), () => {
  after(async () => {
    await (await sharedTestPostgres()).stop();
  });

  /** Runs SQL on `url`'s database. */
  async function query(url: string, sql: string, values: unknown[] = []): Promise<unknown[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  it("drops the schema the copy created", async () => {
    const url = await (await sharedTestPostgres()).createDatabase();
    const schema = freshSchemaName();
    const to = `${url}?schema=${schema}`;
    const stopped = await copyStopped(to);
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.deepEqual(errorLines(stopped.stderr), [
      `engram: the copy was stopped by SIGINT: nothing was written to ${to}`,
    ]);
    assert.deepEqual(await query(url, "SELECT nspname FROM pg_namespace WHERE nspname = $1", [schema]), []);
  });

  it("in a new database's public schema, drops the tables and functions it created", async () => {
    const url = await (await sharedTestPostgres()).createDatabase();
    await query(
      url,
      "CREATE TABLE theirs (id int); CREATE FUNCTION their_one() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    );
    const stopped = await copyStopped(url);
    assert.equal(stopped.code, 1, stopped.stderr);
    assert.deepEqual(errorLines(stopped.stderr), [
      `engram: the copy was stopped by SIGINT: nothing was written to ${url}`,
    ]);
    const left = await query(
      url,
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'
       UNION ALL SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE nspname = 'public'
       ORDER BY name`,
    );
    assert.deepEqual(left, [{ name: "their_one" }, { name: "theirs" }], "what was there before stays");
  });

  it("in a schema that already held engram's tables, says what is left and what to do; the next copy is refused", async () => {
    const url = await (await sharedTestPostgres()).createDatabase();
    const schema = freshSchemaName();
    const to = `${url}?schema=${schema}`;
    const empty = createEngram({ database: to, env: {} });
    await empty.ready();
    await empty.close();
    const stopped = await copyStopped(to);
    assert.equal(stopped.code, 1, stopped.stderr);
    const [line] = errorLines(stopped.stderr);
    assert.match(
      line ?? "",
      new RegExp(
        `^engram: the copy was stopped by SIGINT: schema ${schema} of .* holds the part copied: drop its tables`,
      ),
    );
    const again = await runCli(["copy", "--from", source, "--to", to, "--json"]);
    assert.equal(again.code, 1);
    assert.match(again.json().error.message, /^the destination is not empty: it holds projects default/);
  });
});
