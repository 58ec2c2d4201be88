import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, it } from "node:test";
import { spawnServe } from "../bench/serve-process.ts";
import { createEngram } from "../engram.ts";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

const json = { "content-type": "application/json" };

/** The processes whose parent is `parent` (read from /proc): a `serve --workers` primary's workers. */
function childrenOf(parent: number | undefined): string[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1] === String(parent);
      } catch {
        return false;
      }
    });
}

describe("the server process survives crashes and stops cleanly", () => {
  it("keeps every acknowledged write when killed with SIGKILL mid-stream", async () => {
    const agent = await s.ok(["agent", "create", "--name", "writer"]);
    const server = await spawnServe(s.db);
    const base = `${server.url}/v1/agents/${agent.id}`;
    const memories: { id: string; text: string }[] = [];
    const commits: { id: string; label: string; n: number }[] = [];
    let acknowledged = 0;

    const writer = async (w: number) => {
      // Writes go on after the kill until the connection fails, so some are in flight when it lands.
      for (let n = 0; n < 10_000; n++) {
        try {
          if (n % 2 === 0) {
            const text = `memory ${w}-${n}`;
            const res = await fetch(`${base}/memories`, {
              method: "POST",
              headers: json,
              body: JSON.stringify({ text }),
            });
            if (res.status === 201)
              memories.push({ id: ((await res.json()) as { memory: { id: string } }).memory.id, text });
          } else {
            const label = `writer${w}`;
            const res = await fetch(`${base}/blocks/${label}`, {
              method: "PUT",
              headers: json,
              body: JSON.stringify({ value: String(n) }),
            });
            if (res.status === 200)
              commits.push({ id: ((await res.json()) as { commit: { id: string } }).commit.id, label, n });
          }
          if (++acknowledged === 120) server.child.kill("SIGKILL");
        } catch {
          return; // the connection died with the server: this write was never acknowledged
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    assert.equal(await server.exited, "SIGKILL");
    assert.ok(memories.length + commits.length >= 120);

    const restarted = await spawnServe(s.db);
    try {
      const again = `${restarted.url}/v1/agents/${agent.id}`;
      for (const memory of memories) {
        const res = await fetch(`${again}/memories/${memory.id}`);
        assert.equal(res.status, 200, memory.id);
        assert.equal(((await res.json()) as { text: string }).text, memory.text);
      }
      for (const commit of commits) {
        assert.equal((await fetch(`${again}/commits/${commit.id}`)).status, 200, commit.id);
      }
      // Each block holds its last acknowledged value, or one written after it that got through.
      const reply = (await (await fetch(`${again}/blocks`)).json()) as {
        blocks: { label: string; value: string }[];
      };
      const blocks = reply.blocks;
      for (const w of [0, 1, 2, 3]) {
        const last = commits.filter((c) => c.label === `writer${w}`).at(-1);
        if (last === undefined) continue;
        const block = blocks.find((b) => b.label === last.label);
        assert.ok(
          block !== undefined && Number(block.value) >= last.n,
          `${last.label}: ${block?.value} < ${last.n}`,
        );
      }
    } finally {
      restarted.child.kill("SIGTERM");
      await restarted.exited;
    }
  });

  it("on SIGTERM refuses new connections, finishes the request in flight, closes the database, exits 0", async () => {
    const agent = await s.ok(["agent", "create", "--name", "slow"]);
    const server = await spawnServe(s.db);
    const body = JSON.stringify({ text: "sent across a shutdown" });
    const url = new URL(`${server.url}/v1/agents/${agent.id}/memories`);
    const upload = request(url, {
      method: "POST",
      headers: { ...json, "content-length": Buffer.byteLength(body) },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      upload.on("response", (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      upload.on("error", reject);
    });
    upload.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));

    server.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(server.child.exitCode, null, "still running: a request is in flight");
    await assert.rejects(fetch(`${server.url}/health`), "no new connections");

    upload.end(body.slice(10));
    const reply = await answered;
    assert.equal(reply.status, 201, reply.body);
    assert.equal(await server.exited, 0);
    // Closing the last connection checkpoints the write-ahead log into the database and removes it.
    const wal = `${s.db}-wal`;
    assert.ok(!existsSync(wal) || statSync(wal).size === 0, "the database was closed cleanly");

    const engram = createEngram({ path: s.db });
    try {
      const memories = await engram.memories.list(agent.id);
      assert.deepEqual(
        memories.items.map((m) => m.text),
        ["sent across a shutdown"],
      );
    } finally {
      await engram.close();
    }
  });

  it("serves from several worker processes on one port and database, and stops them all on SIGTERM", async () => {
    const agent = await s.ok(["agent", "create", "--name", "shared"]);
    const server = await spawnServe(s.db, ["--workers", "2"]);
    try {
      assert.equal((server.ready as { workers?: number }).workers, 2);
      const base = `${server.url}/v1/agents/${agent.id}`;
      // Several connections, so both workers get some; each write is visible to every reader.
      const written = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const res = await fetch(`${base}/memories`, {
            method: "POST",
            headers: { ...json, connection: "close" },
            body: JSON.stringify({ text: `note ${i}` }),
          });
          assert.equal(res.status, 201);
          return ((await res.json()) as { memory: { id: string } }).memory.id;
        }),
      );
      for (const id of written) {
        const res = await fetch(`${base}/memories/${id}`, { headers: { connection: "close" } });
        assert.equal(res.status, 200);
      }
    } finally {
      server.child.kill("SIGTERM");
    }
    assert.equal(await server.exited, 0, "every worker stopped cleanly");
    const engram = createEngram({ path: s.db });
    try {
      assert.equal((await engram.memories.list(agent.id)).items.length, 12);
    } finally {
      await engram.close();
    }
  });

  it("replaces a worker that dies, and keeps serving meanwhile", { skip: !existsSync("/proc") }, async () => {
    const server = await spawnServe(s.db, ["--workers", "2"]);
    const workers = () => childrenOf(server.child.pid);
    try {
      const before = workers();
      assert.equal(before.length, 2);
      process.kill(Number(before[0]), "SIGKILL");
      // Once the primary has seen the death, the other worker takes every new connection.
      for (let waited = 0; !/exited with SIGKILL/.test(server.stderr()) && waited < 10_000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${server.url}/health`, {
          headers: { connection: "close" },
          signal: AbortSignal.timeout(5_000),
        });
        assert.equal(res.status, 200);
      }
      let now = workers();
      for (let waited = 0; now.length < 2 && waited < 10_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        now = workers();
      }
      assert.equal(now.length, 2, "a new worker took the dead one's place");
      assert.ok(!now.includes(before[0] as string));
      assert.match(server.stderr(), /exited with SIGKILL; starting another/);
    } finally {
      server.child.kill("SIGTERM");
    }
    assert.equal(await server.exited, 0);
  });

  it("starts a replacement that could not open the database again, until it can", {
    skip: !existsSync("/proc"),
  }, async () => {
    const server = await spawnServe(s.db, ["--workers", "2"]);
    const workers = () => childrenOf(server.child.pid);
    const until = async (done: () => boolean, what: string) => {
      for (let waited = 0; !done() && waited < 15_000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(done(), what);
    };
    // A database that a newer engram wrote: a worker started now refuses to open it.
    const db = new DatabaseSync(s.db);
    try {
      const before = workers();
      assert.equal(before.length, 2);
      db.prepare(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (9999, 'newer', 'x', '2030-01-01')",
      ).run();
      process.kill(Number(before[0]), "SIGKILL");
      await until(() => /before listening; trying again in 1 s/.test(server.stderr()), "a first retry");
      await until(() => /before listening; trying again in 2 s/.test(server.stderr()), "a later retry");
      assert.match(
        server.stderr(),
        /the database is at schema version 9999, but this engram knows versions up to \d+/,
      );
      db.prepare("DELETE FROM schema_migrations WHERE version = 9999").run();
      await until(() => workers().length === 2, "the replacement started once it could open the database");
    } finally {
      db.close();
      server.child.kill("SIGTERM");
    }
    assert.equal(await server.exited, 0);
  });

  it("requires a key to exist before serving with auth, and then requires it on every request", async () => {
    const refused = await s.cli(["serve", "--port", "0", "--auth", "--json"]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.json().error.message,
      /--auth is on, .* none exists: create one with 'engram keys create/,
    );
    const beyond = await s.cli(["serve", "--port", "0", "--host", "0.0.0.0", "--json"]);
    assert.equal(beyond.code, 1);
    assert.match(beyond.json().error.message, /0\.0\.0\.0 is not a loopback address/);

    const { key } = await s.ok(["keys", "create", "--project", "acme"]);
    const server = await spawnServe(s.db, ["--auth"]);
    try {
      assert.equal(server.ready.auth, true);
      assert.equal((await fetch(`${server.url}/v1/agents`)).status, 401);
      const ok = await fetch(`${server.url}/v1/agents`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(ok.status, 200);
    } finally {
      server.child.kill("SIGINT");
      assert.equal(await server.exited, 0);
    }
  });
});
