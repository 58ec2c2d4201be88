import type { Branch } from "../../core/types.ts";
import type { BlockService, CommitResult, SetBlockOptions } from "../../memory/blocks/block-service.ts";
import type { HistoryService } from "../../memory/blocks/history-service.ts";
import { allPages } from "../all-pages.ts";
import type { Transport } from "../transport.ts";

/** Blocks over HTTP: the library's `engram.blocks` methods, and `create` (a block that must be new). */
export interface BlocksClient extends Pick<BlockService, "list" | "get" | "set" | "delete" | "commit"> {
  /** Creates a block that must not exist yet: a ConflictError if it does (`blocks.create`). */
  create(agentId: string, label: string, value: string, options?: SetBlockOptions): Promise<CommitResult>;
}

/** Block history over HTTP: the library's `engram.history` methods the API serves. */
export type HistoryClient = Pick<
  HistoryService,
  "log" | "getCommit" | "diff" | "revert" | "listBranches" | "createBranch" | "deleteBranch"
>;

/** `client.blocks`. */
export function blocksClient(t: Transport): BlocksClient {
  return {
    list: (agentId, options = {}) =>
      t.call("blocks.list", { params: { id: agentId }, query: { ...options } }),
    get: (agentId, label, options = {}) =>
      t.call("blocks.get", { params: { id: agentId, label }, query: { ...options } }),
    set: (agentId, label, value, options = {}) =>
      t.call("blocks.set", { params: { id: agentId, label }, body: { ...options, value } }),
    create: (agentId, label, value, options = {}) =>
      t.call("blocks.create", { params: { id: agentId }, body: { ...options, label, value } }),
    delete: (agentId, label, options = {}) =>
      t.call("blocks.delete", { params: { id: agentId, label }, query: { ...options } }),
    commit: (agentId, input) => t.call("blocks.commit", { params: { id: agentId }, body: input }),
  };
}

/** `client.history`. */
export function historyClient(t: Transport): HistoryClient {
  return {
    log: (agentId, options = {}) => t.call("history.log", { params: { id: agentId }, query: { ...options } }),
    getCommit: (agentId, revision) => t.call("history.getCommit", { params: { id: agentId, rev: revision } }),
    diff: (agentId, from, to) => t.call("history.diff", { params: { id: agentId }, query: { from, to } }),
    revert: (agentId, revision, options = {}) =>
      t.call("history.revert", { params: { id: agentId }, body: { ...options, to: revision } }),
    listBranches: (agentId) =>
      allPages((cursor) =>
        t.call("history.listBranches", { params: { id: agentId }, query: { cursor, limit: 500 } }),
      ) as Promise<Branch[]>,
    createBranch: (agentId, name, options = {}) =>
      t.call("history.createBranch", { params: { id: agentId }, body: { name, ...options } }),
    deleteBranch: (agentId, name) => t.call("history.deleteBranch", { params: { id: agentId, name } }),
  };
}
