import { type SecretBox, secretBox } from "../../core/secret-box.ts";
import type { Store, StoreCapabilities } from "../store.ts";
import { collectWork } from "../unit-of-work.ts";
import { SqliteAgentStore } from "./agent-store.ts";
import { openDatabase, openFailure } from "./database.ts";
import { SqliteEventStore } from "./event-store.ts";
import { SqliteEvolutionStore } from "./evolution-store.ts";
import { purgeAgentText } from "./fts.ts";
import { SqliteGraphStore } from "./graph-store.ts";
import { SqliteGroupStore } from "./group-store.ts";
import { SqliteHistoryStore } from "./history-store.ts";
import { SqliteImageStore } from "./image-store.ts";
import { SqliteInsightStore } from "./insight-store.ts";
import { SqliteJobStore } from "./job-store.ts";
import { SqliteKeyStore } from "./key-store.ts";
import { SqliteLeaderLeaseStore } from "./leader-lease-store.ts";
import { forgetExperienceVersion, SqliteEpisodeStore, SqliteExperienceStore } from "./learning-store.ts";
import { SqliteMcpServerStore } from "./mcp-server-store.ts";
import { SqliteMemoryStore } from "./memory-store.ts";
import { SqliteMessageStore } from "./message-store.ts";
import { migrate } from "./migrations.ts";
import { SqliteProjectStore } from "./project-store.ts";
import { SqliteSharedBlockStore } from "./shared-block-store.ts";
import { Statements } from "./statements.ts";
import { SqliteTurnLeaseStore } from "./turn-lease-store.ts";
import { applySqliteWork } from "./unit-of-work.ts";
import { SqliteVectorStore } from "./vector-store.ts";
import { SqliteWebhookStore } from "./webhook-store.ts";

export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. */
  path: string;
  /**
   * Path of the sqlite-vec extension; the one shipped in the `sqlite-vec` package by default, `false`
   * to skip it. When it cannot load, vector features report unavailable and a warning says why.
   */
  vectorExtension?: string | false;
  /** How secrets are kept at rest (see `secretBox`); as given by default. */
  secrets?: SecretBox | undefined;
}

/**
 * The embedded default: one SQLite file through `node:sqlite`, migrated to the latest schema on open.
 *
 * @example
 * const store = createSqliteStore({ path: "./engram.db" });
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const opened = openDatabase(
    options.path,
    options.vectorExtension === undefined ? {} : { vectorExtension: options.vectorExtension },
  );
  try {
    migrate(opened.db);
  } catch (error) {
    opened.db.close();
    throw openFailure(options.path, error);
  }
  const statements = new Statements(opened.db);
  const vectors =
    opened.extension === null
      ? null
      : new SqliteVectorStore(statements, { sharedScan: { extension: opened.extension } });
  // Virtual tables and settings are out of reach of foreign keys: an agent's deletion clears them first.
  const memories = new SqliteMemoryStore(statements, (rowids) => vectors?.removeRowids("memories", rowids));
  const purgeIndexes = (agentId: string) => {
    memories.detachEvents(agentId);
    purgeAgentText(statements, agentId);
    vectors?.removeAgent(agentId);
    memories.forgetAgent(agentId);
    forgetExperienceVersion(statements, agentId);
  };
  const capabilities: StoreCapabilities = { vectors: opened.vectors, fullText: opened.fullText };
  const messages = new SqliteMessageStore(statements);
  const experience = new SqliteExperienceStore(statements);
  const history = new SqliteHistoryStore(statements);
  const insights = new SqliteInsightStore(statements);
  const agents = new SqliteAgentStore(statements, purgeIndexes);
  const evolution = new SqliteEvolutionStore(statements);
  const jobs = new SqliteJobStore(statements);
  const graph = new SqliteGraphStore(statements);
  const targets = {
    statements,
    agents,
    history,
    memories,
    messages,
    graph,
    experience,
    insights,
    evolution,
    jobs,
    vectors,
  };
  let closed = false;
  return {
    kind: "sqlite",
    capabilities,
    warnings: opened.warnings,
    projects: new SqliteProjectStore(statements, purgeIndexes),
    agents,
    history,
    sharedBlocks: new SqliteSharedBlockStore(statements, (input) => history.appendNow(input)),
    events: new SqliteEventStore(statements),
    memories,
    messages,
    graph,
    episodes: new SqliteEpisodeStore(statements),
    experience,
    insights,
    evolution,
    jobs,
    vectors,
    keys: new SqliteKeyStore(statements),
    turnLeases: new SqliteTurnLeaseStore(statements),
    leaderLeases: new SqliteLeaderLeaseStore(statements),
    images: new SqliteImageStore(statements),
    webhooks: new SqliteWebhookStore(statements, options.secrets ?? secretBox(undefined)),
    mcpServers: new SqliteMcpServerStore(statements, options.secrets ?? secretBox(undefined)),
    groups: new SqliteGroupStore(statements),
    ready: () => Promise.resolve(),
    unitOfWork: () => collectWork((operations) => applySqliteWork(targets, operations)),
    settings: {
      async get(key) {
        return (
          statements.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", key)?.value ?? null
        );
      },
      async set(key, value) {
        statements.run(
          "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          key,
          value,
        );
      },
      async list() {
        // Each agent's experience version is kept in this table too: it is the agent's, not a setting.
        return statements
          .all<{ key: string; value: string }>(
            "SELECT key, value FROM settings WHERE key NOT LIKE 'experience.version:%' ORDER BY key",
          )
          .map(({ key, value }) => ({ key, value }));
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      vectors?.close();
      if (!opened.db.isOpen) return;
      try {
        await memories.closeAccess();
      } finally {
        opened.db.close();
      }
    },
  };
}
