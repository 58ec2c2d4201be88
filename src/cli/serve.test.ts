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
