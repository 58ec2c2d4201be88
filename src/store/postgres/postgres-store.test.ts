import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runStoreSuite } from "../store-suite.ts";
import { createPostgresStore } from "./postgres-store.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

describe("PostgreSQL store", postgresSkip(), () => {
  let server: TestPostgres;
  before(async () => {
    server = await sharedTestPostgres();
  });
  after(async () => {
    await server?.stop();
  });
  const open = async () => {
    const store = createPostgresStore({ url: server.url, schema: freshSchemaName() });
    await store.ready();
    return store;
  };

  it("migrates a new schema and keeps settings", async () => {
    const store = await open();
    try {
      assert.equal(await store.settings.get("x"), null);
      await store.settings.set("x", "1");
      await store.settings.set("x", "2");
      assert.equal(await store.settings.get("x"), "2");
    } finally {
      await store.close();
    }
  });

  runStoreSuite({ name: "postgres", create: open });
});
