/** Shared record types, used by every layer from the store up. */

export type JsonObject = Record<string, unknown>;

/** Who made a change to an agent's learned context. */
export const AUTHORS = ["user", "agent", "sleeptime", "evolver"] as const;
export type Author = (typeof AUTHORS)[number];

/** Who caused an event: an author, or engram itself. */
export type Actor = Author | "system";

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

/** A page of a list, with the cursor of the next page when there is one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
