import type { SQLInputValue } from "node:sqlite";
import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { BlockAttachment, SharedBlock, SharedBlockEdit } from "../../core/shared-block-types.ts";
import type { NewEvent } from "../../core/types.ts";
import {
  ATTACHMENT_COLUMNS,
  type AttachmentRow,
  EDIT_COLUMNS,
  type EditRow,
  editValues,
  SHARED_BLOCK_COLUMNS,
  type SharedBlockRow,
  sharedBlockValues,
  toAttachment,
  toEdit,
  toSharedBlock,
} from "../rows/shared-block-rows.ts";
import type { AttachmentChange, SharedBlockStore, SharedEditWrite } from "../shared-block-store.ts";
import type { AppendCommit, ListOptions } from "../store.ts";
import type { SharedBlockImport } from "../unit-of-work.ts";
import { inWriteTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import type { Statements } from "./statements.ts";

/** Appends a commit inside the caller's transaction (the history store's `appendNow`). */
export type AppendNow = (input: AppendCommit) => void;

export class SqliteSharedBlockStore implements SharedBlockStore {
  readonly #s: Statements;
  readonly #append: AppendNow;

  constructor(statements: Statements, append: AppendNow) {
    this.#s = statements;
    this.#append = append;
  }

  async create(block: SharedBlock, event: NewEvent): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      if (this.#s.get("SELECT 1 AS x FROM projects WHERE id = ?", block.projectId) === undefined)
        throw new NotFoundError(`project ${block.projectId} not found`);
      this.#s.run(
        `INSERT INTO shared_blocks (${SHARED_BLOCK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ...(sharedBlockValues(block, block.readOnly ? 1 : 0) as SQLInputValue[]),
      );
      writeEvents(this.#s, [event]);
    });
  }

  async get(id: string): Promise<SharedBlock | null> {
    const row = this.#s.get<SharedBlockRow>(
      `SELECT ${SHARED_BLOCK_COLUMNS} FROM shared_blocks WHERE id = ?`,
      id,
    );
    return row === undefined ? null : toSharedBlock(row);
  }

  async list(options: ListOptions & { projectId?: string | undefined }): Promise<SharedBlock[]> {
    return this.#s
      .all<SharedBlockRow>(
        `SELECT ${SHARED_BLOCK_COLUMNS} FROM shared_blocks
         WHERE (?1 IS NULL OR project_id = ?1) AND id > ?2 ORDER BY id LIMIT ?3`,
        options.projectId ?? null,
        options.after ?? "",
        options.limit,
      )
      .map(toSharedBlock);
  }

  async delete(id: string, event: NewEvent): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      const attached = this.#s.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM block_attachments WHERE block_id = ?",
        id,
      );
      if ((attached?.n ?? 0) > 0)
        throw new ConflictError(
          `shared block ${id} is attached to ${attached?.n} agent(s): detach it from each first`,
          { details: { blockId: id, attachments: attached?.n } },
        );
      if (Number(this.#s.run("DELETE FROM shared_blocks WHERE id = ?", id).changes) === 0)
        throw new NotFoundError(`shared block ${id} not found`);
      writeEvents(this.#s, [event]);
    });
  }

  async attachments(blockId: string): Promise<BlockAttachment[]> {
    return this.#s
      .all<AttachmentRow>(
        `SELECT ${ATTACHMENT_COLUMNS} FROM block_attachments WHERE block_id = ? ORDER BY agent_id`,
        blockId,
      )
      .map(toAttachment);
  }

  async attachmentsOf(agentId: string): Promise<BlockAttachment[]> {
    return this.#s
      .all<AttachmentRow>(
        `SELECT ${ATTACHMENT_COLUMNS} FROM block_attachments WHERE agent_id = ? ORDER BY label`,
        agentId,
      )
      .map(toAttachment);
  }

  async attach(change: AttachmentChange & { attachment: BlockAttachment }): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      this.#moveVersion(change.blockId, change.expectedVersion, change.attachment.createdAt);
      const { attachment: a } = change;
      const taken = this.#s.get<{ block_id: string }>(
        "SELECT block_id FROM block_attachments WHERE agent_id = ? AND (block_id = ? OR label = ?)",
        a.agentId,
        a.blockId,
        a.label,
      );
      if (taken !== undefined)
        throw new ConflictError(`agent ${a.agentId} already carries a shared block labelled "${a.label}"`);
      this.#s.run(
        `INSERT INTO block_attachments (${ATTACHMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?)`,
        a.blockId,
        a.agentId,
        a.label,
        a.readOnly ? 1 : 0,
        a.createdAt,
      );
      this.#append(change.append);
      writeEvents(this.#s, [change.event]);
    });
  }

  async detach(change: AttachmentChange): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      this.#moveVersion(change.blockId, change.expectedVersion, change.event.createdAt);
      const removed = this.#s.run(
        "DELETE FROM block_attachments WHERE agent_id = ? AND block_id = ?",
        change.agentId,
        change.blockId,
      );
      if (Number(removed.changes) === 0)
        throw new NotFoundError(`shared block ${change.blockId} is not attached to agent ${change.agentId}`);
      this.#append(change.append);
      writeEvents(this.#s, [change.event]);
    });
  }

  async edits(blockId: string, options: ListOptions): Promise<SharedBlockEdit[]> {
    return this.#s
      .all<EditRow>(
        `SELECT ${EDIT_COLUMNS} FROM shared_block_edits WHERE block_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
        blockId,
        Number(options.after ?? 0),
        options.limit,
      )
      .map(toEdit);
  }

  /** Moves the block's version on, if it is still at `expected`. @throws ConflictError otherwise. */
  #moveVersion(blockId: string, expected: number, at: string): void {
    const moved = this.#s.run(
      "UPDATE shared_blocks SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
      at,
      blockId,
      expected,
    );
    if (Number(moved.changes) === 0) refuseVersion(this.#s, blockId, expected);
  }
}

/**
 * Writes what a commit's edit of shared blocks adds (inside the caller's transaction): each block's new
 * state if it is still at the version the edit was computed from, the commits on the other attached
 * agents, and the edits' records. @throws ConflictError when any block or head moved.
 */
export function writeSharedEdit(s: Statements, shared: SharedEditWrite, append: AppendNow): void {
  for (const block of shared.blocks) {
    const moved = s.run(
      `UPDATE shared_blocks SET value = ?, description = ?, char_limit = ?, read_only = ?, updated_at = ?,
         version = version + 1 WHERE id = ? AND version = ?`,
      block.value,
      block.description,
      block.limit,
      block.readOnly ? 1 : 0,
      block.updatedAt,
      block.id,
      block.expectedVersion,
    );
    if (Number(moved.changes) === 0) refuseVersion(s, block.id, block.expectedVersion);
  }
  for (const other of shared.appends) append(other);
  for (const edit of shared.edits) {
    s.run(
      `INSERT INTO shared_block_edits (${EDIT_COLUMNS.replace("seq, ", "")}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ...(editValues(edit) as SQLInputValue[]),
    );
  }
}

/**
 * Writes an imported agent's shared blocks (inside the caller's transaction): each block unless it
 * exists in the agent's project already (then its version moves on, if it is still at the one the
 * import read), and the agent's attachment to it.
 * @throws ConflictError when a block of that id belongs to another project, or moved meanwhile.
 */
export function importSharedBlocks(s: Statements, items: readonly SharedBlockImport[]): void {
  for (const { block, attachment, version } of items) {
    if (version !== undefined) {
      // The agent's copy was brought in step with the block at `version`: it must still be there.
      const moved = s.run(
        "UPDATE shared_blocks SET version = version + 1 WHERE id = ? AND version = ? AND project_id = ?",
        block.id,
        version,
        block.projectId,
      );
      if (Number(moved.changes) === 0) refuseImport(block.id, version);
    } else {
      const found = s.get<{ project_id: string }>(
        "SELECT project_id FROM shared_blocks WHERE id = ?",
        block.id,
      );
      if (found === undefined)
        s.run(
          `INSERT INTO shared_blocks (${SHARED_BLOCK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ...(sharedBlockValues(block, block.readOnly ? 1 : 0) as SQLInputValue[]),
        );
      else if (found.project_id !== block.projectId)
        throw new ConflictError(`a shared block with id ${block.id} already exists in another project`);
    }
    s.run(
      `INSERT INTO block_attachments (${ATTACHMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?)`,
      attachment.blockId,
      attachment.agentId,
      attachment.label,
      attachment.readOnly ? 1 : 0,
      attachment.createdAt,
    );
  }
}

/** An imported agent's copy of a shared block was read at a version the block has left. */
function refuseImport(blockId: string, expected: number): never {
  throw new ConflictError(
    `shared block ${blockId} changed meanwhile (not at version ${expected}): re-read and retry`,
    {
      details: { blockId, expectedVersion: expected, retry: "shared" },
    },
  );
}

function refuseVersion(s: Statements, blockId: string, expected: number): never {
  const row = s.get<{ version: number }>("SELECT version FROM shared_blocks WHERE id = ?", blockId);
  if (row === undefined) throw new NotFoundError(`shared block ${blockId} not found`);
  throw new ConflictError(
    `shared block ${blockId} changed meanwhile (version ${row.version}, not ${expected}): re-read and retry`,
    { details: { blockId, version: row.version, expectedVersion: expected, retry: "shared" } },
  );
}
