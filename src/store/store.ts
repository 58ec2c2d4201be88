import type { EvolutionCandidate, EvolutionRun } from "../core/evolution-types.ts";
import type { FilterNode } from "../core/filter/filter-ast.ts";
import type { GraphRecord } from "../core/graph-types.ts";
import type { Group } from "../core/group-types.ts";
import type { McpServer } from "../core/mcp-server-types.ts";
import type {
  Agent,
  ApiKey,
  Blob,
  Branch,
  Commit,
  EngramEvent,
  Episode,
  EpisodeStep,
  ExperienceRecord,
  Insight,
  JsonObject,
  Memory,
  MemoryVersion,
  Message,
  NewEvent,
  Project,
} from "../core/types.ts";
import type { Webhook, WebhookDelivery } from "../core/webhook-types.ts";
import type { GraphStore } from "./graph-store.ts";
import type { JobStore } from "./job-store.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

export type { ClaimOptions, JobFilter, JobStore, WatermarkAdvance } from "./job-store.ts";
export type {
  ExperienceImport,
  InstructionsChange,
  JobCompletion,
  UnitOfWork,
  WorkOperation,
} from "./unit-of-work.ts";

import type { SharedBlockStore, SharedEditWrite } from "./shared-block-store.ts";

export type { GraphStore, GraphUsers } from "./graph-store.ts";
export type {
  AttachmentChange,
  SharedBlockStore,
  SharedBlockWrite,
  SharedEditWrite,
} from "./shared-block-store.ts";

/**
 * Storage behind engram. Every mutating method is atomic: it writes all it is given, including its
 * events, or nothing. Writes that span domains (a sleep-time job's changes with its completion, an
 * evolution run with an accepted candidate's changes, an import) are composed by the services as a
 * {@link UnitOfWork}. Methods are async so that a networked backend (PostgreSQL) can implement the
 * same interface. What a backend can do beyond the contract is told by `capabilities`.
 */
export interface Store {
  /** The backend's name, e.g. `sqlite`. */
  readonly kind: string;
  readonly capabilities: StoreCapabilities;
  /** Non-fatal problems found when the store opened (e.g. the vector extension could not load). */
  readonly warnings: readonly string[];
  readonly projects: ProjectStore;
  readonly agents: AgentStore;
  readonly history: HistoryStore;
  /** Blocks owned by a project and attached to several of its agents. */
  readonly sharedBlocks: SharedBlockStore;
  readonly events: EventStore;
  readonly memories: MemoryStore;
  readonly messages: MessageStore;
  /** The entity graph learned from memories and messages. */
  readonly graph: GraphStore;
  /**
   * Vector storage; present only when `capabilities.vectors`. A store that opens in the background
   * (PostgreSQL, which learns then whether the server has pgvector) settles both once `ready()` resolves.
   */
  readonly vectors: VectorStore | null;
  readonly episodes: EpisodeStore;
  readonly experience: ExperienceStore;
  readonly insights: InsightStore;
  /** Self-evolution runs and their candidates. */
  readonly evolution: EvolutionStore;
  /** Small persistent key/value settings (e.g. the embedding model in use). */
  readonly settings: SettingsStore;
  /** The persistent job queue (sleep-time work); a job completes in a unit of work with its changes. */
  readonly jobs: JobStore;
  /** API keys (stored as hashes of their secrets). */
  readonly keys: KeyStore;
  /** Who is running a turn of each conversation, so that turns run one at a time across processes. */
  readonly turnLeases: TurnLeaseStore;
  /** Webhooks of each project and their delivery log. */
  readonly webhooks: WebhookStore;
  /** The MCP servers each agent takes tools from. */
  readonly mcpServers: McpServerStore;
  /** Groups of a project's agents. */
  readonly groups: GroupStore;
  /** Roles one engine at a time holds among all on the database (e.g. running the sleep-time schedule). */
  readonly leaderLeases: LeaderLeaseStore;
  /** Images of messages, stored once per agent by content hash. */
  readonly images: ImageStore;
  /**
   * Resolves once the store is open (connected, migrated); rejects with why it cannot open. Every
   * operation waits for it, so calling it is needed only to learn of a problem early.
   */
  ready(): Promise<void>;
  /** A new unit of work: writes across domains, applied together in one transaction at its commit. */
  unitOfWork(): UnitOfWork;
  close(): Promise<void>;
}

/** What a change of an MCP server writes: the server as it will be, and the event that records it. */
export interface McpServerChange {
  server: McpServer;
  event: NewEvent;
}

/** The MCP servers of each agent, by name. */
export interface McpServerStore {
  /** The agent's servers, by name. */
  list(agentId: string): Promise<McpServer[]>;
  get(agentId: string, name: string): Promise<McpServer | null>;
  /**
   * Creates or replaces the agent's server of that name, with its event, in one transaction. `change`
   * is given the server as stored in that transaction (null: none) and must only compute.
   * @throws NotFoundError when the agent does not exist
   */
  put(
    agentId: string,
    name: string,
    change: (before: McpServer | null) => McpServerChange,
  ): Promise<{ before: McpServer | null; after: McpServer }>;
  /**
   * Deletes the agent's server of that name, with the event `event` makes of it, in one transaction.
   * @throws NotFoundError when there is none
   */
  delete(agentId: string, name: string, event: (before: McpServer) => NewEvent): Promise<McpServer>;
}

/** A webhook as stored: what is shown, plus its signing secret. */
export interface StoredWebhook extends Webhook {
  /**
   * Null when this process cannot open it: it is sealed at rest and the process lacks the key that
   * opens it (`secretProblem` says so). Such a webhook can be listed and changed, not sent.
   */
  secret: string | null;
  secretProblem?: string | undefined;
}

/** How one event's delivery ended, written with its attempts' log in one transaction. */
export interface DeliveryOutcome {
  webhookId: string;
  /** Every attempt made, in order. */
  attempts: WebhookDelivery[];
  /** The event's seq: the webhook's cursor moves here. */
  cursor: number;
  consecutiveFailures: number;
  /** Set when the webhook is disabled by this outcome, with the event that says so. */
  disabled: { reason: string; event: NewEvent } | null;
  at: string;
}

/** A webhook's new state, and the event that records the change. */
export interface WebhookChange {
  webhook: StoredWebhook;
  event: NewEvent;
}

export interface WebhookStore {
  /** @throws NotFoundError when the project does not exist. */
  create(webhook: StoredWebhook & { secret: string }, event: NewEvent): Promise<void>;
  get(id: string): Promise<StoredWebhook | null>;
  /** Oldest first, by id; every project's when `projectId` is absent. */
  list(options: ListOptions & { projectId?: string | undefined }): Promise<StoredWebhook[]>;
  /** Enabled webhooks of every project (what a dispatcher serves). */
  enabled(): Promise<StoredWebhook[]>;
  /**
   * Changes a webhook in one transaction: `change` is given it as stored there and must only compute;
   * the url, events, state (enabled, reason, failures) and cursor it returns are written with its
   * event. Turning a disabled webhook on forgets the tries begun on the event it stopped at (see
   * `beginTry`): that event is given its full tries again. @throws NotFoundError when there is none.
   */
  update(
    id: string,
    change: (before: StoredWebhook) => WebhookChange,
  ): Promise<{ before: StoredWebhook; after: StoredWebhook }>;
  /** Deletes the webhook and its delivery log. @throws NotFoundError when there is none. */
  delete(id: string, event: NewEvent): Promise<void>;
  /**
   * Takes (or renews) the right to deliver the webhook's events until `expiresMs`, unless another
   * owner holds it and it has not lapsed by `nowMs`. Returns whether `owner` holds it now.
   */
  claim(id: string, owner: string, nowMs: number, expiresMs: number): Promise<boolean>;
  /**
   * Claims the webhook as `claim` does and, in the same statement, counts a try of the event at `seq`
   * as begun. Returns the try's number among every try begun on that event, by any owner (those that
   * ended with no outcome recorded, their owner having lost its claim or stopped, included), or null
   * when another owner holds the webhook (nothing is counted).
   */
  beginTry(id: string, owner: string, seq: number, nowMs: number, expiresMs: number): Promise<number | null>;
  /** Gives the claim up, if `owner` still has it. */
  release(id: string, owner: string): Promise<void>;
  /**
   * Records an event's delivery attempts and moves the webhook on, in one transaction, if `owner`
   * still holds the claim (no other owner has taken it since). Returns false, recording nothing, when
   * another owner has: that one delivers the event and records its outcome.
   */
  recordOutcome(outcome: DeliveryOutcome, owner: string): Promise<boolean>;
  /** Newest first; `after` is the id of the last delivery of the previous page. */
  deliveries(webhookId: string, options: ListOptions): Promise<WebhookDelivery[]>;
}

export interface GroupStore {
  /**
   * Adds a group with its members, in one transaction.
   * @throws NotFoundError when the project, or an agent it names within that project, does not exist.
   */
  create(group: Group, event: NewEvent): Promise<void>;
  get(id: string): Promise<Group | null>;
  /** Oldest first, by id; every project's when `projectId` is absent. */
  list(options: ListOptions & { projectId?: string | undefined }): Promise<Group[]>;
  /** @throws NotFoundError when there is none. */
  delete(id: string, event: NewEvent): Promise<void>;
}

/** An image of an agent's messages, addressed by the SHA-256 of its bytes. */
export interface StoredImage {
  agentId: string;
  sha256: string;
  mediaType: string;
  size: number;
  data: Uint8Array;
  /** What the model saw in it, when one was asked; searchable through the messages that carry it. */
  caption: string | null;
  createdAt: string;
}

/** Images, once per (agent, hash): storing one already there changes nothing. */
export interface ImageStore {
  put(images: readonly StoredImage[]): Promise<void>;
  get(agentId: string, sha256: string): Promise<StoredImage | null>;
  /** All of an agent's images, oldest first (for export). */
  list(agentId: string): Promise<StoredImage[]>;
  /** Gives an image without a caption its caption; false when it had one or is not there. */
  setCaption(agentId: string, sha256: string, caption: string): Promise<boolean>;
}

/** A server's claim on a conversation while it runs a turn. */
export interface TurnLease {
  /** Names the claim (the turn's id). */
  holder: string;
  /** The engine instance holding it (random per engine, so it names a server on any machine). */
  owner: string;
  /** When it lapses unless renewed: a server that died or hung stops renewing. */
  expiresMs: number;
}

/**
 * One turn at a time per conversation, across every engine on the database: a lease that names
 * its owner and lapses unless the owner renews it. Nothing about a process or a machine is assumed.
 */
export interface TurnLeaseStore {
  /**
   * Takes the conversation for `lease.holder`, in one transaction, unless another holder has it that
   * has not lapsed by `nowMs`. Returns the lease that stands after the call: `lease` itself when taken.
   */
  acquire(agentId: string, conversation: string, lease: TurnLease, nowMs: number): Promise<TurnLease>;
  /** Moves the lease's expiry on; false when `holder` no longer holds it (it lapsed and was taken). */
  renew(agentId: string, conversation: string, holder: string, expiresMs: number): Promise<boolean>;
  /** Gives the conversation up, if `holder` still has it. */
  release(agentId: string, conversation: string, holder: string): Promise<void>;
}

/** Who holds a named role, until when. */
export interface LeaderLease {
  /** The engine instance holding it. */
  owner: string;
  /** When it lapses unless renewed: a server that died or hung stops renewing. */
  expiresMs: number;
}

/**
 * Named roles held by one engine at a time across every engine on the database: a lease that names
 * its owner and lapses unless the owner renews it, so a dead holder's role passes to another.
 */
export interface LeaderLeaseStore {
  /**
   * Takes the role for `owner` until `expiresMs`, or renews it when `owner` holds it already, unless
   * another owner holds it and it has not lapsed by `nowMs`. Atomic: of several engines claiming
   * at once, one wins. Returns whether `owner` holds it now.
   */
  claim(name: string, owner: string, nowMs: number, expiresMs: number): Promise<boolean>;
  /** The role's last holder (its lease may have lapsed: compare `expiresMs`), or null. */
  get(name: string): Promise<LeaderLease | null>;
  /** Gives the role up, if `owner` still has it, so another engine can take it at once. */
  release(name: string, owner: string): Promise<void>;
}

export interface StoreCapabilities {
  /** Vector similarity search is available. */
  vectors: boolean;
  /** Full-text (BM25) search is available. */
  fullText: boolean;
}

export interface ListOptions {
  /** Return items strictly after this cursor. */
  after?: string | undefined;
  limit: number;
}

export interface ProjectStore {
  /** @throws ConflictError when the name is taken. */
  create(project: Project, event: NewEvent): Promise<void>;
  get(id: string): Promise<Project | null>;
  getByName(name: string): Promise<Project | null>;
  list(options: ListOptions): Promise<Project[]>;
  /** @throws ConflictError when the new name is taken. */
  update(project: Project, event: NewEvent): Promise<void>;
  /** Deletes the project and everything its agents own. */
  delete(id: string, event: NewEvent): Promise<void>;
}

/** An API key as stored: what is shown, plus the hex SHA-256 of its secret. */
export interface StoredApiKey extends ApiKey {
  secretHash: string;
}

export interface KeyStore {
  /** @throws NotFoundError when the project does not exist; ConflictError when the id does. */
  create(key: StoredApiKey, event: NewEvent): Promise<void>;
  get(id: string): Promise<StoredApiKey | null>;
  /** Oldest first, by id; `after` is the id of the last key of the previous page. Never the hashes. */
  list(
    options: ListOptions & { projectId?: string | undefined; includeRevoked?: boolean | undefined },
  ): Promise<ApiKey[]>;
  /**
   * Marks a key revoked at `at` and writes the event, unless it already was (then nothing is written).
   * Returns whether this call revoked it. @throws NotFoundError when there is no such key.
   */
  revoke(id: string, at: string, event: NewEvent): Promise<boolean>;
  /** Records that the key authenticated a request at `at` (no event: it describes no change). */
  touch(id: string, at: string): Promise<void>;
  /** How many keys are not revoked, in one project or in all. */
  countActive(projectId?: string): Promise<number>;
}

/** The full block history of one agent: commits in parent-before-child order, blobs and refs. */
export interface HistorySnapshot {
  commits: Commit[];
  blobs: Blob[];
  branches: { name: string; head: string }[];
}

export interface AgentStore {
  /**
   * Creates an agent together with its history.
   * @throws ConflictError when the id exists, or the project has an agent of that name.
   */
  create(agent: Agent, history: HistorySnapshot, events: NewEvent[]): Promise<void>;
  get(id: string): Promise<Agent | null>;
  /** The project's agent with this name (names are unique within a project). */
  getByName(projectId: string, name: string): Promise<Agent | null>;
  /** An agent and the id of the agent of its project named `name` (null: none), in one read. */
  getWithSiblingId(id: string, name: string): Promise<{ agent: Agent; siblingId: string | null } | null>;
  list(options: ListOptions & { projectId?: string | undefined }): Promise<Agent[]>;
  /** @throws ConflictError when another agent of the project has the new name. */
  update(agent: Agent, event: NewEvent): Promise<void>;
  /**
   * Deletes the agent and all it owns (commits, blobs, branches). Events stay in the audit log. The
   * groups it manages go with it, and it leaves those it is a member of: `groupEvents` is given those
   * groups as they were, read in the same transaction, and its events are written with `event`.
   */
  delete(id: string, event: NewEvent, groupEvents?: (groups: Group[]) => NewEvent[]): Promise<void>;
}

export interface AppendCommit {
  agentId: string;
  branch: string;
  /** The branch must point here, or the append fails with ConflictError and writes nothing. */
  expectedHead: string;
  commit: Commit;
  /** Blobs the commit's tree introduces (existing ones are ignored). */
  blobs: Blob[];
  event: NewEvent;
  /** When the commit edits shared blocks: what it writes on the blocks and their other agents. */
  shared?: SharedEditWrite | undefined;
}

export interface HistoryStore {
  getBranch(agentId: string, name: string): Promise<Branch | null>;
  /** A branch and its head commit in one read (null: no such branch; a null commit: it is missing). */
  getHead(agentId: string, name: string): Promise<{ branch: Branch; commit: Commit | null } | null>;
  listBranches(agentId: string): Promise<Branch[]>;
  getCommit(agentId: string, id: string): Promise<Commit | null>;
  /** Ids of the agent's commits that start with `prefix`, at most `limit`. */
  findCommitIds(agentId: string, prefix: string, limit: number): Promise<string[]>;
  getBlobs(agentId: string, hashes: readonly string[]): Promise<Map<string, string>>;
  /** The first-parent chain from `from`, newest first. */
  log(agentId: string, from: string, options: { limit: number }): Promise<Commit[]>;
  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  isAncestor(agentId: string, ancestor: string, descendant: string): Promise<boolean>;
  /** Adds a commit and moves the branch to it, if the branch is still at `expectedHead`. */
  append(input: AppendCommit): Promise<void>;
  /**
   * Points a branch at a commit. `expectedHead` null means the branch must not exist yet.
   * @throws ConflictError when the branch is elsewhere (or exists, for null).
   */
  setBranch(input: {
    agentId: string;
    name: string;
    commitId: string;
    expectedHead: string | null;
    event: NewEvent;
  }): Promise<void>;
  deleteBranch(input: {
    agentId: string;
    name: string;
    expectedHead: string;
    event: NewEvent;
  }): Promise<void>;
  /** Everything reachable from the agent's branches, or from `from` only when given. */
  snapshot(agentId: string, from?: string): Promise<HistorySnapshot>;
}

export interface EventQuery {
  projectId?: string | undefined;
  agentId?: string | undefined;
  kind?: string | undefined;
  /** Only kinds of this family: `memory` for `memory.created`, `memory.updated`, … (`memory.*`). */
  kindFamily?: string | undefined;
  /** Any of these kinds. */
  kinds?: readonly string[] | undefined;
  /** Only events caused by this actor. */
  actor?: string | undefined;
  /** Leave out events caused by this actor (e.g. `sleeptime`, to see only what others did). */
  excludeActor?: string | undefined;
  limit: number;
  /** Return events with `seq` greater than this. */
  afterSeq?: number | undefined;
  /** Return events with `seq` less than this. */
  beforeSeq?: number | undefined;
  /** The highest `seq` first (a page of the latest events), rather than the lowest. */
  newestFirst?: boolean | undefined;
}

export interface EventStore {
  list(query: EventQuery): Promise<EngramEvent[]>;
  /**
   * How many events match (ignoring `limit`), and the highest matching `seq` (`afterSeq`, or 0, when
   * none). Cheap when `agentId` and `afterSeq` narrow it: used on every append by sleep-time triggers.
   */
  tally(query: Omit<EventQuery, "limit">): Promise<{ count: number; lastSeq: number }>;
  /** The highest `seq` in the log (0 when it is empty). */
  lastSeq(): Promise<number>;
  /**
   * Calls `listener` soon after events written through this store commit (several writes may make
   * one call). Whether writes by other processes are seen depends on the backend (SQLite: no;
   * PostgreSQL: yes, every server's), so a follower also polls. Returns the unsubscriber.
   */
  watch(listener: () => void): () => void;
}

/** Filters shared by memory listing and search. All given filters must hold. */
export interface MemoryFilter {
  agentId: string;
  /** Only this user's memories (plus the agent's own, user-less ones when `includeShared`). */
  userId?: string | undefined;
  includeShared?: boolean | undefined;
  kinds?: string[] | undefined;
  /** Memories carrying every one of these tags. */
  tags?: string[] | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  /** Only facts valid at this instant (validFrom <= t < validTo). */
  validAt?: string | undefined;
  /** Archived memories: left out (`exclude`, the default), listed too (`include`), or alone (`only`). */
  archived?: ArchivedFilter | undefined;
  /** A parsed metadata filter (see `memoryFilterSchema`): applied before ranking and paging. */
  filter?: FilterNode | undefined;
  /** Only these memories (e.g. the hits of a vector search, to be held to the other conditions). */
  ids?: readonly string[] | undefined;
}

export type ArchivedFilter = "exclude" | "include" | "only";

/**
 * One end user's messages (`userId`), or the messages of no user (null), in one session
 * (`sessionId`) or in none (null).
 */
export interface UserConversation {
  userId: string | null;
  sessionId: string | null;
}

export interface MessageFilter {
  agentId: string;
  userId?: string | undefined;
  sessionId?: string | undefined;
  roles?: string[] | undefined;
  after?: string | undefined;
  before?: string | undefined;
  /** A parsed metadata filter (see `messageFilterSchema`): applied before ranking and paging. */
  filter?: FilterNode | undefined;
  /** Only these messages (e.g. the hits of a vector search, to be held to the other conditions). */
  ids?: readonly string[] | undefined;
}

/** A candidate from a full-text match: higher `score` is better (negated BM25). */
export interface LexicalHit<T> {
  item: T;
  score: number;
}

export interface MemoryWrite {
  memory: Memory;
  version: MemoryVersion;
  event: NewEvent;
  /**
   * The index terms of the memory's text joined by single spaces (`joinedTerms(text)`),
   * when the writer analyses the text beforehand, perhaps on another thread: called when the
   * full-text row is written (after the write's other rows), it may wait for them.
   */
  textTerms?: () => string;
}

/** A fact's key as it is matched: the same key, agent and user (see `keyedMatch`). */
export interface KeyedMatch {
  agentId: string;
  userId: string | null;
  key: string;
}

/** A key's facts true at or after `since`, as `MemoryStore.keyFacts` reads them. */
export type KeyFactsRequest = KeyedMatch & { since: string };

/**
 * What keyed writes close, applied in the insert's transaction: the facts of each key true at or
 * after `since` must still be exactly `ids` (else ConflictError, and nothing is written), then each
 * change is applied at the version it was read at.
 */
export interface Supersession {
  keys: (KeyFactsRequest & { ids: readonly string[] })[];
  closes: { write: MemoryWrite; expectedVersion: number }[];
}

export interface MemoryStore {
  /**
   * Inserts memories with their first versions and events, all or nothing; with `supersession`, the
   * facts they close are closed in the same transaction.
   */
  insert(writes: MemoryWrite[], supersession?: Supersession): Promise<void>;
  /**
   * For each key asked about, its facts still true at or after `since`: its memories not archived
   * whose validTo is null or later than `since`, in write order. One read for a batch's keys.
   */
  keyFacts(requests: readonly KeyFactsRequest[]): Promise<Memory[][]>;
  get(agentId: string, id: string): Promise<Memory | null>;
  /** Replaces a memory if it is still at `expectedVersion`. @throws ConflictError otherwise. */
  update(write: MemoryWrite, expectedVersion: number): Promise<void>;
  /** Removes a memory (its history stays). */
  delete(agentId: string, id: string, version: MemoryVersion, event: NewEvent): Promise<void>;
  history(agentId: string, id: string): Promise<MemoryVersion[]>;
  /** The versions of each of these memories, oldest first; a memory with none is absent. */
  histories(agentId: string, ids: readonly string[]): Promise<Map<string, MemoryVersion[]>>;
  /**
   * Newest first, or oldest first with `oldestFirst`. `after` is the id of the last memory of the
   * previous page: the page holds the ids below it (newest first) or above it (oldest first).
   */
  list(filter: MemoryFilter, options: ListOptions & { oldestFirst?: boolean | undefined }): Promise<Memory[]>;
  /**
   * Full-text candidates ranked by BM25 over the memories' text and tags, best first. `terms` are plain tokens; the store builds a safe query from them. Archived memories
   * are never candidates.
   */
  searchText(filter: MemoryFilter, terms: readonly string[], limit: number): Promise<LexicalHit<Memory>[]>;
  getMany(agentId: string, ids: readonly string[]): Promise<Memory[]>;
  /**
   * Whether these terms leave `searchText` nothing to rank by because the ones that occur at all are
   * too common (a caller may then fall back to recency). False for terms that simply match nothing.
   */
  tooCommonToRank(agentId: string, terms: readonly string[]): Promise<boolean>;
  /**
   * Counts an access (a retrieval) of each memory. Reads through this store see it at once; a backend
   * may write it later (it is bookkeeping, not a caller's data), but must write it by `close()`.
   */
  recordAccess(agentId: string, ids: readonly string[], at: string): Promise<void>;
  count(agentId: string): Promise<number>;
}

/** The texts a message is found by, each indexed in its own weighted column. */
export const MESSAGE_FIELDS = ["text", "caption", "prev", "next", "window", "date"] as const;
export type MessageField = (typeof MESSAGE_FIELDS)[number];
export type MessageWeights = Record<MessageField, number>;

/** A message with the texts it is indexed under. */
export interface IndexedMessage {
  message: Message;
  fields: Record<MessageField, string>;
}

/** A full-text query over messages: terms (analysed) OR'ed, scored by BM25 with column weights. */
export interface MessageTextQuery {
  terms: readonly string[];
  weights: MessageWeights;
}

export interface MessageStore {
  /**
   * Appends messages, indexed under their own text and their neighbours' (context), and re-indexes
   * earlier messages whose context changed, in one transaction.
   */
  append(messages: IndexedMessage[], reindex: IndexedMessage[], events: NewEvent[]): Promise<void>;
  get(agentId: string, id: string): Promise<Message | null>;
  /** Oldest first; `after` is the id of the last message of the previous page. */
  list(filter: MessageFilter, options: ListOptions & { newestFirst?: boolean }): Promise<Message[]>;
  searchText(filter: MessageFilter, query: MessageTextQuery, limit: number): Promise<LexicalHit<Message>[]>;
  /**
   * Whether these terms leave `searchText` nothing to rank by because the ones that occur at all are
   * too common (a caller may then fall back to recency). False for terms that simply match nothing.
   */
  tooCommonToRank(agentId: string, terms: readonly string[]): Promise<boolean>;
  /**
   * In how many of the agent's messages each (analysed) term occurs in the message's own text; a
   * term in more than `POSTING_BUDGET` is given as `POSTING_BUDGET + 1` (it is too common to search).
   */
  documentFrequencies(agentId: string, terms: readonly string[]): Promise<Map<string, number>>;
  /** The distinct speaker names in the agent's messages; with `userId`, in that end user's alone. */
  speakers(agentId: string, userId?: string): Promise<string[]>;
  /**
   * Whether the agent has messages of an end user other than `userId` (messages of no user do not
   * count): two index seeks (the smallest user id and the largest), however many messages there are.
   */
  otherUserExists(agentId: string, userId: string): Promise<boolean>;
  /**
   * The message appended right after each given one in its conversation (the same end user, or none,
   * and the same session: another user's or session's turns between them are passed over), by the
   * id it follows; none for a conversation's last message or an id that is not the agent's. One read
   * for all.
   */
  following(agentId: string, ids: readonly string[]): Promise<Map<string, Message>>;
  /**
   * The latest `limit` messages of each given conversation of the agent (an end user's messages, or
   * those of no user, in one session or in none), all in the order they were appended. One read for
   * all of them, each through its user's own messages (or those of no user).
   */
  latestInConversations(
    agentId: string,
    conversations: readonly UserConversation[],
    limit: number,
  ): Promise<Message[]>;
  count(agentId: string): Promise<number>;
  /**
   * The agent's message count for ranking statistics: exact, or counted since no more than a tenth
   * of it were appended (counting every message of a large agent on each search is its slowest part).
   */
  countForRanking(agentId: string): Promise<number>;
}

/** Whether the agent's smallest and largest user ids (null: it has none) name someone else than `userId`. */
export function holdsOtherUser(
  range: { first: string | null; last: string | null } | undefined,
  userId: string,
): boolean {
  if (range === undefined || range.first === null) return false;
  return range.first !== userId || range.last !== userId;
}

/** A nearest-neighbour hit: `distance` is cosine distance (0 = same direction). */
export interface VectorHit {
  id: string;
  distance: number;
}

export type VectorSpace = "memories" | "messages";

/** An item's vector: the item is a memory or message, by id. */
export interface VectorItem {
  id: string;
  vector: Float32Array;
}

/**
 * Items' vectors for a unit of work: ready, or still being computed on another thread, to be waited
 * for (synchronously) only when the unit stores them, after writing everything before them.
 */
export type VectorItems = readonly VectorItem[] | (() => readonly VectorItem[]);

/** The vectors of `items`, waiting for them if they are still being computed. */
export function vectorItemsNow(items: VectorItems): readonly VectorItem[] {
  return typeof items === "function" ? items() : items;
}

/**
 * Graph records for a unit of work: ready, or to be built (perhaps waiting for an analysis on
 * another thread) when the unit records them, after writing the operations before them. A
 * function may say when it can be called without blocking (`settled`): a backend that writes
 * them first in a transaction it waits on anyway (PostgreSQL) awaits that before beginning it.
 */
export type GraphRecords =
  | readonly GraphRecord[]
  | ((() => readonly GraphRecord[]) & { settled?: () => Promise<void> });

/** The records of `records`, building them if they are not built yet. */
export function graphRecordsNow(records: GraphRecords): readonly GraphRecord[] {
  return typeof records === "function" ? records() : records;
}

/** A vector search under way (see `VectorStore.startSearch`). */
export interface PendingVectorSearch {
  /** Its hits; a search already cancelled is run afresh. */
  result(): Promise<VectorHit[]>;
  /** Stops the work begun, when its result is no longer wanted. */
  cancel(): void;
}

export interface VectorStore {
  /** The dimension of stored vectors, or null before the first one is stored. */
  dimensions(): Promise<number | null>;
  /** Creates the vector tables for a dimension. @throws when vectors of another dimension exist. */
  initialise(dimensions: number): Promise<void>;
  /** Stores the vectors of the agent's items (replacing any they had); items not the agent's are skipped. */
  upsert(space: VectorSpace, agentId: string, items: readonly VectorItem[]): Promise<void>;
  search(space: VectorSpace, agentId: string, vector: Float32Array, k: number): Promise<VectorHit[]>;
  /**
   * `search` begun now and finished by `result`, where the backend can work on it meanwhile (SQLite
   * hands part of a large scan to the helper thread at once, so it runs while the caller searches
   * the text). The hits are those `search` would give when `result` is called. A search begun must
   * be finished or cancelled. Absent where there is nothing to begin early.
   */
  startSearch?(space: VectorSpace, agentId: string, vector: Float32Array, k: number): PendingVectorSearch;
  /** Removes the vectors of these items (e.g. when their text changed or they were deleted). */
  remove(space: VectorSpace, ids: readonly string[]): Promise<void>;
  /** Ids of the agent's items in `space` with no vector yet. */
  missing(space: VectorSpace, agentId: string, limit: number): Promise<string[]>;
  /**
   * Brings the agent's index in `space` up to date with its vectors now, where the backend builds its
   * index in steps (SQLite clusters vectors into lists, and finishes a reclustering under way); where
   * the index grows with every vector (pgvector's HNSW) there is nothing to do.
   */
  optimise(space: VectorSpace, agentId: string): Promise<void>;
  /** How the agent's vectors in `space` are indexed, in the backend's own terms (for reports). */
  describeIndex(space: VectorSpace, agentId: string): Promise<VectorIndexReport>;
  /**
   * Drops every stored vector of every agent, with the dimension, the index and the
   * `vectors.*` settings, in one transaction, so that another embedding model can start afresh.
   * The embedding cache (keyed by model) stays.
   */
  reset(): Promise<void>;
}

/** How an agent's vectors in one space are indexed, as a backend reports it. */
export interface VectorIndexReport {
  /** How a search reads them: `exact` (every vector compared) or the backend's index (`ivf`, `hnsw`). */
  method: string;
  /** One line for people, in the backend's terms (e.g. `16 lists trained at 40 vectors, generation 2`). */
  summary: string;
  /** The backend's own figures, for inspection; engram does not interpret them. */
  details: JsonObject;
}

export interface SettingsStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** Every setting made with `set`, by key (what a copy of the database carries). */
  list(): Promise<{ key: string; value: string }[]>;
}

/**
 * One atomic unit of learning: an episode's new state and steps, the experience records it changed,
 * added or evicted, and the events describing it.
 */
export interface LearningWrite {
  agentId: string;
  /** The experience version the change was computed from; another one is a ConflictError. */
  expectedVersion: number;
  episode?: { episode: Episode; newSteps: EpisodeStep[]; create: boolean } | undefined;
  upserts: ExperienceRecord[];
  deletes: string[];
  events: NewEvent[];
}

export interface EpisodeStore {
  /** The episode with its steps, or only its last `lastSteps` steps (at their indexes; earlier ones absent). */
  get(agentId: string, id: string, options?: { lastSteps?: number }): Promise<Episode | null>;
  /** Newest first, without steps (`steps` is empty; `stepCount` says how many). */
  list(
    agentId: string,
    options: ListOptions & { task?: string | undefined; filter?: FilterNode | undefined },
  ): Promise<(Episode & { stepCount: number })[]>;
}

export interface ExperienceStore {
  /** All of an agent's records (the memory is bounded by its capacity). */
  all(agentId: string): Promise<ExperienceRecord[]>;
  count(agentId: string): Promise<number>;
  /** A number that changes with every write of the agent's experience (for caches). */
  version(agentId: string): Promise<number>;
  /** Writes a learning step atomically: the episode (if any), records, evictions, events. Returns the new version. */
  write(change: LearningWrite): Promise<number>;
}

export interface InsightStore {
  /** Highest count first. */
  list(agentId: string): Promise<Insight[]>;
  /** Upserts and deletes insights with their events, atomically. */
  write(agentId: string, upserts: Insight[], deletes: string[], events: NewEvent[]): Promise<void>;
}

/**
 * Insight upserts and deletes with their events. `expected` names each touched rule as it was read
 * (`updatedAt`, null for a rule that must not exist yet); a rule that changed since makes the whole
 * write a ConflictError.
 */
export interface InsightChanges {
  upserts: Insight[];
  deletes: string[];
  expected: { id: string; updatedAt: string | null }[];
  events: NewEvent[];
}

/**
 * Self-evolution runs and their candidates. A run's progress is saved in a unit of work
 * (`UnitOfWork.evolution.saveRun`), with an accepted candidate's changes to the agent; it is fenced by
 * the run's `attempt`: a write naming an attempt the run has moved past is a ConflictError and writes
 * nothing.
 */
export interface EvolutionStore {
  /** @throws ConflictError when the id exists. */
  createRun(run: EvolutionRun, events: NewEvent[]): Promise<void>;
  getRun(agentId: string, id: string): Promise<EvolutionRun | null>;
  /** Newest first; `after` is the id of the last run of the previous page. */
  listRuns(agentId: string, options: ListOptions): Promise<EvolutionRun[]>;
  /** In creation order. */
  listCandidates(agentId: string, runId: string): Promise<EvolutionCandidate[]>;
}
