import { randomUUID } from "node:crypto";
import type { LanguageModel } from "ai";
import type { AgentRuntime } from "./agent/agent-runtime.ts";
import { ConversationCache } from "./agent/conversation-cache.ts";
import { BackgroundTurns } from "./agent/messaging/background-turns.ts";
import type { RuntimeOptions } from "./agent/runtime-config.ts";
import { TokenCounter } from "./agent/tokenizer.ts";
import { ToolRegistry } from "./agent/tool-registry.ts";
import { type Clock, systemClock } from "./core/clock.ts";
import { InvalidInputError } from "./core/errors.ts";
import { createIdGenerator, type IdGenerator } from "./core/ids.ts";
import { KeyedLock } from "./core/keyed-lock.ts";
import { lazyModule, once } from "./core/lazy-module.ts";
import { moduleUrl } from "./core/module-url.ts";
import { secretBox, secretBoxFromEnv } from "./core/secret-box.ts";
import { CheckerRegistry } from "./evolution/checkers.ts";
import type { EvolutionService } from "./evolution/evolution-service.ts";
import type { ExperienceService } from "./experience/experience-service.ts";
import type { ExperienceOptions } from "./experience/experience-table.ts";
import { checkExperienceOptions } from "./experience/schemas.ts";
import { FeedbackService } from "./feedback/feedback-service.ts";
import { EntityService } from "./graph/entity-service.ts";
import type { GroupService } from "./groups/group-service.ts";
import { refineSharedBlocks } from "./groups/sleeptime-refine.ts";
import { ImageService } from "./images/image-service.ts";
import type { InsightService } from "./insights/insight-service.ts";
import { KeyService } from "./keys/key-service.ts";
import { McpConnectionPool } from "./mcp-tools/mcp-connection-pool.ts";
import type { McpPolicy } from "./mcp-tools/mcp-policy.ts";
import { McpServerService } from "./mcp-tools/mcp-server-service.ts";
import { AgentService } from "./memory/agents/agent-service.ts";
import { BlockService } from "./memory/blocks/block-service.ts";
import { HistoryService } from "./memory/blocks/history-service.ts";
import { SharedBlockService } from "./memory/blocks/shared-block-service.ts";
import type { EngineContext } from "./memory/context.ts";
import { EventService } from "./memory/events/event-service.ts";
import { MemoryService } from "./memory/memories/memory-service.ts";
import { MessageService } from "./memory/messages/message-service.ts";
import { ProjectService } from "./memory/projects/project-service.ts";
import type { Embedder } from "./models/embedder.ts";
import { embedderFromSpec } from "./models/embedding-model.ts";
import { modelPolicy } from "./models/model-policy.ts";
import type { SearchInput } from "./retrieval/search-schema.ts";
import type { SearchResponse } from "./retrieval/search-service.ts";
import { VectorIndex } from "./retrieval/vector-index.ts";
import { VectorService } from "./retrieval/vector-service.ts";
import { resolveSleeptimeOptions, type SleeptimeConfig, type SleeptimeOptions } from "./sleeptime/options.ts";
import type { SleeptimeService } from "./sleeptime/sleeptime-service.ts";
import {
  type DatabaseLocation,
  defaultDatabaseLocation,
  parseDatabaseLocation,
} from "./store/database-location.ts";
import { openStore } from "./store/open-store.ts";
import { defaultDatabasePath } from "./store/sqlite/database-path.ts";
import type { Store } from "./store/store.ts";
import type { GitService } from "./transfer/git/git-service.ts";
import type { TransferService } from "./transfer/transfer-service.ts";
import { WebhookService } from "./webhooks/webhook-service.ts";

export { defaultDatabasePath };

export interface EngramOptions {
  /** A store to use. When absent, the store of `database` (or `path`) is opened. */
  store?: Store | undefined;
  /**
   * The database: a PostgreSQL URL (`postgres://user:password@host/db`, optionally with
   * `?schema=NAME&connection_limit=N`) or a SQLite file path. Defaults to `ENGRAM_DATABASE_URL`, else
   * the file `ENGRAM_DB`, else `~/.engram/engram.db`. Give this or `path`, not both.
   */
  database?: string | undefined;
  /** SQLite file (the same as `database` with a path). `:memory:` for a throwaway. */
  path?: string | undefined;
  /** Injected clock (ms since epoch), for deterministic tests. */
  now?: Clock | undefined;
  /** Injected id generator, for deterministic tests. */
  generateId?: IdGenerator | undefined;
  /**
   * Embedding model for vector search: an Embedder, a `provider:model` string, or null for lexical
   * search only. Defaults to `ENGRAM_EMBEDDING_MODEL` when set. A string's model sends up to
   * `ENGRAM_EMBEDDING_PARALLEL` requests at once (default 4), each text cut to at most
   * `ENGRAM_EMBEDDING_MAX_BYTES` bytes of UTF-8 (default 8,191).
   */
  embedder?: Embedder | string | null | undefined;
  /**
   * The environment engram reads its settings from (the default database, models, API keys, base
   * URLs, the secret key); defaults to `process.env`.
   */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * A 256-bit key (64 hexadecimal digits, or base64) that encrypts secrets at rest: webhook signing
   * secrets and MCP servers' `env` and `headers` values. Defaults to `ENGRAM_SECRET_KEY` (with
   * `ENGRAM_SECRET_KEY_PREVIOUS`, earlier keys that still open secrets); without one they are
   * stored as given. Not used when `store` is given (give the store its own). See docs/operations.md.
   */
  secretKey?: string | undefined;
  /**
   * Default language model for agents that name none: a model object (e.g. a mock from `ai/test`) or
   * a `provider:model` string. Defaults to `ENGRAM_MODEL`.
   */
  model?: LanguageModel | string | undefined;
  /** Experience memory settings (γ, n, update mode, capacities, similarity); see docs/experience.md. */
  experience?: Partial<ExperienceOptions> | undefined;
  /** Sleep-time jobs: triggers, schedule, queue and each job's parameters; see docs/sleeptime.md. */
  sleeptime?: SleeptimeConfig | undefined;
  /** Defaults for agent turns (responder, budgets, time-out) and model-call retries; see docs/agent-runtime.md. */
  runtime?: RuntimeOptions | undefined;
}

/** How a project view of the engine is restricted beyond its project. */
export interface ProjectViewOptions {
  /** `provider:model` names its callers may use besides the engine's own; unset: any. */
  allowedModels?: readonly string[] | undefined;
  /** The MCP servers (commands, URLs) its callers may give agents; unset: any. */
  mcpPolicy?: McpPolicy | undefined;
}

/** engram over one database. */
export interface Engram {
  readonly store: Store;
  /** Non-fatal problems found at start (e.g. vector search unavailable). */
  readonly warnings: readonly string[];
  readonly projects: ProjectService;
  readonly agents: AgentService;
  readonly blocks: BlockService;
  readonly history: HistoryService;
  /** Blocks owned by a project and attached to several of its agents: one value, every agent's history. */
  readonly sharedBlocks: SharedBlockService;
  readonly events: EventService;
  readonly transfer: TransferService;
  /** An agent's memory as a real git repository: export, and import commits made with git. */
  readonly git: GitService;
  readonly memories: MemoryService;
  /** The entity graph learned from memories and messages: entities and their relations over time. */
  readonly entities: EntityService;
  readonly messages: MessageService;
  /** Episodes and the experience memory (Rememberer's Q-learning records and action advice). */
  readonly experience: ExperienceService;
  /** Rules distilled from experience (ExpeL), with support counts. */
  readonly insights: InsightService;
  /** Self-evolution of the learned context over task sets, and distillation to training data. */
  readonly evolution: EvolutionService;
  /** Sleep-time jobs (consolidate, reflect, rethink, forget) in a persistent queue. */
  readonly sleeptime: SleeptimeService;
  /** Runs agents: a message in, an answer out, memory edited by tools; the compiled context. */
  readonly runtime: AgentRuntime;
  /** Groups of a project's agents answering together: supervisor, round-robin, sleep-time. */
  readonly groups: GroupService;
  /** The images of messages, stored once per agent by SHA-256. */
  readonly images: ImageService;
  /** Feedback on turns: each becomes an episode step the experience memory and insights learn from. */
  readonly feedback: FeedbackService;
  /** API keys: each sees only its project (the HTTP server's authentication). */
  readonly keys: KeyService;
  /** The vectors behind hybrid search: embed what has none, re-embed for a new model, retrain. */
  readonly vectors: VectorService;
  /** Webhooks: destinations of a project's events, signed and retried, with a delivery log. */
  readonly webhooks: WebhookService;
  /** The MCP servers each agent takes tools from (offered to its model as `SERVER__TOOL`). */
  readonly mcpServers: McpServerService;
  /** Hybrid retrieval over memories and/or messages; each result says why it ranked. */
  search(agentId: string, input: SearchInput): Promise<SearchResponse>;
  /**
   * The engine's clock (ms since the epoch): the `now` it was opened with, else the system's. What
   * "now" is when a caller outside the services judges whether a fact is still true.
   */
  readonly now: Clock;
  /** The embedding model in use, or null (lexical search only). */
  readonly embeddingModel: string | null;
  /**
   * Checks what needs a round trip: that the database is open (connected and migrated), then that the
   * embedding model answers and matches the stored vectors.
   * @throws EngramError `unavailable` when the database cannot be reached (the message names it without
   *   its password), `database_too_new` when a newer engram migrated it, or when the embedding model's
   *   dimension or name differs from the database's vectors.
   */
  ready(): Promise<void>;
  /**
   * A view of the same engine that sees only one project: anything else is "not found". With
   * `allowedModels` (a server serving tenants), its callers may name only those models and the
   * engine's own (`ENGRAM_MODEL`, `model`): anything else is refused as forbidden.
   */
  forProject(projectId: string, options?: ProjectViewOptions): Engram;
  close(): Promise<void>;
}

/**
 * Opens engram over a database, migrating it to the current schema.
 *
 * @example
 * const engram = createEngram({ path: "./agents.db" });
 * const agent = await engram.agents.create({ name: "helper" });
 * await engram.blocks.set(agent.id, "human", "Name: Ada. Prefers short answers.");
 * @example
 * const engram = createEngram({ database: "postgres://engram@db.internal/engram" });
 * await engram.ready(); // fails here, naming the server, when it cannot be reached
 * @throws InvalidInputError when `database` is not a database, or both `database` and `path` are
 *   given, or the secret key is not a 256-bit key, or an experience setting is out of range.
 */
export function createEngram(options: EngramOptions = {}): Engram {
  const sleeptime = resolveSleeptimeOptions(options.sleeptime);
  const experience = checkExperienceOptions(options.experience) as Partial<ExperienceOptions>;
  const env = options.env ?? process.env;
  const store =
    options.store ??
    openStore(databaseOf(options, env), {
      secrets:
        options.secretKey === undefined ? secretBoxFromEnv(env) : secretBox(options.secretKey, "secretKey"),
    });
  const now = options.now ?? systemClock;
  let embedder: Embedder | null;
  if (options.embedder === undefined) {
    const spec = env.ENGRAM_EMBEDDING_MODEL;
    embedder = spec !== undefined && spec !== "" ? embedderFromSpec(spec, env) : null;
  } else if (typeof options.embedder === "string") {
    embedder = embedderFromSpec(options.embedder, env);
  } else {
    embedder = options.embedder;
  }
  return build(
    {
      vectors: new VectorIndex(store, embedder),
      store,
      now,
      generateId: options.generateId ?? createIdGenerator(now),
      projectId: undefined,
      instanceId: `eng_${randomUUID()}`,
      writeLock: new KeyedLock(),
      env,
      model: options.model,
    },
    experience,
    sleeptime,
    // Shared by every project view: tools are registered once per agent, token counts cached once.
    {
      tools: new ToolRegistry(),
      background: new BackgroundTurns(),
      counter: new TokenCounter(),
      cache: new ConversationCache(),
      options: options.runtime ?? {},
      mcpPool: new McpConnectionPool(),
    },
  );
}

function databaseOf(options: EngramOptions, env: NodeJS.ProcessEnv): DatabaseLocation {
  if (options.database !== undefined && options.path !== undefined)
    throw new InvalidInputError("database and path name the same thing: give one of them");
  if (options.database !== undefined) return parseDatabaseLocation(options.database, "database");
  if (options.path !== undefined) return { kind: "sqlite", path: options.path, label: options.path };
  return defaultDatabaseLocation(env);
}

interface RuntimeShared {
  tools: ToolRegistry;
  background: BackgroundTurns;
  counter: TokenCounter;
  cache: ConversationCache;
  options: RuntimeOptions;
  /** Connections to agents' MCP servers, shared by every project view. */
  mcpPool: McpConnectionPool;
}

// Services most commands and requests never touch: each module loads, and each service is built, on
// first use, so that `engram agent list` or a server's first /health does not wait for them.
const modules = {
  runtime: lazyModule<typeof import("./agent/agent-runtime.ts")>(
    moduleUrl("./agent/agent-runtime", import.meta.url).href,
  ),
  evolution: lazyModule<typeof import("./evolution/evolution-service.ts")>(
    moduleUrl("./evolution/evolution-service", import.meta.url).href,
  ),
  experience: lazyModule<typeof import("./experience/experience-service.ts")>(
    moduleUrl("./experience/experience-service", import.meta.url).href,
  ),
  insights: lazyModule<typeof import("./insights/insight-service.ts")>(
    moduleUrl("./insights/insight-service", import.meta.url).href,
  ),
  search: lazyModule<typeof import("./retrieval/search-service.ts")>(
    moduleUrl("./retrieval/search-service", import.meta.url).href,
  ),
  sleeptime: lazyModule<typeof import("./sleeptime/sleeptime-service.ts")>(
    moduleUrl("./sleeptime/sleeptime-service", import.meta.url).href,
  ),
  transfer: lazyModule<typeof import("./transfer/transfer-service.ts")>(
    moduleUrl("./transfer/transfer-service", import.meta.url).href,
  ),
  groups: lazyModule<typeof import("./groups/group-service.ts")>(
    moduleUrl("./groups/group-service", import.meta.url).href,
  ),
  git: lazyModule<typeof import("./transfer/git/git-service.ts")>(
    moduleUrl("./transfer/git/git-service", import.meta.url).href,
  ),
};

function build(
  ctx: EngineContext,
  experienceOptions: Partial<ExperienceOptions>,
  sleeptimeOptions: SleeptimeOptions,
  runtime: RuntimeShared,
  checkers: CheckerRegistry = new CheckerRegistry(),
): Engram {
  const projects = new ProjectService(ctx);
  const blocks = new BlockService(ctx);
  const agents = new AgentService(ctx, projects);
  const memories = new MemoryService(ctx);
  const messages = new MessageService(ctx);
  const search = once(() => new (modules.search().SearchService)(ctx));
  const insights = once(() => new (modules.insights().InsightService)(ctx));
  const sleeptime = once(
    () =>
      new (modules.sleeptime().SleeptimeService)(
        ctx,
        { insights: insights(), blocks, deliver: (job) => agentRuntime().runDelivery(job) },
        sleeptimeOptions,
      ),
  );
  const transfer = once(() => new (modules.transfer().TransferService)(ctx, projects));
  const history = new HistoryService(ctx, blocks);
  const git = once(() => new (modules.git().GitService)(ctx, { blocks, history }));
  const experience = once(() => new (modules.experience().ExperienceService)(ctx, experienceOptions));
  const evolution = once(
    () => new (modules.evolution().EvolutionService)(ctx, { agents, blocks, insights: insights() }, checkers),
  );
  const searchFn = (agentId: string, input: SearchInput) => search().search(agentId, input);
  const agentRuntime = once(
    () =>
      new (modules.runtime().AgentRuntime)({
        ctx,
        blocks,
        memories,
        messages,
        insights: insights(),
        experience,
        search: searchFn,
        queue: sleeptimeOptions.queue,
        ...runtime,
      }),
  );
  const groups = once(
    () =>
      new (modules.groups().GroupService)(ctx, projects, {
        runtime: agentRuntime,
        background: runtime.background,
        refine: (primary, background, exchange) =>
          refineSharedBlocks({ runtime: agentRuntime(), store: ctx.store }, primary, background, exchange),
      }),
  );
  const feedback = once(
    () =>
      new FeedbackService(ctx, {
        messages,
        experience,
        toolNames: (agentId) => agentRuntime().toolNames(agentId),
      }),
  );
  ctx.onActivity = async (agent, source) => {
    await sleeptime().noteActivity(agent, source);
    if (source === "messages") await sleeptime().noteGraphWrites(agent);
  };
  ctx.onMemoriesWritten = async (agent, written) => {
    await sleeptime().noteFacts(agent, written);
    await sleeptime().noteGraphWrites(agent);
  };
  return {
    store: ctx.store,
    warnings: ctx.store.warnings,
    projects,
    agents,
    blocks,
    history,
    sharedBlocks: new SharedBlockService(ctx, projects),
    events: new EventService(ctx, projects),
    get transfer() {
      return transfer();
    },
    get git() {
      return git();
    },
    memories,
    entities: new EntityService(ctx),
    messages,
    images: new ImageService(ctx),
    get experience() {
      return experience();
    },
    get insights() {
      return insights();
    },
    get evolution() {
      return evolution();
    },
    get sleeptime() {
      return sleeptime();
    },
    get runtime() {
      return agentRuntime();
    },
    get groups() {
      return groups();
    },
    get feedback() {
      return feedback();
    },
    search: searchFn,
    now: ctx.now,
    keys: new KeyService(ctx, projects),
    vectors: new VectorService(ctx),
    webhooks: new WebhookService(ctx, projects),
    mcpServers: new McpServerService(ctx),
    embeddingModel: ctx.vectors.model,
    ready: async () => {
      await ctx.store.ready();
      await ctx.vectors.ready();
    },
    forProject: (projectId, options = {}) =>
      build(
        {
          ...ctx,
          projectId,
          modelPolicy: options.allowedModels === undefined ? undefined : modelPolicy(options.allowedModels),
          mcpPolicy: options.mcpPolicy,
        },
        experienceOptions,
        sleeptimeOptions,
        runtime,
        checkers,
      ),
    close: async () => {
      // Messages agents sent in the background are answered before the database goes away.
      await runtime.background.settled();
      // Stops every MCP server child first: they would otherwise outlive the engine.
      await runtime.mcpPool.close();
      await ctx.store.close();
    },
  };
}
