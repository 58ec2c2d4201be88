import { sha256 } from "../core/hash.ts";
import type { TreeEntry } from "../core/types.ts";
import { makeCommit } from "../memory/blocks/commit-hash.ts";
import type { Store } from "../store/store.ts";
import type { ExportDocument } from "./format.ts";

/** An import's document with its agent's copies of the project's shared blocks brought in step. */
export interface InStep {
  doc: ExportDocument;
  /** The shared blocks the project has already, by id: the version the agent's copies were read at. */
  versions: Map<string, number>;
  notes: string[];
}

/**
 * An imported agent (ids kept) may carry shared blocks its project has already: another agent of the
 * project carries them, or carried them when the agent was exported, and they have been edited since.
 * The block stays as the project has it, and the agent's copy follows: when its entry at the head of
 * its default branch differs, one more commit there (author `user`) makes it the block's value and
 * settings, so its next edit of the block starts from what the other agents see instead of writing
 * back a stale copy over their edits. The value it was exported with stays in its history. Each such
 * block is written with the version read here; an edit meanwhile makes the import read it again.
 */
export async function sharedInStep(
  store: Store,
  doc: ExportDocument,
  projectId: string,
  at: string,
): Promise<InStep> {
  const versions = new Map<string, number>();
  const notes: string[] = [];
  const head = doc.branches.find((b) => b.name === doc.agent.defaultBranch);
  const headCommit = doc.commits.find((c) => c.id === head?.head);
  if (head === undefined || headCommit === undefined) return { doc, versions, notes };
  const tree = new Map(headCommit.tree.map((e) => [e.label, e]));
  const blobs: { hash: string; value: string }[] = [];
  const moved: string[] = [];
  for (const exported of doc.sharedBlocks ?? []) {
    const block = await store.sharedBlocks.get(exported.id);
    // Not in the project: the import creates it (or, in another project, refuses it).
    if (block === null || block.projectId !== projectId) continue;
    versions.set(block.id, block.version);
    const { label, readOnly } = exported.attachment;
    const entry: TreeEntry = {
      label,
      description: block.description,
      limit: block.limit,
      readOnly: block.readOnly || readOnly,
      valueHash: sha256(block.value),
      sharedId: block.id,
    };
    const own = tree.get(label);
    if (own !== undefined && sameEntry(own, entry)) continue;
    tree.set(label, entry);
    blobs.push({ hash: entry.valueHash, value: block.value });
    moved.push(`${label} (${block.id})`);
  }
  if (moved.length === 0) return { doc, versions, notes };
  const commit = makeCommit({
    parentId: headCommit.id,
    tree: [...tree.values()],
    author: "user",
    message: `import: shared block${moved.length > 1 ? "s" : ""} ${moved.join(", ")} as the project has it now`,
    createdAt: at,
  });
  const known = new Set(doc.blobs.map((b) => b.hash));
  const added = blobs.filter((b) => !known.has(b.hash) && known.add(b.hash));
  notes.push(
    `shared block${moved.length > 1 ? "s" : ""} ${moved.join(", ")}: the project has it with another value than the export; the agent now carries the project's (commit ${commit.id.slice(0, 12)}), and the exported one stays in its history`,
  );
  return {
    doc: {
      ...doc,
      commits: [...doc.commits, commit],
      blobs: [...doc.blobs, ...added],
      branches: doc.branches.map((b) => (b === head ? { ...b, head: commit.id } : b)),
    },
    versions,
    notes,
  };
}

function sameEntry(a: TreeEntry, b: TreeEntry): boolean {
  return (
    a.valueHash === b.valueHash &&
    a.description === b.description &&
    a.limit === b.limit &&
    a.readOnly === b.readOnly &&
    a.sharedId === b.sharedId
  );
}
