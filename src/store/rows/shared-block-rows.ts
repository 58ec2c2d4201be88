import type { BlockAttachment, SharedBlock, SharedBlockEdit } from "../../core/shared-block-types.ts";
import type { Author } from "../../core/types.ts";

/** Columns of `shared_blocks`, as both backends store them. */
export const SHARED_BLOCK_COLUMNS =
  "id, project_id, label, value, description, char_limit, read_only, version, created_at, updated_at";

export interface SharedBlockRow {
  id: string;
  project_id: string;
  label: string;
  value: string;
  description: string;
  char_limit: number | string;
  read_only: number | boolean;
  version: number | string;
  created_at: string;
  updated_at: string;
}

export const toSharedBlock = (row: SharedBlockRow): SharedBlock => ({
  id: row.id,
  projectId: row.project_id,
  label: row.label,
  value: row.value,
  description: row.description,
  limit: Number(row.char_limit),
  readOnly: Boolean(row.read_only),
  version: Number(row.version),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The values of a new `shared_blocks` row, in `SHARED_BLOCK_COLUMNS` order. */
export function sharedBlockValues(block: SharedBlock, readOnly: number | boolean): unknown[] {
  return [
    block.id,
    block.projectId,
    block.label,
    block.value,
    block.description,
    block.limit,
    readOnly,
    block.version,
    block.createdAt,
    block.updatedAt,
  ];
}

export const ATTACHMENT_COLUMNS = "block_id, agent_id, label, read_only, created_at";

export interface AttachmentRow {
  block_id: string;
  agent_id: string;
  label: string;
  read_only: number | boolean;
  created_at: string;
}

export const toAttachment = (row: AttachmentRow): BlockAttachment => ({
  blockId: row.block_id,
  agentId: row.agent_id,
  label: row.label,
  readOnly: Boolean(row.read_only),
  createdAt: row.created_at,
});

export const EDIT_COLUMNS = "seq, block_id, agent_id, author, message, value_hash, commits, created_at";

export interface EditRow {
  seq: number | string;
  block_id: string;
  agent_id: string;
  author: string;
  message: string;
  value_hash: string;
  commits: string;
  created_at: string;
}

export const toEdit = (row: EditRow): SharedBlockEdit => ({
  seq: Number(row.seq),
  blockId: row.block_id,
  agentId: row.agent_id,
  author: row.author as Author,
  message: row.message,
  valueHash: row.value_hash,
  createdAt: row.created_at,
  commits: JSON.parse(row.commits),
});

/** The values of a new `shared_block_edits` row (all but `seq`, which the database numbers). */
export function editValues(edit: Omit<SharedBlockEdit, "seq">): unknown[] {
  return [
    edit.blockId,
    edit.agentId,
    edit.author,
    edit.message,
    edit.valueHash,
    JSON.stringify(edit.commits),
    edit.createdAt,
  ];
}
