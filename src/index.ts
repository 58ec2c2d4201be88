/**
 * The library: {@link createEngram} opens engram over a database and returns an {@link Engram}, whose
 * services (agents, blocks, history, memories, messages, experience, insights, runtime …) are the API.
 * Every type their methods take and return is exported here by name.
 *
 * @example
 * import { createEngram, type SearchInput } from "engram";
 *
 * const engram = createEngram({ path: "./agents.db" });
 * const agent = await engram.agents.create({ name: "support" });
 * const query: SearchInput = { query: "when does the contract renew?", k: 5 };
 * const { results } = await engram.search(agent.id, query);
 *
 * @module engram
 */
export type {
  AgentRuntime,
  AgentToolInfo,
  MessageTarget,
  TurnOptions,
  TurnStream,
} from "./agent/agent-runtime.ts";
export type { ClientTool, ClientToolResult, PendingToolCall } from "./agent/client-tools.ts";
export type { CompiledContext } from "./agent/context-compiler.ts";
export type { EarlierMessages, SentMessage } from "./agent/messaging/earlier-messages.ts";
export type { MessageHop, MessageOrigin } from "./agent/messaging/message-chain.ts";
export type { ResponderName } from "./agent/responder-names.ts";
export type { StepView } from "./agent/responders/responder.ts";
export type {
  RetrySettings,
  RuntimeOptions,
  RuntimeSettings,
  RuntimeSettingsInput,
} from "./agent/runtime-config.ts";
export type { AgentTool, AgentToolContext } from "./agent/tool-registry.ts";
export type { MemoryEdit, TurnEvent, TurnResult, TurnUsage } from "./agent/turn-events.ts";
export type { ContextInput, TurnInput } from "./agent/turn-input.ts";
export type { Clock } from "./core/clock.ts";
export type { EngramErrorOptions, ErrorCode } from "./core/errors.ts";
export {
  ConflictError,
  EngramError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UnsupportedFormatError,
} from "./core/errors.ts";
export type {
  AttemptRecord,
  ComponentChange,
  ContextBlock,
  Decision,
  EvolutionCandidate,
  EvolutionRun,
  LearnedContext,
  RunStatus,
} from "./core/evolution-types.ts";
export type {
  BuiltinField,
  FilterCondition,
  FilterField,
  FilterNode,
  FilterOperator,
  FilterScalar,
} from "./core/filter/filter-ast.ts";
export {
  type FilterInput,
  filterSchema,
  MEMORY_FILTER_FIELDS,
  MESSAGE_FILTER_FIELDS,
  memoryFilterSchema,
  messageFilterSchema,
} from "./core/filter/filter-parse.ts";
export type {
  AgentGraph,
  Entity,
  EntityMention,
  EntityType,
  GraphFactRelation,
  GraphFacts,
  GraphRecord,
  GraphSource,
  Relation,
} from "./core/graph-types.ts";
export { ENTITY_TYPES } from "./core/graph-types.ts";
export type { Group, GroupMember, GroupPattern, GroupStep } from "./core/group-types.ts";
export type { IdGenerator, IdKind } from "./core/ids.ts";
export type {
  HttpMcpServer,
  McpServer,
  McpServerConfig,
  McpServerView,
  StdioMcpServer,
} from "./core/mcp-server-types.ts";
export { type SecretBox, secretBox } from "./core/secret-box.ts";
export type { BlockAttachment, SharedBlock, SharedBlockEdit } from "./core/shared-block-types.ts";
export type {
  ActionStats,
  Actor,
  Agent,
  ApiKey,
  Author,
  Blob,
  Block,
  Branch,
  Commit,
  EngramEvent,
  Episode,
  EpisodeStep,
  ExperienceRecord,
  Insight,
  Job,
  JobStatus,
  JsonObject,
  Memory,
  MemoryVersion,
  Message,
  MessageRole,
  NewEvent,
  Page,
  Project,
  Provenance,
  TreeEntry,
} from "./core/types.ts";
export type { Webhook, WebhookDelivery } from "./core/webhook-types.ts";
export type { Engram, EngramOptions, ProjectViewOptions } from "./engram.ts";
export { createEngram, defaultDatabasePath } from "./engram.ts";
export type { EnvironmentName } from "./environments/environment.ts";
export type {
  Checker,
  CheckerRegistry,
  CheckInput,
  CheckResult,
  DistillOptions,
  DistillResult,
  DistillSource,
  EnvironmentTask,
  EvolutionReport,
  EvolutionResult,
  EvolutionRollback,
  EvolutionService,
  EvolveOptions,
  EvolveSettings,
  GateConfig,
  GateDecision,
  GateKind,
  PairedGateSettings,
  ReportCandidate,
  ReportChange,
  RunConfig,
  RunDrivers,
  RunInput,
  Split,
  Task,
  TaskRunner,
  TextTask,
} from "./evolution/index.ts";
export { modelTaskRunner, reportMarkdown, systemPrompt } from "./evolution/index.ts";
export type { Advice, AdviceItem } from "./experience/advice.ts";
export type { ExperienceService, RecordedStep } from "./experience/experience-service.ts";
export type { ExperienceOptions, ExperienceTable, TableChanges } from "./experience/experience-table.ts";
export type { SimilarRecord } from "./experience/observation-index.ts";
export type { AdviceInput, EpisodeInput, StepInput } from "./experience/schemas.ts";
export type { Similarity } from "./experience/similarity.ts";
export type { FeedbackInput } from "./feedback/feedback-schemas.ts";
export type { Feedback, FeedbackService, FeedbackServices } from "./feedback/feedback-service.ts";
export type { TurnAdviceItem } from "./feedback/turn-advice.ts";
export { extractEntities } from "./graph/entity-extractor.ts";
export type { EntityDetail, EntityListInput, EntityService } from "./graph/entity-service.ts";
export type { GroupEvent, GroupTurnResult, ReusedTurn } from "./groups/group-events.ts";
export type { GroupInput, GroupMessageInput } from "./groups/group-input.ts";
export type { GroupMessageOptions, GroupService, GroupStream } from "./groups/group-service.ts";
export type { ContentPart } from "./images/content-parts.ts";
export type { ImageRef } from "./images/image-record.ts";
export type { ImageService, ImageView } from "./images/image-service.ts";
export type {
  ExtractOptions,
  InsightOperation,
  InsightPlan,
  InsightResult,
  InsightService,
} from "./insights/insight-service.ts";
export type {
  Authentication,
  CreatedKey,
  CreateKeyInput,
  KeyRejection,
  KeyService,
} from "./keys/key-service.ts";
export { type McpPolicy, UNRESTRICTED_MCP } from "./mcp-tools/mcp-policy.ts";
export { type McpServerInput, SECRET_MASK } from "./mcp-tools/mcp-server-config.ts";
export type { McpServerService, PutMcpServerResult } from "./mcp-tools/mcp-server-service.ts";
export type { McpServerStatus } from "./mcp-tools/mcp-tool-set.ts";
export type {
  AgentService,
  CreateAgentInput,
  ForkAgentInput,
  UpdateAgentInput,
} from "./memory/agents/agent-service.ts";
export type {
  BlockAt,
  BlockService,
  BlockSet,
  CommitResult,
  PreparedCommit,
  ReadOptions,
  SetBlockOptions,
} from "./memory/blocks/block-service.ts";
export type {
  BlockDiff,
  BlockSettings,
  CommitDiff,
  HistoryService,
  RevertOptions,
} from "./memory/blocks/history-service.ts";
export type { DiffLine } from "./memory/blocks/line-diff.ts";
export type { CommitInput } from "./memory/blocks/schemas.ts";
export type {
  CreateSharedBlockInput,
  SharedBlockInfo,
  SharedBlockService,
} from "./memory/blocks/shared-block-service.ts";
export { EVENT_KINDS, type EventKind } from "./memory/events/event-kinds.ts";
export type { EventFollowOptions, EventListOptions, EventService } from "./memory/events/event-service.ts";
export type {
  MemoryService,
  MemoryUpdateResult,
  MemoryWriteResult,
} from "./memory/memories/memory-service.ts";
export type { MemoryScope, ProjectMemoryAccess } from "./memory/memories/project-memory.ts";
export type { MemoryInput, MemoryListInput, MemoryPatch } from "./memory/memories/schemas.ts";
export type { MessageInput, MessageListInput, MessageService } from "./memory/messages/message-service.ts";
export type { ProjectService } from "./memory/projects/project-service.ts";
export type { Embedder, EmbeddingJob } from "./models/embedder.ts";
export type { SearchInput } from "./retrieval/search-schema.ts";
export type { ScoreComponents, SearchResponse, SearchResult } from "./retrieval/search-service.ts";
export type {
  ReindexOptions,
  ReindexProgress,
  ReindexResult,
  VectorService,
  VectorStatus,
} from "./retrieval/vector-service.ts";
export type { JobChange } from "./sleeptime/change-set.ts";
export type { JobKind, SleepJobKind, SleeptimeConfig, SleeptimeOptions } from "./sleeptime/options.ts";
export { JOB_KINDS, SLEEP_JOB_KINDS, SLEEPTIME_DEFAULTS } from "./sleeptime/options.ts";
export type { RunningScheduler, SchedulerOptions } from "./sleeptime/scheduler.ts";
export { startSleeptimeScheduler } from "./sleeptime/scheduler.ts";
export type {
  ActivitySource,
  JobListInput,
  SleepInput,
  SleepProgress,
  SleepRun,
  SleeptimeService,
} from "./sleeptime/sleeptime-service.ts";
export type { EntityListing, EntityPosition, GraphStore, GraphUsers } from "./store/graph-store.ts";
export type { AgentImport } from "./store/import-agent.ts";
export type { ClaimOptions, JobFilter, JobStore, WatermarkAdvance } from "./store/job-store.ts";
export type {
  AttachmentChange,
  SharedBlockStore,
  SharedBlockWrite,
  SharedEditWrite,
} from "./store/shared-block-store.ts";
export type { SqliteStoreOptions } from "./store/sqlite/sqlite-store.ts";
export { createSqliteStore } from "./store/sqlite/sqlite-store.ts";
export type {
  AgentStore,
  AppendCommit,
  ArchivedFilter,
  DeliveryOutcome,
  EpisodeStore,
  EventQuery,
  EventStore,
  EvolutionStore,
  ExperienceStore,
  GraphRecords,
  GroupStore,
  HistorySnapshot,
  HistoryStore,
  ImageStore,
  IndexedMessage,
  InsightChanges,
  InsightStore,
  KeyedMatch,
  KeyFactsRequest,
  KeyStore,
  LeaderLease,
  LeaderLeaseStore,
  LearningWrite,
  LexicalHit,
  ListOptions,
  McpServerChange,
  McpServerStore,
  MemoryFilter,
  MemoryStore,
  MemoryWrite,
  MessageField,
  MessageFilter,
  MessageStore,
  MessageTextQuery,
  MessageWeights,
  PendingVectorSearch,
  ProjectStore,
  SettingsStore,
  Store,
  StoreCapabilities,
  StoredApiKey,
  StoredImage,
  StoredWebhook,
  Supersession,
  TurnLease,
  TurnLeaseStore,
  UserConversation,
  VectorHit,
  VectorIndexReport,
  VectorItem,
  VectorItems,
  VectorSpace,
  VectorStore,
  WebhookChange,
  WebhookStore,
} from "./store/store.ts";
export {
  applyOperation,
  collectWork,
  type ExperienceImport,
  type InstructionsChange,
  type JobCompletion,
  type SharedBlockImport,
  type UnitOfWork,
  type WorkHandlers,
  type WorkOperation,
} from "./store/unit-of-work.ts";
export {
  COPY_NOTES,
  type CopiedCounts,
  type CopyOptions,
  type CopyProgress,
  type CopyReport,
  copyDatabase,
} from "./transfer/copy-database.ts";
export type { ExportDocument } from "./transfer/format.ts";
export { EXPORT_FORMAT, EXPORT_VERSION } from "./transfer/format.ts";
export type {
  GitExportOptions,
  GitExportReport,
  GitImportReport,
  GitService,
} from "./transfer/git/git-service.ts";
export type { ImportFormat } from "./transfer/peers/build.ts";
export type {
  ImportOptions,
  ImportReport,
  ImportResult,
  TransferService,
} from "./transfer/transfer-service.ts";
export {
  type AllowPattern,
  checkDestination,
  isNonPublic,
  type OutboundPolicy,
  parseAllowPattern,
} from "./webhooks/outbound-policy.ts";
export {
  SIGNATURE_HEADER,
  signDelivery,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from "./webhooks/signature.ts";
export type { WebhookDispatcher, WebhookDispatchOptions } from "./webhooks/webhook-dispatcher.ts";
export type {
  CreatedWebhook,
  WebhookInput,
  WebhookPatch,
  WebhookService,
} from "./webhooks/webhook-service.ts";
