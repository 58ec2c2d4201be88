import type { BlockAttachment, SharedBlock, SharedBlockEdit } from "../core/shared-block-types.ts";
import type { NewEvent } from "../core/types.ts";
import type { AppendCommit, ListOptions } from "./store.ts";

/** A shared block's state after an edit, written if the block is still at `expectedVersion`. */
export interface SharedBlockWrite {
  id: string;
  expectedVersion: number;
  value: string;
  description: string;
  limit: number;
  readOnly: boolean;
  updatedAt: string;
}

/**
 * What an edit of shared blocks adds to the commit it is made in: the blocks' new state, the commit
 * on every other attached agent's default branch, and the record of each edit. Written in the same
 * transaction as the commit: all of it or nothing.
 */
export interface SharedEditWrite {
  blocks: SharedBlockWrite[];
  /** Commits on the other attached agents, each compare-and-swap on that agent's head. */
  appends: AppendCommit[];
  edits: Omit<SharedBlockEdit, "seq">[];
}

/** Attaching or detaching: the block's version moves, and the agent's tree changes by one commit. */
export interface AttachmentChange {
  blockId: string;
  agentId: string;
  expectedVersion: number;
  append: AppendCommit;
  event: NewEvent;
}

/** Project-owned blocks, which agents they are attached to, and their edits. */
export interface SharedBlockStore {
  /** @throws NotFoundError when the project does not exist. */
  create(block: SharedBlock, event: NewEvent): Promise<void>;
  get(id: string): Promise<SharedBlock | null>;
  /** Oldest first, by id; every project's when `projectId` is absent. */
  list(options: ListOptions & { projectId?: string | undefined }): Promise<SharedBlock[]>;
  /** @throws ConflictError while it is attached to an agent; NotFoundError when there is none. */
  delete(id: string, event: NewEvent): Promise<void>;
  /** The agents carrying the block, by agent id. */
  attachments(blockId: string): Promise<BlockAttachment[]>;
  /** The shared blocks an agent carries, by label. */
  attachmentsOf(agentId: string): Promise<BlockAttachment[]>;
  /**
   * Records the attachment and appends the commit that adds the block to the agent's tree.
   * @throws ConflictError when the block moved past `expectedVersion`, the agent carries it already
   * or has a block of its label, or the agent's branch moved.
   */
  attach(change: AttachmentChange & { attachment: BlockAttachment }): Promise<void>;
  /** Removes the attachment and appends the commit that turns the agent's copy private. */
  detach(change: AttachmentChange): Promise<void>;
  /** The block's edits, oldest first; `after` is the `seq` of the last edit of the previous page. */
  edits(blockId: string, options: ListOptions): Promise<SharedBlockEdit[]>;
}
