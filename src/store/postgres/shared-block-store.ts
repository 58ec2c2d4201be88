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
import { writeEvents } from "./event-writer.ts";
import { insertRows } from "./insert-rows.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";
import { requireProject } from "./project-store.ts";

/** Appends a commit inside `tx` (the history store's `appendCommit`). */
export type AppendIn = (tx: Sql, input: AppendCommit) => Promise<void>;

/**
 * Shared blocks on PostgreSQL. Every change moves the block's `version` with one conditional UPDATE,
 * which also locks its row: of several servers changing one block at once, one wins and the others
 * find it moved.
 */
export class PgSharedBlockStore implements SharedBlockStore {
  readonly #db: PgDatabase;
  readonly #append: AppendIn;

  constructor(db: PgDatabase, append: AppendIn) {
    this.#db = db;
    this.#append = append;
  }

  async create(block: SharedBlock, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await requireProject(tx, block.projectId);
      const inserted = await insertRows(
        tx,
        `shared_blocks (${SHARED_BLOCK_COLUMNS})`,
        [sharedBlockValues(block, block.readOnly)],
        "ON CONFLICT DO NOTHING",
      );
      if (inserted === 0) throw new ConflictError(`a shared block with id ${block.id} already exists`);
      await writeEvents(tx, [event]);
    });
  }

  async get(id: string): Promise<SharedBlock | null> {
    const row = await this.#db.get<SharedBlockRow>(
      `SELECT ${SHARED_BLOCK_COLUMNS} FROM shared_blocks WHERE id = $1`,
      [id],
    );
    return row === undefined ? null : toSharedBlock(row);
  }

  async list(options: ListOptions & { projectId?: string | undefined }): Promise<SharedBlock[]> {
    const rows = await this.#db.all<SharedBlockRow>(
      `SELECT ${SHARED_BLOCK_COLUMNS} FROM shared_blocks
       WHERE ($1::text IS NULL OR project_id = $1) AND id > $2 ORDER BY id LIMIT $3`,
      [options.projectId ?? null, options.after ?? "", options.limit],
    );
    return rows.map(toSharedBlock);
  }

  async delete(id: string, event: NewEvent): Promise<void> {
    await this.#db.transaction(async (tx) => {
      // Locks the block's row, so that no attach slips in between the count and the delete.
      const block = await tx.get("SELECT 1 AS x FROM shared_blocks WHERE id = $1 FOR UPDATE", [id]);
      if (block === undefined) throw new NotFoundError(`shared block ${id} not found`);
      const attached = await tx.get<{ n: string }>(
        "SELECT COUNT(*) AS n FROM block_attachments WHERE block_id = $1",
        [id],
      );
      const n = Number(attached?.n ?? 0);
      if (n > 0)
        throw new ConflictError(
          `shared block ${id} is attached to ${n} agent(s): detach it from each first`,
          {
            details: { blockId: id, attachments: n },
          },
        );
      await tx.run("DELETE FROM shared_blocks WHERE id = $1", [id]);
      await writeEvents(tx, [event]);
    });
  }

  async attachments(blockId: string): Promise<BlockAttachment[]> {
    const rows = await this.#db.all<AttachmentRow>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM block_attachments WHERE block_id = $1 ORDER BY agent_id`,
      [blockId],
    );
    return rows.map(toAttachment);
  }

  async attachmentsOf(agentId: string): Promise<BlockAttachment[]> {
    const rows = await this.#db.all<AttachmentRow>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM block_attachments WHERE agent_id = $1 ORDER BY label`,
      [agentId],
    );
    return rows.map(toAttachment);
  }

  async attach(change: AttachmentChange & { attachment: BlockAttachment }): Promise<void> {
    const { attachment: a } = change;
    await this.#db.transaction(async (tx) => {
      await moveVersion(tx, change.blockId, change.expectedVersion, a.createdAt);
      const inserted = await insertRows(
        tx,
        `block_attachments (${ATTACHMENT_COLUMNS})`,
        [[a.blockId, a.agentId, a.label, a.readOnly, a.createdAt]],
        "ON CONFLICT DO NOTHING",
      );
      if (inserted === 0)
        throw new ConflictError(`agent ${a.agentId} already carries a shared block labelled "${a.label}"`);
      await this.#append(tx, change.append);
      await writeEvents(tx, [change.event]);
    });
  }

  async detach(change: AttachmentChange): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await moveVersion(tx, change.blockId, change.expectedVersion, change.event.createdAt);
      const removed = await tx.run("DELETE FROM block_attachments WHERE agent_id = $1 AND block_id = $2", [
        change.agentId,
        change.blockId,
      ]);
      if (removed === 0)
        throw new NotFoundError(`shared block ${change.blockId} is not attached to agent ${change.agentId}`);
      await this.#append(tx, change.append);
      await writeEvents(tx, [change.event]);
    });
  }

  async edits(blockId: string, options: ListOptions): Promise<SharedBlockEdit[]> {
    const rows = await this.#db.all<EditRow>(
      `SELECT ${EDIT_COLUMNS} FROM shared_block_edits WHERE block_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [blockId, Number(options.after ?? 0), options.limit],
    );
    return rows.map(toEdit);
  }
}

/**
 * Writes what a commit's edit of shared blocks adds, inside `tx`: each block's new state if it is
 * still at the version the edit was computed from, the commits on the other attached agents, and the
 * edits' records. @throws ConflictError when any block or head moved (and `tx` rolls back).
 */
export async function writeSharedEdit(tx: Sql, shared: SharedEditWrite, append: AppendIn): Promise<void> {
  for (const block of shared.blocks) {
    const moved = await tx.run(
      `UPDATE shared_blocks SET value = $1, description = $2, char_limit = $3, read_only = $4, updated_at = $5,
         version = version + 1 WHERE id = $6 AND version = $7`,
      [
        block.value,
        block.description,
        block.limit,
        block.readOnly,
        block.updatedAt,
        block.id,
        block.expectedVersion,
      ],
    );
    if (moved === 0) await refuseVersion(tx, block.id, block.expectedVersion);
  }
  for (const other of shared.appends) await append(tx, other);
  await insertRows(
    tx,
    `shared_block_edits (${EDIT_COLUMNS.replace("seq, ", "")})`,
    shared.edits.map(editValues),
  );
}

/**
 * Locks, before anything else of an edit of shared blocks, the blocks' rows and then every branch it
 * moves, each in one fixed order: two edits through different agents then wait for each other instead
 * of each holding a branch the other needs.
 */
export async function lockSharedEdit(
  tx: Sql,
  input: AppendCommit & { shared: SharedEditWrite },
): Promise<void> {
  const ids = input.shared.blocks.map((b) => b.id).sort();
  await tx.all("SELECT 1 AS x FROM shared_blocks WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", [ids]);
  const branches = [input, ...input.shared.appends]
    .map((a) => [a.agentId, a.branch] as const)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  for (const [agentId, name] of branches)
    await tx.all("SELECT 1 AS x FROM branches WHERE agent_id = $1 AND name = $2 FOR UPDATE", [agentId, name]);
}

/**
 * Writes an imported agent's shared blocks inside `tx`: each block unless it exists in the agent's
 * project already (then its version moves on, if it is still at the one the import read), and the
 * agent's attachment to it.
 * @throws ConflictError when a block of that id belongs to another project, or moved meanwhile.
 */
export async function importSharedBlocks(tx: Sql, items: readonly SharedBlockImport[]): Promise<void> {
  for (const { block, attachment: a, version } of items) {
    if (version !== undefined) {
      // The agent's copy was brought in step with the block at `version`: it must still be there.
      const moved = await tx.run(
        "UPDATE shared_blocks SET version = version + 1 WHERE id = $1 AND version = $2 AND project_id = $3",
        [block.id, version, block.projectId],
      );
      if (moved === 0)
        throw new ConflictError(
          `shared block ${block.id} changed meanwhile (not at version ${version}): re-read and retry`,
          { details: { blockId: block.id, expectedVersion: version, retry: "shared" } },
        );
      await insertRows(tx, `block_attachments (${ATTACHMENT_COLUMNS})`, [
        [a.blockId, a.agentId, a.label, a.readOnly, a.createdAt],
      ]);
      continue;
    }
    await insertRows(
      tx,
      `shared_blocks (${SHARED_BLOCK_COLUMNS})`,
      [sharedBlockValues(block, block.readOnly)],
      "ON CONFLICT DO NOTHING",
    );
    const found = await tx.get<{ project_id: string }>("SELECT project_id FROM shared_blocks WHERE id = $1", [
      block.id,
    ]);
    if (found?.project_id !== block.projectId)
      throw new ConflictError(`a shared block with id ${block.id} already exists in another project`);
    await insertRows(tx, `block_attachments (${ATTACHMENT_COLUMNS})`, [
      [a.blockId, a.agentId, a.label, a.readOnly, a.createdAt],
    ]);
  }
}

async function moveVersion(tx: Sql, blockId: string, expected: number, at: string): Promise<void> {
  const moved = await tx.run(
    "UPDATE shared_blocks SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3",
    [at, blockId, expected],
  );
  if (moved === 0) await refuseVersion(tx, blockId, expected);
}

async function refuseVersion(tx: Sql, blockId: string, expected: number): Promise<never> {
  const row = await tx.get<{ version: string }>("SELECT version FROM shared_blocks WHERE id = $1", [blockId]);
  if (row === undefined) throw new NotFoundError(`shared block ${blockId} not found`);
  throw new ConflictError(
    `shared block ${blockId} changed meanwhile (version ${row.version}, not ${expected}): re-read and retry`,
    { details: { blockId, version: Number(row.version), expectedVersion: expected, retry: "shared" } },
  );
}
