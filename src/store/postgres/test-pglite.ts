import pg from "pg";
import type { Store } from "../store.ts";
import { createPostgresStore } from "./postgres-store.ts";

/**
 * PGlite (PostgreSQL in WebAssembly, with pgvector) served on 127.0.0.1 for tests of the vector
 * paths, which Debian's PostgreSQL lacks. The same `pg` driver talks to it over the socket. PGlite
 * is one session: the stores it serves are opened one at a time, with one connection each, in the
 * `public` schema (it ignores a connection's `search_path` option), which is emptied before each.
 */
export interface TestPglite {
  /** The server's URL (one connection at a time). */
  url: string;
  /** A store on an emptied database, once the previous one has disconnected. */
  open(): Promise<Store>;
  /** Resolves once no connection is open: before connecting otherwise than through `open`. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestPglite(): Promise<TestPglite> {
  // Loaded here, not at the top: only these tests need the (large) WebAssembly build.
  const [{ PGlite }, { vector }, { PGLiteSocketServer }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite-pgvector"),
    import("@electric-sql/pglite-socket"),
  ]);
  const db = await PGlite.create({ extensions: { vector } });
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  // The server takes one connection at a time, and counts a closed one out a moment after it closes.
  const idle = async () => {
    for (let waited = 0; server.getStats().activeConnections > 0; waited += 10) {
      if (waited > 10_000) throw new Error("the PGlite server kept a connection open");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return {
    url,
    idle,
    async open() {
      await idle();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      await client.end();
      await idle();
      // PGlite is one session behind every connection, as a transaction-mode pooler is: what one
      // connection prepared, the next finds already there. So nothing is kept prepared.
      const store = createPostgresStore({ url, max: 1, preparedStatements: false });
      await store.ready();
      return store;
    },
    async stop() {
      await idle();
      await server.stop();
      await db.close();
    },
  };
}
