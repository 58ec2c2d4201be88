import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createEngram } from "../../engram.ts";
import { checkSecretsAtRest } from "../../test/secrets-at-rest.ts";
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

  it("has vectors only where the server has pgvector, and says so when it has not", async () => {
    const store = await open();
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
      await client.end();
      if (rows.length > 0) {
        assert.equal(store.capabilities.vectors, true);
        assert.notEqual(store.vectors, null);
      } else {
        assert.equal(store.capabilities.vectors, false);
        assert.equal(store.vectors, null);
        assert.deepEqual(store.warnings, [
          "the pgvector extension could not be loaded (pgvector is not installed on the server): vector search is unavailable",
        ]);
      }
    } finally {
      await store.close();
    }
  });

  it("keeps webhook and MCP server secrets sealed in the database", async () => {
    const schema = freshSchemaName();
    const database = `${server.url}${server.url.includes("?") ? "&" : "?"}schema=${schema}`;
    const read = async (sql: string, params: string[]) => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        const { rows } = await client.query(sql.replaceAll("{schema}", `"${schema}"`), params);
        return String(Object.values(rows[0] ?? {})[0]);
      } finally {
        await client.end();
      }
    };
    await checkSecretsAtRest(
      (key) => createEngram({ database, env: key === undefined ? {} : { ENGRAM_SECRET_KEY: key } }),
      {
        webhookSecret: (id) => read("SELECT secret FROM {schema}.webhooks WHERE id = $1", [id]),
        mcpConfig: (agentId, name) =>
          read("SELECT config::text FROM {schema}.agent_mcp_servers WHERE agent_id = $1 AND name = $2", [
            agentId,
            name,
          ]),
      },
    );
  });

  runStoreSuite({ name: "postgres", create: open });
});
