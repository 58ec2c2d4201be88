import { type SecretBox, secretBox } from "../../core/secret-box.ts";
import type { Store, StoreCapabilities } from "../store.ts";
import { collectWork } from "../unit-of-work.ts";
import { PgAgentStore } from "./agent-store.ts";
import { PgEventStore } from "./event-store.ts";
import { EventWakeups } from "./event-wakeups.ts";
import { PgEvolutionStore } from "./evolution-store.ts";
import { PgGraphStore } from "./graph-store.ts";
import { PgGroupStore } from "./group-store.ts";
import { appendCommit, PgHistoryStore } from "./history-store.ts";
import { pgImageStore } from "./image-store.ts";
import { PgInsightStore } from "./insight-store.ts";
import { PgJobStore } from "./job-store.ts";
import { PgKeyStore } from "./key-store.ts";
import { pgLeaderLeaseStore } from "./leader-lease-store.ts";
import { PgEpisodeStore, PgExperienceStore } from "./learning-store.ts";
import { PgMcpServerStore } from "./mcp-server-store.ts";
import { migratePostgres } from "./migrations.ts";
import { PgDatabase } from "./pg-database.ts";
import { PgMemoryStore } from "./pg-memory-store.ts";
import { PgMessageStore } from "./pg-message-store.ts";
import { PgProjectStore } from "./project-store.ts";
import { PgSharedBlockStore } from "./shared-block-store.ts";
import { PgTurnLeaseStore } from "./turn-lease-store.ts";
import { applyPgWork } from "./unit-of-work.ts";
import { PgVectorStore } from "./vector-store.ts";
import { findPgVector, vectorWarning } from "./vector-support.ts";
import { PgWebhookStore } from "./webhook-store.ts";

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** The schema engram's tables live in (created when missing); `public` by default. */
  schema?: string | undefined;
  /** Most connections this store's pool opens (10 by default). */
  max?: number | undefined;
  /** Keep hot statements prepared on each connection (true by default; see `PgDatabaseOptions`). */
  preparedStatements?: boolean | undefined;
  /** How secrets are kept at rest (see `secretBox`); as given by default. */
  secrets?: SecretBox | undefined;
}

/**
 * engram on a PostgreSQL server. The store is returned at once and opens in the background: it
 * connects and migrates the schema, and every operation waits for that (`ready()` reports failures
 * early). Several engram servers may share one database.
 *
 * @example
 * const store = createPostgresStore({ url: "postgres://engram@localhost/engram" });
 * await store.ready();
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const db = new PgDatabase(options);
  const capabilities: StoreCapabilities = { vectors: false, fullText: true };
  const warnings: string[] = [];
  // Whether pgvector is there is known once the store has opened: `vectors` settles in `ready()`.
  let vectors: PgVectorStore | null = null;
  db.setReady(() =>
    migratePostgres(db).then(async () => {
      const found = await findPgVector(db).catch((error: Error) => ({ unavailable: error.message }));
      if ("unavailable" in found) warnings.push(vectorWarning(found.unavailable));
      else {
        vectors = new PgVectorStore(db, found);
        capabilities.vectors = true;
      }
    }),
  );
  const wakeups = new EventWakeups(db.pool.options);
  const memories = new PgMemoryStore(db);
  let closed = false;
  return {
    kind: "postgres",
    capabilities,
    warnings,
    ready: () => db.ready(),
    unitOfWork: () => collectWork((operations) => applyPgWork(db, operations, vectors)),
    projects: new PgProjectStore(db),
    agents: new PgAgentStore(db, (agentId) => memories.forgetAgent(agentId)),
    history: new PgHistoryStore(db),
    sharedBlocks: new PgSharedBlockStore(db, appendCommit),
    events: new PgEventStore(db, wakeups),
    memories,
    messages: new PgMessageStore(db),
    graph: new PgGraphStore(db),
    episodes: new PgEpisodeStore(db),
    experience: new PgExperienceStore(db),
    insights: new PgInsightStore(db),
    evolution: new PgEvolutionStore(db),
    jobs: new PgJobStore(db),
    /** Null until `ready()` has found pgvector (and for good when the server lacks it). */
    get vectors() {
      return vectors;
    },
    keys: new PgKeyStore(db),
    turnLeases: new PgTurnLeaseStore(db),
    webhooks: new PgWebhookStore(db, options.secrets ?? secretBox(undefined)),
    mcpServers: new PgMcpServerStore(db, options.secrets ?? secretBox(undefined)),
    groups: new PgGroupStore(db),
    leaderLeases: pgLeaderLeaseStore(db),
    images: pgImageStore(db),
    settings: {
      async get(key) {
        return (
          (await db.get<{ value: string }>("SELECT value FROM settings WHERE key = $1", [key]))?.value ?? null
        );
      },
      async set(key, value) {
        await db.run(
          "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          [key, value],
        );
      },
      async list() {
        return db.all<{ key: string; value: string }>("SELECT key, value FROM settings ORDER BY key");
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await memories.closeAccess();
      } finally {
        await wakeups.close();
        await db.close();
      }
    },
  };
}
