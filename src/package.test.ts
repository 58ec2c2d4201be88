import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

// The package as a user gets it: packed (which builds it), installed from the tarball into a project of
// its own, then used from JavaScript, from TypeScript and from the shell. Node strips no types under
// node_modules, so nothing here can lean on the sources the way the rest of the tests do.

const root = fileURLToPath(new URL("..", import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
// The project's Node first on PATH, as for the package's own scripts: npm, tsc and the bin all run on it.
const env = {
  ...process.env,
  PATH: [join(root, "node_modules/.bin"), dirname(process.execPath), process.env.PATH].join(delimiter),
};

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : (error as { code?: unknown }).code;
      if (typeof code !== "number") reject(error);
      else resolve({ code, stdout, stderr });
    });
  });
}

async function ok(command: string, args: readonly string[], cwd: string): Promise<string> {
  const exit = await run(command, args, cwd);
  assert.equal(
    exit.code,
    0,
    `${command} ${args.join(" ")} exited ${exit.code}:\n${exit.stdout}${exit.stderr}`,
  );
  return exit.stdout;
}

// A first program: every entry point, and the calls a newcomer makes first.
const TOUR_JS = `
import { generateText, wrapLanguageModel } from "ai";
import { ConflictError, createEngram } from "engram";
import { engramMemory } from "engram/ai-sdk";
import { createApp } from "engram/server";
import { createTestEngram, scriptedModel } from "engram/test";
import { createClient, NotFoundError } from "engram/client";

const engram = createEngram({ path: process.argv[2] });
const agent = await engram.agents.create({ name: "support" });
const first = await engram.blocks.set(agent.id, "human", "Name: Ada");
await engram.blocks.commit(agent.id, {
  changes: [{ op: "set", label: "human", value: "Name: Ada\\nPlan: Pro" }],
  expectedHead: first.commit.id,
  message: "upgraded plan",
});
let stale = "accepted";
try {
  await engram.blocks.set(agent.id, "human", "Plan: Free", { expectedHead: first.commit.id });
} catch (error) {
  stale = error instanceof ConflictError ? "conflict" : String(error);
}
await engram.memories.add(agent.id, { text: "Ada's company renews its contract every March", kind: "fact" });
const { results } = await engram.search(agent.id, { query: "when does the contract renew?" });
const exported = await engram.transfer.export(agent.id);
const health = await createApp({ engram }).request("/health");
// The client, served by the app through its own fetch: no socket needed.
const app = createApp({ engram });
const client = createClient({ baseUrl: "http://engram.test", fetch: (input, init) => app.fetch(new Request(input, init)) });
const viaClient = (await client.blocks.get(agent.id, "human")).value;
const missing = await client.agents.get("nobody").catch((error) => error instanceof NotFoundError);
// The inspector's page and files come from the installed package.
const page = await app.request("/");
const script = await app.request("/inspector/js/main.js");
const inspector = [page.status, (await page.text()).includes("engram inspector"), script.status, script.headers.get("content-type")];
await engram.close();

const test = createTestEngram({ model: scriptedModel([{ text: "Hello, Ada." }]) });
const helper = await test.agents.create({ name: "helper" });
const turn = await test.runtime.send(helper.id, { content: "Hi, I am Ada." });
await test.blocks.set(helper.id, "human", "Name: Ada");
const appModel = scriptedModel([{ text: "Hi again, Ada." }]);
const memory = engramMemory({ engram: test, agent: "helper" });
const withMemory = wrapLanguageModel({ model: appModel, middleware: memory });
const remembered = await generateText({ model: withMemory, prompt: "Do you remember me?" });
await memory.flush();
const recorded = (await test.messages.list(helper.id)).items.map((message) => message.content);
await test.close();

console.log(JSON.stringify({
  commits: exported.commits.map((commit) => commit.message),
  stale,
  found: results.map((result) => result.text),
  format: exported.format,
  health: health.status,
  answer: turn.answer,
  viaClient,
  missing,
  inspector,
  middleware: {
    answer: remembered.text,
    sawBlock: JSON.stringify(appModel.calls[0].prompt).includes("Name: Ada"),
    recorded: recorded.slice(-2),
  },
}));
`;

// Names the types a user writes. Each @ts-expect-error must meet an error: were a type \`any\` (a
// declaration that failed to resolve), the directive itself would be the error.
const CHECK_TS = `
import {
  type AgentRuntime,
  ConflictError,
  createEngram,
  type Engram,
  type EngramOptions,
  type ExportDocument,
  type Memory,
  type MemoryInput,
  type MemoryService,
  type SearchInput,
  type SearchResponse,
  type TurnEvent,
  type TurnResult,
} from "engram";
import { type AppOptions, createApp } from "engram/server";
import { createTestEngram, scriptedModel, type TestEngramOptions } from "engram/test";
import { createClient, type EngramClient } from "engram/client";
import { type EngramMemoryOptions, engramMemory } from "engram/ai-sdk";

const options: EngramOptions = { path: ":memory:" };
const engram: Engram = createEngram(options);

async function remember(memories: MemoryService, agentId: string, input: MemoryInput): Promise<Memory> {
  return memories.add(agentId, input);
}

async function ask(runtime: AgentRuntime, agentId: string, content: string): Promise<string> {
  const result: TurnResult = await runtime.send(agentId, { content }, {
    onEvent: (event: TurnEvent) => void event.type,
  });
  return result.answer;
}

async function find(agentId: string): Promise<string[]> {
  const input: SearchInput = { query: "contract", k: 3, sources: ["memories"] };
  const response: SearchResponse = await engram.search(agentId, input);
  return response.results.map((result) => result.text);
}

async function backUp(agentId: string): Promise<string> {
  const document: ExportDocument = await engram.transfer.export(agentId);
  return document.format;
}

// The client has the library's names and types: what takes an engram's services takes the client's.
const remote: EngramClient = createClient({ baseUrl: "http://127.0.0.1:8420", apiKey: "ek_x" });
async function rememberAnywhere(memories: Pick<MemoryService, "add">, agentId: string): Promise<Memory> {
  return memories.add(agentId, { text: "either way" });
}
const rememberRemotely = (agentId: string) => rememberAnywhere(remote.memories, agentId);
const rememberLocally = (agentId: string) => rememberAnywhere(engram.memories, agentId);
// @ts-expect-error: the client needs a baseUrl
createClient({ apiKey: "ek_x" });

const testOptions: TestEngramOptions = { model: scriptedModel([{ text: "hi" }]) };
const app = createApp({ engram: createTestEngram(testOptions) } satisfies AppOptions);
const memoryOptions: EngramMemoryOptions = { engram, agent: "support", userId: "ada" };
const middleware = engramMemory(memoryOptions);

// @ts-expect-error: a query is text
const wrongQuery: SearchInput = { query: 42 };
// @ts-expect-error: a turn's answer is a string
const wrongAnswer: number = ({} as TurnResult).answer;
// @ts-expect-error: memories are added with an input, not a string
void remember(engram.memories, "agt", "text");
// @ts-expect-error: a conflict is an Error with a code
const wrongCode: number = new ConflictError("stale").code;
// @ts-expect-error: the middleware needs an agent
const noAgent: EngramMemoryOptions = { engram };

export {
  app,
  ask,
  backUp,
  find,
  middleware,
  noAgent,
  rememberLocally,
  rememberRemotely,
  wrongAnswer,
  wrongCode,
  wrongQuery,
};
`;

const TSCONFIG = {
  compilerOptions: {
    target: "es2023",
    module: "nodenext",
    moduleResolution: "nodenext",
    strict: true,
    noEmit: true,
    // As most projects have it. A declaration that failed to resolve would make its types `any`,
    // which the check's @ts-expect-error lines catch.
    skipLibCheck: true,
    typeRoots: [join(root, "node_modules/@types")],
    types: ["node"],
  },
  files: ["check.ts"],
};

describe("the package, packed and installed into another project", { timeout: 600_000 }, () => {
  let dir: string;
  let consumer: string;
  let files: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "engram-package-"));
    const [packed] = JSON.parse(await ok("npm", ["pack", "--json", "--pack-destination", dir], root)) as {
      filename: string;
      files: { path: string }[];
    }[];
    assert.ok(packed, "npm pack describes the tarball");
    files = packed.files.map((file) => file.path);
    consumer = join(dir, "consumer");
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    // Dependencies come from npm's cache (filled by the project's own install); the registry only for what it lacks.
    await ok(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, packed.filename)],
      consumer,
    );
  });

  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("holds the build, the bin and the documentation, and no sources, tests or CI scripts", () => {
    for (const path of [
      "package.json",
      "README.md",
      "LICENSE",
      "bin/engram.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/index.js.map",
      "dist/server/index.js",
      "dist/test/index.d.ts",
      "dist/ai-sdk/index.js",
      "dist/cli/main.js",
      "docs/http-api.md",
      "inspector/index.html",
      "inspector/js/main.js",
      "inspector/style.css",
    ])
      assert.ok(files.includes(path), `the tarball has ${path}`);
    const unwanted = files.filter(
      (path) =>
        /\.test\.[jt]s$|test-(support|harness)\.|^(src|\.ci|scripts)\/|^docs\/api\//.test(path) ||
        (path.endsWith(".ts") && !path.endsWith(".d.ts")),
    );
    assert.deepEqual(unwanted, []);
  });

  it("imports from JavaScript: an agent, commits, a refused stale write, search, a turn, export, the app, the AI SDK middleware", async () => {
    writeFileSync(join(consumer, "tour.js"), TOUR_JS);
    const { commits, ...tour } = JSON.parse(
      await ok(process.execPath, ["tour.js", join(dir, "tour.db")], consumer),
    );
    assert.equal(commits.length, 3, "the agent's first commit and the two writes");
    assert.equal(commits[2], "upgraded plan");
    assert.deepEqual(tour, {
      stale: "conflict",
      found: ["Ada's company renews its contract every March"],
      format: "engram.agent",
      health: 200,
      answer: "Hello, Ada.",
      viaClient: "Name: Ada\nPlan: Pro",
      missing: true,
      inspector: [200, true, 200, "text/javascript; charset=utf-8"],
      middleware: {
        answer: "Hi again, Ada.",
        sawBlock: true,
        recorded: ["Do you remember me?", "Hi again, Ada."],
      },
    });
  });

  it("runs its helper thread from the installed build (a batch's text analysis and the hash embedder's work)", async () => {
    const installed = join(consumer, "node_modules/engram/dist/threads/helper-thread.js");
    const script = `
      import { startOnThread } from ${JSON.stringify(pathToFileURL(installed).href)};
      const task = startOnThread("indexTerms", { texts: ["Ada runs the meetings"] });
      console.log(JSON.stringify(task === null ? "no thread" : task.wait()));
    `;
    // null would mean the thread failed (its module not found beside this one, say): callers would
    // then quietly compute inline.
    const out = await ok(process.execPath, ["--input-type=module", "-e", script], consumer);
    assert.deepEqual(JSON.parse(out), ["ada run meet"]);
  });

  it("type-checks TypeScript that names its types against the installed declarations", async () => {
    writeFileSync(join(consumer, "check.ts"), CHECK_TS);
    writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify(TSCONFIG));
    await ok(
      process.execPath,
      [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
      consumer,
    );
  });

  it("runs the installed engram bin", async () => {
    const engram = join(consumer, "node_modules/.bin/engram");
    const db = join(dir, "cli.db");
    assert.equal((await ok(engram, ["--version"], consumer)).trim(), version);
    const agent = JSON.parse(
      await ok(engram, ["agent", "create", "--name", "support", "--db", db, "--json"], consumer),
    );
    assert.match(agent.id, /^agt_/);
    await ok(
      engram,
      ["block", "set", "support", "human", "Name: Ada", "--message", "met Ada", "--db", db],
      consumer,
    );
    const log = await ok(engram, ["log", "support", "--db", db, "--json"], consumer);
    assert.match(JSON.stringify(JSON.parse(log)), /"message":"met Ada"/);
  });

  it("says in one line that the package is not built when dist/ is missing", async () => {
    const unbuilt = join(dir, "unbuilt/node_modules/engram");
    mkdirSync(join(unbuilt, "bin"), { recursive: true });
    cpSync(join(consumer, "node_modules/engram/bin/engram.js"), join(unbuilt, "bin/engram.js"));
    cpSync(join(consumer, "node_modules/engram/package.json"), join(unbuilt, "package.json"));
    const exit = await run(process.execPath, [join(unbuilt, "bin/engram.js"), "--version"], dir);
    assert.equal(exit.code, 1);
    assert.equal(exit.stdout, "");
    assert.match(
      exit.stderr,
      /^engram is not built: .*dist\/cli\/main\.js is missing \(run "npm run build" in .*\)\n$/,
    );
  });
});
