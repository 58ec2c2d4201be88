import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/engram.js", import.meta.url));

/** Records the URL of every module the process loads into the file named by ENGRAM_TEST_LOADED, at exit. */
const RECORDER = `data:text/javascript,${encodeURIComponent(`
import module from "node:module";
import { writeFileSync } from "node:fs";
const loaded = [];
module.registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
process.on("exit", () => writeFileSync(process.env.ENGRAM_TEST_LOADED, loaded.join("\\n")));
`)}`;

/** Packages a command should load only when it needs them. */
const HEAVY = {
  "the AI SDK": /\/node_modules\/ai\//,
  "an AI SDK provider": /\/node_modules\/@ai-sdk\//,
  "the tokenizer": /\/node_modules\/gpt-tokenizer\//,
  "the MCP SDK": /\/node_modules\/@modelcontextprotocol\//,
  hono: /\/node_modules\/(hono|@hono)\//,
  zod: /\/node_modules\/zod\//,
  "the PostgreSQL driver": /\/node_modules\/(pg|pg-[a-z-]+)\//,
};

/** What a command over a SQLite file that runs no model and serves nothing has no use for. */
const SQLITE_ENGINE_ONLY: (keyof typeof HEAVY)[] = [
  "the AI SDK",
  "an AI SDK provider",
  "the tokenizer",
  "the MCP SDK",
  "hono",
  "the PostgreSQL driver",
];

let dir: string;
let db: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "engram-lazy-"));
  db = join(dir, "engram.db");
  const created = spawnSync(process.execPath, [BIN, "agent", "create", "--name", "helper", "--db", db]);
  assert.equal(created.status, 0, String(created.stderr));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bin to its end and returns the modules it loaded. */
function loadedBy(args: string[]): string[] {
  const file = join(dir, "loaded");
  const child = spawnSync(process.execPath, ["--import", RECORDER, BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: dir, ENGRAM_TEST_LOADED: file },
    encoding: "utf8",
  });
  assert.equal(child.status, 0, child.stderr);
  return readFileSync(file, "utf8").split("\n");
}

function assertNone(loaded: readonly string[], which: (keyof typeof HEAVY)[]): void {
  for (const name of which) {
    const hit = loaded.find((url) => HEAVY[name].test(url));
    assert.equal(hit, undefined, `loaded ${name}: ${hit}`);
  }
}

describe("what a command loads", () => {
  it("engram --version loads no package and no command", () => {
    const loaded = loadedBy(["--version"]);
    assert.ok(
      loaded.some((url) => url.endsWith("/cli/version.ts")),
      "the recorder saw the CLI load",
    );
    assertNone(loaded, ["the AI SDK", "an AI SDK provider", "the tokenizer", "the MCP SDK", "hono", "zod"]);
    assert.deepEqual(
      loaded.filter((url) => /\/node_modules\/|\/cli\/commands\/|\/engram\.ts$/.test(url)),
      [],
    );
  });

  it("engram --help lists the commands without the engine or any package", () => {
    const loaded = loadedBy(["--help"]);
    assert.ok(loaded.some((url) => url.endsWith("/cli/commands/agent.ts")));
    assert.deepEqual(
      loaded.filter((url) => /\/node_modules\/|\/engram\.ts$/.test(url)),
      [],
    );
  });

  it("engram agent list opens the engine without models, tokenizer, server, MCP or PostgreSQL", () => {
    const loaded = loadedBy(["agent", "list", "--db", db]);
    assert.ok(
      loaded.some((url) => url.endsWith("/src/engram.ts")),
      "the engine was loaded",
    );
    assertNone(loaded, SQLITE_ENGINE_ONLY);
  });

  it("engram copy between SQLite files loads neither PostgreSQL nor a model", () => {
    const loaded = loadedBy(["copy", "--from", db, "--to", join(dir, "copy.db")]);
    assert.ok(
      loaded.some((url) => url.endsWith("/src/transfer/copy-database.ts")),
      "the copy was loaded",
    );
    assertNone(loaded, SQLITE_ENGINE_ONLY);
  });

  it("engram serve answers /health without the AI SDK, the tokenizer or the MCP SDK", async () => {
    const file = join(dir, "loaded-serve");
    const child = spawn(
      process.execPath,
      ["--import", RECORDER, BIN, "serve", "--json", "--port", "0", "--db", db],
      { env: { PATH: process.env.PATH, HOME: dir, ENGRAM_TEST_LOADED: file } },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const ready = await new Promise<{ url: string }>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0] as string));
        });
        child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
      });
      assert.equal((await fetch(`${ready.url}/health`)).status, 200);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
    const loaded = readFileSync(file, "utf8").split("\n");
    assert.ok(
      loaded.some((url) => /\/node_modules\/hono\//.test(url)),
      "the server stack was loaded",
    );
    assertNone(loaded, [
      "the AI SDK",
      "an AI SDK provider",
      "the tokenizer",
      "the MCP SDK",
      "the PostgreSQL driver",
    ]);
  });
});
