import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { EngramError } from "../../core/errors.ts";
import type { Store } from "../store.ts";
import { createPostgresStore } from "./postgres-store.ts";
import {
  freePort,
  freshSchemaName,
  postgresSkip,
  sharedTestPostgres,
  type TestPostgres,
} from "./test-server.ts";

/** Forwards `port` to the test server: the database "comes up" at that address. */
async function forward(port: number, to: URL): Promise<Server> {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(Number(to.port), to.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  proxy.on("close", () => {
    for (const socket of sockets) socket.destroy();
  });
  await new Promise<void>((resolve) => proxy.listen(port, "127.0.0.1", resolve));
  return proxy;
}

/**
 * A store opened while its PostgreSQL server cannot be reached (starting, restarting, failing over):
 * the failure is reported, and once the server answers the store opens, without a restart of the
 * process.
 */
describe("PostgreSQL: a store opened while the server is down", postgresSkip(), () => {
  let server: TestPostgres;
  let store: Store | undefined;
  let proxy: Server | undefined;

  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await store?.close();
    proxy?.close();
    await server?.stop();
  });

  it("reports the server unavailable, then opens once the server is back", async () => {
    const port = await freePort();
    const target = new URL(server.url);
    const url = `postgres://${target.username}@127.0.0.1:${port}${target.pathname}`;
    store = createPostgresStore({ url, schema: freshSchemaName() });

    const down = (error: unknown) =>
      EngramError.isInstance(error) && error.code === "unavailable" && /ECONNREFUSED/.test(error.message);
    await assert.rejects(store.ready(), down);
    await assert.rejects(store.settings.get("k"), down);

    proxy = await forward(port, target);
    await store.ready();
    await store.settings.set("k", "v");
    assert.equal(await store.settings.get("k"), "v");
  });
});
