import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createEngram } from "../../engram.ts";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../rows/memory-rows.ts";
import { indexedAsBefore, speakerTurnsLog } from "../rows/speaker-turns-fixture.ts";
import { reindexMessages } from "./message-store.ts";
import { PG_MIGRATIONS } from "./migrations.ts";
import { PgDatabase } from "./pg-database.ts";
import { reindexSameSpeakerTurns } from "./speaker-turns.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

const VERSION = PG_MIGRATIONS.find((m) => m.prepare === reindexSameSpeakerTurns)?.version ?? Number.NaN;

describe(
  `PostgreSQL migration ${VERSION}: turns next to their own speaker's indexed again`,
  postgresSkip(),
  () => {
    let server: TestPostgres;
    before(async () => {
      server = await sharedTestPostgres();
    });
    after(async () => {
      await server?.stop();
    });

    const urlOf = (schema: string) => {
      const url = new URL(server.url);
      url.searchParams.set("schema", schema);
      return url.toString();
    };
    /** Every message posting: its document, term and counts by column. */
    const postings = (db: PgDatabase) =>
      db.all<Record<string, unknown>>(
        `SELECT doc, term, text_tf, caption_tf, prev_tf, next_tf, window_tf, date_tf, length
       FROM message_postings ORDER BY doc, term`,
      );

    it("indexes a database written before as a write does now, and nothing else", async () => {
      const schema = freshSchemaName();
      const engram = createEngram({ database: urlOf(schema), embedder: null, env: {} });
      const agent = await engram.agents.create({ name: "support" });
      await engram.messages.appendMany(agent.id, speakerTurnsLog());
      await engram.close();

      const db = new PgDatabase({ url: server.url, schema });
      try {
        const now = await postings(db);
        // As the schema before the migration left it: each message indexed with the turns on each side.
        const rows = await db.all<MessageRow & { rowid: number }>(
          `SELECT m.rowid, ${MESSAGE_COLUMNS} FROM messages m ORDER BY m.rowid`,
        );
        const before = indexedAsBefore(
          rows.map((row) => ({ rowid: Number(row.rowid), message: toMessage(row) })),
        );
        await db.transaction(async (tx) => {
          await reindexMessages(
            tx,
            before.map(({ item }) => item),
          );
          await tx.run("DELETE FROM schema_migrations WHERE version >= $1", [VERSION]);
        });
        assert.notDeepEqual(await postings(db), now, "the rows written as before differ");

        const again = createEngram({ database: urlOf(schema), embedder: null, env: {} });
        await again.agents.list();
        await again.close();
        assert.deepEqual(await postings(db), now);
        const version = await db.get<{ v: number }>("SELECT MAX(version) AS v FROM schema_migrations");
        assert.equal(version?.v, PG_MIGRATIONS.at(-1)?.version);
      } finally {
        await db.close();
      }
    });
  },
);
