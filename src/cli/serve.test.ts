import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox, serveInProcess } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(() => {
  s = sandbox();
});
afterEach(() => s.cleanup());

describe("engram serve", () => {
  it("serves the database until asked to stop, then closes and exits 0", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    const server = serveInProcess(s);
    const line = await server.ready;
    const match = /^engram listening on (http:\/\/127\.0\.0\.1:(\d+)) \(database: (.+)\)\n$/.exec(line);
    assert.ok(match, line);
    assert.equal(match[3], s.db);
    const url = match[1] as string;
    const response = await fetch(`${url}/v1/agents`);
    assert.equal(response.status, 200);
    const page = (await response.json()) as { items: { name: string }[] };
    assert.deepEqual(
      page.items.map((a) => a.name),
      ["helper"],
    );
    assert.equal(await server.stop("SIGTERM"), 0);
    assert.match(server.stderr(), /SIGTERM, shutting down/);
    await assert.rejects(fetch(`${url}/health`));
  });

  it("limits failed authentications per client address to --auth-failures a minute", async () => {
    const { key } = await s.ok(["keys", "create", "--project", "acme"]);
    const server = serveInProcess(s, { extra: ["--auth", "--auth-failures", "2"] });
    try {
      const url = await server.url;
      const get = async (secret: string) =>
        fetch(`${url}/v1/agents`, { headers: { authorization: `Bearer ${secret}` } });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await get("egk_wrong")).status);
      assert.deepEqual(statuses, [401, 401, 429]);
      const blocked = await get(key);
      assert.equal(blocked.status, 429);
      assert.equal(blocked.headers.get("retry-after"), "30");
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const negative = await s.cli(["serve", "--auth-failures=-1"]);
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /--auth-failures must not be negative/);
  });

  it("exits 1 when the port is taken and 2 when it is not a port", async () => {
    const blocker = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const port = (blocker.address() as { port: number }).port;
    try {
      const taken = await s.cli(["serve", "--port", String(port), "--json"]);
      assert.equal(taken.code, 1);
      assert.equal(taken.json().error.code, "invalid_input");
      assert.match(taken.json().error.message, /the port is in use/);
    } finally {
      blocker.close();
    }
    assert.equal((await s.cli(["serve", "--port", "70000"])).code, 2);
    assert.equal((await s.cli(["serve", "--port", "http"])).code, 2);
  });
});
