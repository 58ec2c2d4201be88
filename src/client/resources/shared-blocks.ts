import type { SharedBlockService } from "../../memory/blocks/shared-block-service.ts";
import type { Transport } from "../transport.ts";

/** Shared blocks over HTTP: the library's `engram.sharedBlocks`. */
export type SharedBlocksClient = Pick<
  SharedBlockService,
  "create" | "list" | "get" | "delete" | "commits" | "attach" | "detach"
>;

/** `client.sharedBlocks`. */
export function sharedBlocksClient(t: Transport): SharedBlocksClient {
  const params = (blockId: string) => ({ blockId });
  return {
    create: (input) => t.call("sharedBlocks.create", { body: { project: t.options.project, ...input } }),
    list: (options = {}) =>
      t.call("sharedBlocks.list", { query: { project: t.options.project, ...options } }),
    get: (id) => t.call("sharedBlocks.get", { params: params(id) }),
    delete: (id) => t.call("sharedBlocks.delete", { params: params(id) }),
    commits: (id, options = {}) =>
      t.call("sharedBlocks.commits", { params: params(id), query: { ...options } }),
    attach: (agentId, blockId, options = {}) =>
      t.call("sharedBlocks.attach", { params: { id: agentId }, body: { ...options, blockId } }),
    detach: (agentId, label) => t.call("sharedBlocks.detach", { params: { id: agentId, label } }),
  };
}
