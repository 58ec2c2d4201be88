import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  type CliSandbox,
  CLI_MAIN as main,
  CHECKOUT_NODE as node,
  CHECKOUT as root,
  runCli,
  sandbox,
} from "./test-harness.ts";

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

describe("the engram command as a new user meets it", () => {
  it("events --follow in a real process waits for events until SIGINT, then exits 0", {
    timeout: 30_000,
  }, async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    // After the last event so far: whenever the follower starts, it prints what comes next.
    const last = (await s.ok(["events", "--newest-first", "--limit", "1"])).items[0].seq;
    const child = spawn(
      node,
      [main, "events", "--follow", "--cursor", String(last), "--json", "--db", s.db],
      {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const seen = new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("\n")) resolve();
      });
    });
    // Written once the follower has likely started waiting, which is what is being checked.
    const writer = setTimeout(() => void s.ok(["memory", "add", "helper", "followed"]), 1500);
    const first = await Promise.race([seen.then(() => "event"), exited.then((code) => `exit ${code}`)]);
    clearTimeout(writer);
    assert.equal(first, "event", `the follower stopped before any event: ${stderr}`);
    assert.equal(JSON.parse(stdout.split("\n")[0] as string).kind, "memory.created");
    child.kill("SIGINT");
    assert.equal(await exited, 0, stderr);
    assert.equal(stderr, "");
  });

  it("names a SQLite file it cannot open, and exits 1 (damaged, not a database, a folder)", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const truncated = join(s.dir, "truncated.db");
    writeFileSync(truncated, readFileSync(s.db).subarray(0, 20_000));
    const garbage = join(s.dir, "notes.db");
    writeFileSync(garbage, "not a database at all, just some notes\n".repeat(50));
    for (const [db, problem] of [
      [truncated, /malformed \(the file is damaged or cut short\)$/],
      [garbage, /file is not a database$/],
      [s.dir, /unable to open database file \(it is a folder/],
    ] as const) {
      const text = await runCli(["agent", "list", "--db", db]);
      assert.equal(text.code, 1, text.stderr);
      assert.equal(text.stdout, "");
      assert.equal(text.stderr.trimEnd().split("\n").length, 1, text.stderr);
      assert.ok(text.stderr.startsWith(`engram: SQLite database ${db}: `), text.stderr);
      assert.match(text.stderr.trimEnd(), problem);
      const json = await runCli(["agent", "list", "--db", db, "--json"]);
      assert.equal(json.code, 1);
      assert.equal(json.json().error.code, "unavailable");
      assert.equal(json.stderr, "");
    }
    // A command that only reads finds no database there; one that writes cannot create its folder.
    const readUnderFile = await runCli(["agent", "list", "--db", join(garbage, "x.db"), "--json"]);
    assert.equal(readUnderFile.code, 1);
    assert.match(readUnderFile.json().error.message, /^no database at .*notes\.db\/x\.db: /);
    const underFile = await runCli(["agent", "create", "x", "--db", join(garbage, "x.db"), "--json"]);
    assert.equal(underFile.code, 1);
    assert.match(underFile.json().error.message, /notes\.db\/x\.db: cannot create its folder/);
  });

  it("git export into a path that is a file says so, and exits 1", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const file = join(s.dir, "notes.txt");
    writeFileSync(file, "mine\n");
    for (const dir of [file, join(file, "repo")]) {
      const outcome = await s.cli(["git", "export", "helper", dir, "--json"]);
      assert.equal(outcome.code, 1, outcome.stdout);
      assert.equal(outcome.json().error.code, "invalid_input");
      assert.match(outcome.json().error.message, /is not a folder \(a file is in its place, or above it\)/);
    }
    assert.equal(readFileSync(file, "utf8"), "mine\n");
  });

  it("a flag its help calls required is a usage error (exit 2) when missing, as on every command", async () => {
    for (const [command, args, message] of [
      ["keys create", [], "missing --project NAME"],
      ["group create", ["team"], "missing --pattern P"],
      ["webhooks add", ["https://hooks.example.com/in"], "missing --event KIND"],
      ["advise", ["helper"], "missing --task TASK"],
    ] as const) {
      const argv = [...command.split(" "), ...args];
      const outcome = await s.cli([...argv, "--json"]);
      assert.equal(outcome.code, 2, `${command}: ${outcome.stdout}`);
      assert.deepEqual(outcome.json().error, { code: "usage", message });
      const text = await s.cli(argv);
      assert.equal(text.stderr, `engram: ${message}\nSee 'engram ${command} --help'.\n`);
    }
  });

  it("suggests the command or flag a typo meant, and nothing when none is close", async () => {
    for (const [argv, message] of [
      [["agnet", "list"], 'unknown command "agnet" (did you mean "agent"?)'],
      [
        ["memory", "serach", "helper", "q"],
        'unknown command "memory serach" (did you mean "memory search"?)',
      ],
      [["hlep"], 'unknown command "hlep" (did you mean "help"?)'],
      [["frobnicate"], 'unknown command "frobnicate"'],
      [["--verison"], "unknown option '--verison' (did you mean --version?)"],
      [["agent", "list", "--limt", "3"], "Unknown option '--limt' (did you mean --limit?)"],
      [["block", "set", "a", "b", "--read-onyl"], "Unknown option '--read-onyl' (did you mean --read-only?)"],
      [["agent", "list", "--xyzzy"], "Unknown option '--xyzzy'"],
    ] as const) {
      const outcome = await s.cli([...argv, "--json"]);
      assert.equal(outcome.code, 2, argv.join(" "));
      assert.deepEqual(outcome.json().error, { code: "usage", message });
    }
    // -V works as --version does, and the help says so.
    assert.equal((await s.cli(["-V"])).stdout, (await s.cli(["--version"])).stdout);
    assert.match((await s.cli(["--help"])).stdout, /\n {2}-V, --version +print the version\n/);
    // A command's own flag before the command is not a typo of a global one: say where it goes.
    const early = await s.cli(["--project", "p", "agent", "list"]);
    assert.equal(early.code, 2);
    assert.match(early.stderr, /^engram: missing command before '--project' \(only --db, --database, --json/);
  });

  it("group commands take the group's id, say so in help, and point a name given for it to the id", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const group = await s.ok(["group", "create", "team", "--pattern", "round-robin", "--member", "helper"]);
    for (const command of ["show", "send", "delete"]) {
      const help = await s.cli(["group", command, "--help"]);
      assert.match(help.stdout, new RegExp(`^Usage: engram group ${command} GROUP_ID `));
      assert.match(help.stdout, /GROUP_ID is the group's id \(grp_…\)/);
    }
    const byName = await s.cli(["group", "show", "team", "--json"]);
    assert.equal(byName.code, 1);
    assert.match(byName.json().error.message, /^group team not found: name a group by its id \(grp_…\)/);
    const deleted = await s.cli(["group", "delete", group.id]);
    assert.equal(deleted.stdout, `deleted group team (${group.id})\n`);
  });

  it("an agent named without --project that lives in another project: the error says which", async () => {
    await s.ok(["agent", "create", "bob", "--project", "sales"]);
    const one = await s.cli(["log", "bob", "--json"]);
    assert.equal(one.code, 1);
    assert.deepEqual(one.json().error, {
      code: "not_found",
      message: "agent bob not found in project default; project sales has one: add --project sales",
    });
    await s.ok(["agent", "create", "bob", "--project", "support"]);
    await s.ok(["agent", "create", "someone"]);
    const two = await s.cli(["agent", "show", "bob"]);
    assert.equal(
      two.stderr,
      "engram: agent bob not found in project default; projects sales, support have one: add --project NAME\n",
    );
    const none = await s.cli(["agent", "show", "ghost", "--json"]);
    assert.deepEqual(none.json().error, { code: "not_found", message: "agent ghost not found" });
    assert.equal((await s.ok(["agent", "show", "bob", "--project", "sales"])).agent.name, "bob");
  });

  it("memory update's help promises no default for a field it leaves unchanged", async () => {
    const help = (await s.cli(["memory", "update", "--help"])).stdout;
    for (const flag of ["--kind", "--importance"]) {
      const line = help.split("\n").find((l) => l.trimStart().startsWith(`${flag} `));
      assert.ok(line !== undefined && !/default/.test(line), `${flag}: ${line}`);
    }
  });
});
