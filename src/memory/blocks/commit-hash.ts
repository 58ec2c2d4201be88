import { sha256 } from "../../core/hash.ts";
import type { Author, Commit, TreeEntry } from "../../core/types.ts";

/** Trees are kept sorted by label, so equal block sets hash equally. */
export function sortTree(entries: readonly TreeEntry[]): TreeEntry[] {
  return [...entries].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

export function hashTree(entries: readonly TreeEntry[]): string {
  return sha256(
    JSON.stringify(
      sortTree(entries).map((e) => {
        const fields = [e.label, e.valueHash, e.description, e.limit, e.readOnly];
        // Only when set, so that the ids of commits made before shared blocks do not change.
        return e.sharedId === undefined ? fields : [...fields, e.sharedId];
      }),
    ),
  );
}

export function hashCommit(fields: {
  parentId: string | null;
  treeHash: string;
  author: Author;
  message: string;
  createdAt: string;
}): string {
  return sha256(
    JSON.stringify([fields.parentId, fields.treeHash, fields.author, fields.message, fields.createdAt]),
  );
}

/** Builds a commit whose id is the address of its content. */
export function makeCommit(fields: {
  parentId: string | null;
  tree: readonly TreeEntry[];
  author: Author;
  message: string;
  createdAt: string;
}): Commit {
  const tree = sortTree(fields.tree);
  const treeHash = hashTree(tree);
  const id = hashCommit({ ...fields, treeHash });
  return {
    id,
    parentId: fields.parentId,
    treeHash,
    tree,
    author: fields.author,
    message: fields.message,
    createdAt: fields.createdAt,
  };
}
