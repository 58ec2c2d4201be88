import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MAIN, type ServeProcess, spawnServe } from "../bench/serve-process.ts";
import { readModifyWrite } from "../server/test-support.ts";
import { postgresSkip, sharedTestPostgres } from "../store/postgres/test-server.ts";
import { startFakeChatServer } from "../test/fake-chat-server.ts";

const json = { "content-type": "application/json" };

/** How long the fake model takes to answer: long enough that overlapping turns would show. */
const MODEL_MS = 150;

/**
 * Two `engram serve` processes on one database, the way several servers behind a load balancer
 * share one: on a SQLite file (one machine) and on PostgreSQL.
 */
function twoServers(
  backend: string,
  options: { skip: string | false },
  database: () => Promise<{ url: string; dispose: () => Promise<void> }>,
): void {
  describe(`two engram serve processes on one ${backend} database`, options, () => {
    let servers: ServeProcess[] = [];
    let dispose = async () => {};
    let model: Awaited<ReturnType<typeof startFakeChatServer>>;
    /** When each model call began and was answered, in arrival order. */
    const calls: { start: number; end: number }[] = [];

    before(async () => {
      const { url, dispose: release } = await database();
      dispose = release;
      model = await startFakeChatServer(() => {
        calls.push({ start: Date.now(), end: Date.now() + MODEL_MS });
        return { text: `answer ${calls.length}`, delayMs: MODEL_MS };
      });
      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ENGRAM_MODEL: "openai-compatible:test-chat",
        OPENAI_COMPATIBLE_BASE_URL: model.url,
      };
      // One after the other: the first migrates the schema, the second finds it done.
      for (let i = 0; i < 2; i++)
        servers.push(await spawnServe(url, [], { node: process.execPath, script: MAIN, env }));
    });

    after(async () => {
      await Promise.all(
        servers.map(async (server) => {
          server.child.kill("SIGTERM");
          await server.exited;
        }),
      );
      servers = [];
      await model?.close();
      await dispose();
    });

    const post = (server: ServeProcess | undefined, path: string, body: unknown) =>
      fetch(`${server?.url}${path}`, { method: "POST", headers: json, body: JSON.stringify(body) });
    const get = async (server: ServeProcess | undefined, path: string) => {
      const res = await fetch(`${server?.url}${path}`);
      assert.equal(res.status, 200, await res.clone().text());
      // biome-ignore lint/suspicious/noExplicitAny: the test reads the API's JSON
      return (await res.json()) as any;
    };
    const createAgent = async (name: string) => {
      const res = await post(servers[0], "/v1/agents", { name });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    };

    it("loses no block write made through either: every acknowledged commit is in the log, conflicts are 409s", async () => {
      const agentId = await createAgent("shared");
      const block = (server: ServeProcess | undefined) => `${server?.url}/v1/agents/${agentId}/blocks/log`;
      const created = await fetch(block(servers[0]), {
        method: "PUT",
        headers: json,
        body: JSON.stringify({ value: "", limit: 100_000 }),
      });
      assert.equal(created.status, 200, await created.clone().text());
      const outcome = { conflicts: 0 };
      const acknowledged: string[] = [];
      const clients = 6;
      const edits = 8;
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          // Each client writes through both servers in turn.
          for (let n = 0; n < edits; n++) {
            const server = servers[(c + n) % 2];
            const body = await readModifyWrite(
              async () => {
                const res = await fetch(block(server));
                const { value } = (await res.json()) as { value: string };
                return { value, version: res.headers.get("etag") ?? "" };
              },
              (value, etag) =>
                fetch(block(server), {
                  method: "PUT",
                  headers: { ...json, "if-match": etag },
                  body: JSON.stringify({ value }),
                }),
              (value) => `${value}client ${c} edit ${n}\n`,
              outcome,
            );
            acknowledged.push((JSON.parse(body) as { commit: { id: string } }).commit.id);
          }
        }),
      );
      const lines = (await get(servers[1], `/v1/agents/${agentId}/blocks/log`)).value
        .split("\n")
        .filter(Boolean);
      assert.equal(lines.length, clients * edits);
      assert.equal(new Set(lines).size, clients * edits);
      const log = await get(servers[1], `/v1/agents/${agentId}/commits?limit=500`);
      const ids = new Set(log.items.map((commit: { id: string }) => commit.id));
      assert.deepEqual(
        acknowledged.filter((id) => !ids.has(id)),
        [],
        "every acknowledged commit is in the log",
      );
      assert.equal(log.items.length, clients * edits + 2, "besides the agent's first commit and the block's");
      assert.ok(outcome.conflicts > 0, "the writers did collide");
    });

    it("runs the turns of one conversation one at a time, whichever server each is sent to", async () => {
      const agentId = await createAgent("talker");
      const first = calls.length;
      const turns = 6;
      const replies = await Promise.all(
        Array.from({ length: turns }, (_, i) =>
          post(servers[i % 2], `/v1/agents/${agentId}/messages`, { content: `question ${i}`, userId: "ada" }),
        ),
      );
      for (const reply of replies) assert.equal(reply.status, 201, await reply.text());
      const mine = calls.slice(first);
      assert.equal(mine.length, turns);
      for (let i = 1; i < mine.length; i++)
        assert.ok(
          // A few ms of slack for timer rounding: an overlap would be a whole model call long.
          (mine[i]?.start ?? 0) >= (mine[i - 1]?.end ?? 0) - 10,
          `model call ${i} began before call ${i - 1} was answered: turns overlapped`,
        );
      const { items } = await get(servers[0], `/v1/agents/${agentId}/messages?limit=100`);
      assert.deepEqual(
        items.map((m: { role: string }) => m.role),
        Array.from({ length: turns }, () => ["user", "assistant"]).flat(),
        "each question is followed by its own answer",
      );
    });

    it("runs a queued sleep-time job once, though both servers run jobs", async () => {
      const agentId = await createAgent("sleeper");
      for (const text of ["Ada lives in Paris", "Ada lives in Paris."]) {
        const res = await post(servers[1], `/v1/agents/${agentId}/memories`, { text });
        assert.equal(res.status, 201, await res.text());
      }
      const queued = await post(servers[0], `/v1/agents/${agentId}/sleep`, {
        jobs: ["consolidate"],
        wait: false,
      });
      assert.equal(queued.status, 202, await queued.clone().text());
      const jobId = ((await queued.json()) as { jobs: { id: string }[] }).jobs[0]?.id;
      let job: { status: string; attempts: number } = { status: "queued", attempts: 0 };
      for (const deadline = Date.now() + 30_000; job.status !== "succeeded"; ) {
        assert.ok(Date.now() < deadline, `the job did not finish: ${JSON.stringify(job)}`);
        assert.ok(["queued", "running"].includes(job.status), JSON.stringify(job));
        await new Promise((resolve) => setTimeout(resolve, 200));
        job = await get(servers[1], `/v1/agents/${agentId}/jobs/${jobId}`);
      }
      assert.equal(job.attempts, 1);
      const archived = await get(servers[0], `/v1/agents/${agentId}/memories?archived=only`);
      assert.equal(archived.items.length, 1, "the duplicate was merged once");
    });
  });
}

twoServers("SQLite", { skip: false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "engram-two-servers-"));
  return { url: join(dir, "shared.db"), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
});

twoServers("PostgreSQL", postgresSkip(), async () => {
  const postgres = await sharedTestPostgres();
  return { url: await postgres.createDatabase(), dispose: () => postgres.stop() };
});
