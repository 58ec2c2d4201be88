import type { Agent, Blob, Branch, Commit, EngramEvent, NewEvent, Project } from "../core/types.ts";

/**
 * Storage behind engram. Every mutating method is one atomic unit of work: it writes all it is given,
 * including its events, or nothing. Methods are async so that a networked backend (PostgreSQL) can
 * implement the same interface.
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
  readonly events: EventStore;
  close(): Promise<void>;
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

/** The full block history of one agent: commits in parent-before-child order, blobs and refs. */
export interface HistorySnapshot {
  commits: Commit[];
  blobs: Blob[];
  branches: { name: string; head: string }[];
}

export interface AgentStore {
  /** Creates an agent together with its history. @throws ConflictError when the id exists. */
  create(agent: Agent, history: HistorySnapshot, events: NewEvent[]): Promise<void>;
  get(id: string): Promise<Agent | null>;
  list(options: ListOptions & { projectId?: string | undefined }): Promise<Agent[]>;
  update(agent: Agent, event: NewEvent): Promise<void>;
  /** Deletes the agent and all it owns (commits, blobs, branches). Events stay in the audit log. */
  delete(id: string, event: NewEvent): Promise<void>;
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
}

export interface HistoryStore {
  getBranch(agentId: string, name: string): Promise<Branch | null>;
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
  limit: number;
  /** Return events with `seq` greater than this. */
  afterSeq?: number | undefined;
}

export interface EventStore {
  list(query: EventQuery): Promise<EngramEvent[]>;
}
