import type {
  AgentStore,
  EpisodeStore,
  EventStore,
  EvolutionStore,
  ExperienceStore,
  HistoryStore,
  InsightStore,
  JobStore,
  KeyStore,
  MemoryStore,
  MessageStore,
  ProjectStore,
  Store,
  StoreCapabilities,
  TurnLeaseStore,
  WebhookStore,
} from "../store.ts";
import { pgLeaderLeaseStore } from "./leader-lease-store.ts";
import { migratePostgres } from "./migrations.ts";
import { PgDatabase } from "./pg-database.ts";
import { unimplemented } from "./unimplemented.ts";

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** The schema engram's tables live in (created when missing); `public` by default. */
  schema?: string | undefined;
  /** Most connections this store's pool opens (10 by default). */
  max?: number | undefined;
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
  db.setReady(migratePostgres(db).then(() => {}));
  const capabilities: StoreCapabilities = { vectors: false, fullText: true };
  const warnings: string[] = [];
  let closed = false;
  return {
    kind: "postgres",
    capabilities,
    warnings,
    ready: () => db.ready(),
    projects: unimplemented<ProjectStore>("projects"),
    agents: unimplemented<AgentStore>("agents"),
    history: unimplemented<HistoryStore>("history"),
    events: unimplemented<EventStore>("events"),
    memories: unimplemented<MemoryStore>("memories"),
    messages: unimplemented<MessageStore>("messages"),
    episodes: unimplemented<EpisodeStore>("episodes"),
    experience: unimplemented<ExperienceStore>("experience"),
    insights: unimplemented<InsightStore>("insights"),
    evolution: unimplemented<EvolutionStore>("evolution"),
    jobs: unimplemented<JobStore>("jobs"),
    vectors: null,
    keys: unimplemented<KeyStore>("keys"),
    turnLeases: unimplemented<TurnLeaseStore>("turnLeases"),
    webhooks: unimplemented<WebhookStore>("webhooks"),
    leaderLeases: pgLeaderLeaseStore(db),
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
      await db.close();
    },
  };
}
