import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, afterEach, beforeEach, describe, it } from "node:test";
import pg from "pg";
import { freshSchemaName, postgresSkip, sharedTestPostgres } from "../store/postgres/test-server.ts";
import { type CliSandbox, runCli, sandbox } from "./test-harness.ts";

let s: CliSandbox;
let target: CliSandbox;
let agent: { id: string };
beforeEach(async () => {
  s = sandbox();
  target = sandbox();
  agent = await s.ok(["agent", "create", "--name", "helper"]);
  await s.ok(["block", "set", "helper", "persona", "I learn."]);
  await s.ok(["memory", "add", "helper", "Ada keeps bees"]);
  await s.ok(["keys", "create", "--name", "ci", "--project", "default"]);
});
afterEach(() => {
  s.cleanup();
  target.cleanup();
});

describe("engram copy", () => {
  it("copies into an empty file with a line per agent on stderr, and the copy exports the same", async () => {
    const outcome = await runCli(["copy", "--from", s.db, "--to", target.db, "--json"]);
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    const report = outcome.json();
    assert.equal(report.from, s.db);
    assert.equal(report.to, target.db);
    assert.deepEqual([report.projects, report.keys], [1, 1]);
    assert.deepEqual(report.agents, { copied: 1, projectMemoryHolders: 0, verified: 1, differing: [] });
    assert.match(
      outcome.stderr,
      new RegExp(`^copied 1/1 helper \\(${agent.id}\\): 2 commits, 1 memory`, "m"),
    );
    assert.match(outcome.stderr, new RegExp(`^verified 1/1 helper \\(${agent.id}\\)$`, "m"));
    const [from, to] = await Promise.all([s.ok(["export", "helper"]), target.ok(["export", "helper"])]);
    assert.deepEqual({ ...to, exportedAt: "" }, { ...from, exportedAt: "" });
    assert.deepEqual(
      readdirSync(target.dir),
      ["engram.db"],
      "the .partial file was renamed, no journal left",
    );
  });

  it("with ENGRAM_SECRET_KEY set, writes the copy's secrets sealed: a way to seal a database written without one", async () => {
    const env = { ENGRAM_SECRET_KEY: "5a".repeat(32) };
    await s.ok([
      "tools",
      "add-mcp",
      "helper",
      "tracker",
      "--command",
      "tracker-mcp",
      "--env",
      "TOKEN=tok-plain-1",
    ]);
    await s.ok([
      "webhooks",
      "add",
      "http://127.0.0.1:9/hook",
      "--event",
      "memory.*",
      "--secret",
      "whsec-plain-0123456789",
    ]);
    const outcome = await runCli(["copy", "--from", s.db, "--to", target.db, "--json"], { env });
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    const raw = new DatabaseSync(target.db, { readOnly: true });
    try {
      const rows = [
        ...raw.prepare("SELECT secret AS value FROM webhooks").all(),
        ...raw.prepare("SELECT config AS value FROM agent_mcp_servers").all(),
      ].map((row) => String(row.value));
      assert.equal(rows.length, 2);
      for (const value of rows) {
        assert.match(value, /engram-sealed:v1:/);
        assert.ok(!value.includes("tok-plain-1") && !value.includes("whsec-plain"), value);
      }
    } finally {
      raw.close();
    }
    // Without the key the server is not started, and says why.
    const without = await runCli(["tools", "list", "helper", "--db", target.db, "--json"]);
    assert.equal(without.code, 0, without.stderr);
    const [tracker] = without.json().servers;
    assert.equal(tracker.status, "unavailable");
    assert.match(tracker.error, /env\.TOKEN of MCP server tracker .* ENGRAM_SECRET_KEY is not set/);
  });

  it("prints what it copied and what it did not", async () => {
    const outcome = await runCli(["copy", "--from", s.db, "--to", target.db]);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /^ {2}1 project, 1 key, 0 webhooks, 0 settings$/m);
    assert.match(outcome.stdout, /^verified 1 of 1 agent: /m);
    assert.match(outcome.stdout, /^note: vectors are not copied: run `engram memory reindex`/m);
  });

  it("counts the agents `agent list` shows, the holder of project memory apart, in the singular for one", async () => {
    await s.ok(["memory", "add", "helper", "Invoices go out on the 5th", "--scope", "project"]);
    await s.ok(["messages", "add", "helper", "hello"]);
    assert.equal((await s.ok(["agent", "list"])).items.length, 1);
    const outcome = await runCli(["copy", "--from", s.db, "--to", target.db]);
    assert.equal(outcome.code, 0, outcome.stderr);
    const lines = outcome.stdout.split("\n");
    assert.equal(lines[1], "  1 project, 1 key, 0 webhooks, 0 settings");
    assert.equal(
      lines[2],
      "  1 agent (and 1 project memory holder): 3 commits, 2 memories, 1 message, 0 episodes, 0 experience records, 0 insights",
    );
    assert.equal(lines[3], "  0 MCP servers, 0 agent groups");
    assert.match(lines[4] ?? "", /^verified 1 of 1 agent \(and 1 project memory holder\): each one's export/);
    const json = await runCli(["copy", "--from", s.db, "--to", join(target.dir, "second.db"), "--json"]);
    assert.deepEqual(json.json().agents, { copied: 2, projectMemoryHolders: 1, verified: 2, differing: [] });
  });

  it("refuses a SQLite file that exists, engram's or not, and leaves it and its folder as they were", async () => {
    await target.ok(["project", "create", "mine"]);
    const foreign = join(target.dir, "notes.db");
    const notes = new DatabaseSync(foreign);
    notes.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me')");
    notes.close();
    const files = () => readdirSync(target.dir).map((name) => [name, readFileSync(join(target.dir, name))]);
    const before = files();
    for (const to of [target.db, foreign]) {
      const outcome = await runCli(["copy", "--from", s.db, "--to", to, "--json"]);
      assert.equal(outcome.code, 1, to);
      assert.equal(outcome.json().error.code, "conflict");
      assert.equal(
        outcome.json().error.message,
        `--to: ${to} already exists: copy into a new file (engram copy writes a whole database)`,
      );
    }
    assert.deepEqual(files(), before);
  });

  it("refuses to copy beside a .partial file a killed copy left, naming it", async () => {
    writeFileSync(`${target.db}.partial`, "");
    const outcome = await runCli(["copy", "--from", s.db, "--to", target.db]);
    assert.equal(outcome.code, 1);
    assert.equal(
      outcome.stderr,
      `engram: ${target.db}.partial exists: another copy is writing it, or one was killed: remove it and copy again\n`,
    );
    assert.deepEqual(readdirSync(target.dir), ["engram.db.partial"]);
  });

  it("refuses a missing flag, a missing source file and one database named twice", async () => {
    const missing = join(s.dir, "nothing.db");
    for (const [argv, message] of [
      [["copy", "--to", target.db], /missing --from/],
      [["copy", "--from", s.db], /missing --to/],
      [["copy", "--from", missing, "--to", target.db], /--from: there is no database file at/],
      [["copy", "--from", s.db, "--to", s.db], /name the same database/],
    ] as const) {
      const outcome = await runCli(argv);
      assert.equal(outcome.code, 2, argv.join(" "));
      assert.match(outcome.stderr, message);
    }
    assert.equal(existsSync(missing), false, "no file was created for the missing source");
  });
});

describe("engram copy through PostgreSQL", postgresSkip(), () => {
  after(async () => {
    await (await sharedTestPostgres()).stop();
  });

  it("copies a file to a PostgreSQL URL and back, naming the URL without its password", async () => {
    const server = await sharedTestPostgres();
    const url = `${(await server.createDatabase()).replace("engram@", "engram:hush@")}?schema=${freshSchemaName()}`;
    const up = await runCli(["copy", "--from", s.db, "--to", url, "--json"]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.deepEqual(up.json().agents, { copied: 1, projectMemoryHolders: 0, verified: 1, differing: [] });
    assert.match(up.json().to, /^postgres:\/\/engram:\*+@127\.0\.0\.1:\d+\/db\d+\?schema=t\d+_\d+$/);
    assert.doesNotMatch(up.stdout + up.stderr, /hush/);
    const again = await runCli(["copy", "--from", s.db, "--to", url, "--json"]);
    assert.equal(again.json().error.code, "conflict");
    assert.match(
      again.json().error.message,
      /^the destination is not empty: it holds projects default: copy into a new, empty database$/,
    );
    const down = await runCli(["copy", "--from", url, "--to", target.db, "--json"]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    const [from, to] = await Promise.all([s.ok(["export", "helper"]), target.ok(["export", "helper"])]);
    assert.deepEqual({ ...to, exportedAt: "" }, { ...from, exportedAt: "" });
  });

  it("refuses a schema holding engram data before opening it, so an older schema is not migrated", async () => {
    const server = await sharedTestPostgres();
    const database = await server.createDatabase();
    const schema = freshSchemaName();
    const url = `${database}?schema=${schema}`;
    const first = await runCli(["copy", "--from", s.db, "--to", url]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      // As an older engram left it: the latest migration not yet recorded (its change is idempotent).
      await client.query(
        `DELETE FROM ${schema}.schema_migrations WHERE version = (SELECT MAX(version) FROM ${schema}.schema_migrations)`,
      );
      await client.query(
        `INSERT INTO ${schema}.settings (key, value) VALUES ('vectors.model', 'x'), ('mine', 'y')`,
      );
      const versions = async () =>
        (await client.query(`SELECT version, checksum FROM ${schema}.schema_migrations ORDER BY version`))
          .rows;
      const before = await versions();

      const refused = await runCli(["copy", "--from", s.db, "--to", url, "--json"]);
      assert.equal(refused.code, 1);
      assert.equal(refused.json().error.code, "conflict");
      assert.equal(
        refused.json().error.message,
        "the destination is not empty: it holds projects default; settings mine: copy into a new, empty database",
      );
      assert.deepEqual(await versions(), before);
    } finally {
      await client.end();
    }
  });
});
