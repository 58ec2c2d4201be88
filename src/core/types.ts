/** Shared record types, used by every layer from the store up. */

export type JsonObject = Record<string, unknown>;

/** Who made a change to an agent's learned context. */
export const AUTHORS = ["user", "agent", "sleeptime", "evolver"] as const;
export type Author = (typeof AUTHORS)[number];

/** Who caused an event: an author of commits, or the system itself. */
export const ACTORS = [...AUTHORS, "system"] as const;
export type Actor = (typeof ACTORS)[number];

export interface Project {
  id: string;
  name: string;
  metadata: JsonObject;
  createdAt: string;
  updatedAt: string;
}

export interface Agent {
  id: string;
  projectId: string;
  name: string;
  /** `provider:model`, or null to use the server's default model. */
  model: string | null;
  instructions: string;
  metadata: JsonObject;
  /** The branch that reads and writes use when none is named. */
  defaultBranch: string;
  createdAt: string;
  updatedAt: string;
}

/** One block as recorded in a commit's tree: its settings and the address of its value. */
export interface TreeEntry {
  label: string;
  description: string;
  limit: number;
  readOnly: boolean;
  valueHash: string;
  /** Set when the entry is a shared block (`blk_…`) attached to the agent. */
  sharedId?: string;
}

/** A block as read: a tree entry with its value. */
export interface Block {
  label: string;
  value: string;
  description: string;
  limit: number;
  readOnly: boolean;
  /** Characters used, out of `limit`. */
  size: number;
  /** The shared block (`blk_…`) this is, when it is one: edits reach every agent it is attached to. */
  sharedId?: string;
}

/**
 * An immutable snapshot of all of an agent's blocks. `id` is the SHA-256 of the parent, tree,
 * author, message and time, so equal histories have equal ids in any database.
 */
export interface Commit {
  id: string;
  parentId: string | null;
  treeHash: string;
  tree: TreeEntry[];
  author: Author;
  message: string;
  createdAt: string;
}

export interface Branch {
  name: string;
  head: string;
  updatedAt: string;
}

export interface Blob {
  hash: string;
  value: string;
}

/** An entry of the append-only event log. */
export interface EngramEvent {
  seq: number;
  id: string;
  projectId: string;
  agentId: string | null;
  actor: Actor;
  kind: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  createdAt: string;
}

/** An event as written by the engine; the store assigns `seq`. */
export type NewEvent = Omit<EngramEvent, "seq">;

/**
 * An API key as engram shows it: never its secret, which exists only in the string handed out once at
 * creation (`egk_<id>_<secret>`) and as a SHA-256 hash in the store.
 */
export interface ApiKey {
  id: string;
  projectId: string;
  name: string;
  /** The first characters of the secret, so a person can tell which key a string is. */
  prefix: string;
  createdAt: string;
  /** When the key last authenticated a request, to the minute; null if never. */
  lastUsedAt: string | null;
  /** When the key was revoked; null while it is valid. */
  revokedAt: string | null;
}

/** A page of a list, with the cursor of the next page when there is one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Where a memory came from: engram message ids and/or external ids (e.g. a dataset's turn ids). */
export interface Provenance {
  messageIds: string[];
  externalIds: string[];
}

/** A long-term memory: a fact, observation, summary, note or insight the agent can retrieve. */
export interface Memory {
  id: string;
  agentId: string;
  /** The end user this memory is about, or null for the agent's own knowledge. */
  userId: string | null;
  kind: string;
  text: string;
  tags: string[];
  /** 0 (trivial) to 1 (vital). */
  importance: number;
  /** When the fact became true, if known. */
  validFrom: string | null;
  /** When the fact stopped being true; null while it holds. */
  validTo: string | null;
  /**
   * What the fact is about, as a dotted lower-case path (`user.city`), or null. A new fact with the
   * same key for the same user closes this one (its validTo becomes the new fact's validFrom).
   */
  key: string | null;
  provenance: Provenance;
  metadata: JsonObject;
  /** Starts at 1; each update adds one and keeps the old version in the history. */
  version: number;
  accessCount: number;
  lastAccessedAt: string | null;
  /**
   * When the memory was archived (forgotten by sleep-time decay, or merged into a duplicate), or null
   * while it is active. Archived memories are kept, listable and restorable, but not searched.
   */
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One version of a memory, as kept in its history. */
export interface MemoryVersion {
  memoryId: string;
  version: number;
  operation: "create" | "update" | "delete";
  actor: Actor;
  /** The memory as it was after this operation (as it was before, for a delete). */
  memory: Memory;
  createdAt: string;
}

export const MESSAGE_ROLES = ["user", "assistant", "system", "tool"] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** A turn of conversation (recall memory): kept in full, searchable, never silently dropped. */
export interface Message {
  id: string;
  agentId: string;
  userId: string | null;
  role: MessageRole;
  /** The speaker's name, when known (e.g. a participant of a multi-party conversation). */
  name: string | null;
  /** The conversation session (thread) the message belongs to; neighbours are taken within it. */
  sessionId: string | null;
  content: string;
  provenance: Provenance;
  metadata: JsonObject;
  createdAt: string;
}

/** One step of an episode: what the agent saw, could do, did, and the reward that followed. */
export interface EpisodeStep {
  index: number;
  observation: string;
  availableActions: string[];
  action: string;
  reward: number;
  createdAt: string;
}

/** A task attempt: its trajectory and outcome. */
export interface Episode {
  id: string;
  agentId: string;
  task: string;
  status: "running" | "finished";
  steps: EpisodeStep[];
  /** The observation after the last step, when known. */
  finalObservation: string | null;
  /** Sum of the rewards. */
  totalReward: number;
  /** Whether the task was accomplished, when the caller says so. */
  success: boolean | null;
  metadata: JsonObject;
  createdAt: string;
  finishedAt: string | null;
}

/** What the experience memory knows of one action in one (task, observation). */
export interface ActionStats {
  action: string;
  q: number;
  meanReward: number;
  visits: number;
  /** How often each next observation followed the action (the model that planning uses). */
  outcomes?: Record<string, number>;
  /** How often the episode ended right after the action. */
  ends?: number;
}

/** Rememberer's experience record: keyed by (task, observation), with per-action statistics. */
export interface ExperienceRecord {
  id: string;
  agentId: string;
  task: string;
  observation: string;
  actions: ActionStats[];
  /** The actions that led here in the episode with the best return that visited this record. */
  bestHistory: string[];
  bestReturn: number | null;
  visits: number;
  createdAt: string;
  updatedAt: string;
}

/** A rule distilled from experience (ExpeL), ranked by its support count. */
export interface Insight {
  id: string;
  agentId: string;
  text: string;
  count: number;
  createdAt: string;
  updatedAt: string;
}

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * The kind of job that delivers a message one agent sent another without waiting
 * (`send_message_to_agent`): it runs the receiving agent's turn. Unlike sleep-time jobs, it neither
 * waits for the agent's other jobs nor holds them up; the conversation's turn lease orders turns.
 */
export const DELIVER_JOB = "deliver";

/**
 * A unit of background work for one agent (e.g. a sleep-time consolidation), kept in a persistent
 * queue: claimed by one runner at a time under a lease, retried until `maxAttempts`.
 */
export interface Job {
  id: string;
  projectId: string;
  agentId: string;
  kind: string;
  status: JobStatus;
  /** Attempts started so far; the current attempt's number while running. */
  attempts: number;
  maxAttempts: number;
  /** Enqueueing again with the same key (per agent) returns this job instead of a new one. */
  idempotencyKey: string | null;
  /** What enqueued it: `manual`, `messages`, `episodes`, `schedule`, `facts`, `writes`, or `agent` (a `deliver` job). */
  trigger: string;
  payload: JsonObject;
  /** What the job did, once it succeeded. */
  result: JsonObject | null;
  /** Why the last attempt failed. */
  error: { code: string; message: string } | null;
  /** Not claimed before this time (retries back off). */
  runAfter: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** While running: when the runner's claim lapses and another runner may take the job over. */
  leaseExpiresAt: string | null;
  /**
   * For a job that changed something: the event-log position after its changes and the block commit
   * it made (if any). Together they form a checkpoint.
   */
  checkpoint: { eventSeq: number; commitId: string | null } | null;
}
