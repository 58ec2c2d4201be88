import { InvalidInputError, UnsupportedFormatError } from "../core/errors.ts";
import type { GraphSource } from "../core/graph-types.ts";
import { sha256 } from "../core/hash.ts";
import { charCount } from "../core/validation.ts";
import { hashCommit, hashTree } from "../memory/blocks/commit-hash.ts";
import { validityInOrder } from "../memory/memories/schemas.ts";
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportDocument, type ExportDocumentV1 } from "./format.ts";

/** Format and version are checked first, so a newer document gets a clear "upgrade" error. */
export function checkEnvelope(document: unknown): number {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new InvalidInputError("invalid export document: must be a JSON object");
  }
  const { format, version } = document as { format?: unknown; version?: unknown };
  if (format !== EXPORT_FORMAT) {
    throw new InvalidInputError(
      `invalid export document: format: must be "${EXPORT_FORMAT}", got ${JSON.stringify(format)}`,
    );
  }
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw new InvalidInputError("invalid export document: version: must be a positive integer");
  }
  if (version > EXPORT_VERSION) {
    throw new UnsupportedFormatError(
      `export document version ${version} is newer than this engram reads (up to ${EXPORT_VERSION}): upgrade engram to import it`,
    );
  }
  return version;
}

/** Checks every content address and link, so an imported history is exactly the exported one. */
export function verifyHistory(doc: ExportDocumentV1 | ExportDocument): void {
  const blobs = new Map<string, string>();
  doc.blobs.forEach((blob, i) => {
    if (sha256(blob.value) !== blob.hash) throw bad(`blobs.${i}.hash: does not match the value`);
    blobs.set(blob.hash, blob.value);
  });
  const seen = new Set<string>();
  doc.commits.forEach((commit, i) => {
    if (seen.has(commit.id)) throw bad(`commits.${i}.id: appears twice`);
    if (commit.parentId !== null && !seen.has(commit.parentId)) {
      throw bad(
        `commits.${i}.parentId: ${commit.parentId.slice(0, 12)} does not come earlier in the document`,
      );
    }
    const labels = new Set<string>();
    commit.tree.forEach((entry, j) => {
      if (labels.has(entry.label)) throw bad(`commits.${i}.tree.${j}.label: "${entry.label}" appears twice`);
      labels.add(entry.label);
      const value = blobs.get(entry.valueHash);
      if (value === undefined) throw bad(`commits.${i}.tree.${j}.valueHash: no blob has this hash`);
      if (charCount(value) > entry.limit)
        throw bad(`commits.${i}.tree.${j}: value is over the block's limit`);
    });
    if (hashTree(commit.tree) !== commit.treeHash)
      throw bad(`commits.${i}.treeHash: does not match the tree`);
    if (hashCommit(commit) !== commit.id) throw bad(`commits.${i}.id: does not match the commit's content`);
    seen.add(commit.id);
  });
  const names = new Set<string>();
  doc.branches.forEach((branch, i) => {
    if (names.has(branch.name)) throw bad(`branches.${i}.name: "${branch.name}" appears twice`);
    names.add(branch.name);
    if (!seen.has(branch.head)) throw bad(`branches.${i}.head: no commit in the document has this id`);
  });
  if (!names.has(doc.agent.defaultBranch))
    throw bad(`agent.defaultBranch: no branch named "${doc.agent.defaultBranch}"`);
}

/**
 * Checks what the schema cannot: no id appears twice, a memory's versions are numbered from 1 up to
 * its own version, an episode's steps are numbered in order and add up to its total reward, and no
 * two experience records share a (task, observation).
 */
export function verifyContents(doc: ExportDocument): void {
  unique("memories", doc.memories);
  unique("messages", doc.messages);
  unique("episodes", doc.episodes);
  unique("experience.records", doc.experience.records);
  unique("insights", doc.insights);
  doc.memories.forEach((memory, i) => {
    // Live writes number a memory's versions 1, 2, 3 … and the memory is at its newest.
    if (memory.versions.length === 0)
      throw bad(`memories.${i}.versions: must hold at least the version that created the memory`);
    memory.versions.forEach((version, j) => {
      if (version.version !== j + 1)
        throw bad(`memories.${i}.versions.${j}.version: must be ${j + 1} (versions are numbered from 1)`);
    });
    if (!validityInOrder(memory.validFrom, memory.validTo))
      throw bad(`memories.${i}.validTo: must not be before validFrom`);
    if (memory.version !== memory.versions.length)
      throw bad(`memories.${i}.version: must be ${memory.versions.length}, the number of its newest version`);
  });
  doc.episodes.forEach((episode, i) => {
    episode.steps.forEach((step, j) => {
      if (step.index !== j)
        throw bad(`episodes.${i}.steps.${j}.index: must be ${j} (steps are numbered from 0)`);
    });
    // Summed in step order, as recording the steps sums them.
    const total = episode.steps.reduce((sum, step) => sum + step.reward, 0);
    if (episode.totalReward !== total)
      throw bad(`episodes.${i}.totalReward: must be ${total}, the sum of its steps' rewards`);
    if ((episode.status === "finished") !== (episode.finishedAt !== null))
      throw bad(`episodes.${i}.finishedAt: must be set when, and only when, the episode is finished`);
  });
  const head = doc.commits.find(
    (c) => c.id === doc.branches.find((b) => b.name === doc.agent.defaultBranch)?.head,
  );
  unique("sharedBlocks", doc.sharedBlocks ?? []);
  (doc.sharedBlocks ?? []).forEach((block, i) => {
    const entry = head?.tree.find((e) => e.label === block.attachment.label);
    if (entry?.sharedId !== block.id)
      throw bad(
        `sharedBlocks.${i}.attachment.label: the head of the default branch has no block "${block.attachment.label}" shared as ${block.id}`,
      );
  });
  const situations = new Set<string>();
  doc.experience.records.forEach((record, i) => {
    const key = `${record.task}\u0000${record.observation}`;
    if (situations.has(key))
      throw bad(`experience.records.${i}: another record has the same task and observation`);
    situations.add(key);
  });
}

/**
 * Checks that the graph names only what the document holds: each mention's and provenance's item is
 * one of its memories or messages, and each entity a mention or relation names (by user and key) one
 * of its entities. Else the import would write a graph of things that are not there.
 * @throws InvalidInputError naming the path of the first dangling reference.
 */
export function verifyGraph(doc: ExportDocument): void {
  if (doc.graph === undefined) return;
  const items = {
    memory: new Set(doc.memories.map((m) => m.id)),
    message: new Set(doc.messages.map((m) => m.id)),
  };
  const entityOf = (userId: string | null, key: string) => JSON.stringify([userId, key]);
  const entities = new Set(doc.graph.entities.map((e) => entityOf(e.userId, e.key)));
  const checkItem = (path: string, { source, id }: GraphSource) => {
    if (!items[source].has(id)) throw bad(`${path}.id: ${source} ${id} is not in the document`);
  };
  const checkEntity = (path: string, userId: string | null, key: string) => {
    if (!entities.has(entityOf(userId, key)))
      throw bad(
        `${path}: entity "${key}"${userId === null ? "" : ` of user ${userId}`} is not in the document`,
      );
  };
  const { relations, mentions } = doc.graph;
  relations.forEach((relation, i) => {
    checkEntity(`graph.relations.${i}.source`, relation.userId, relation.source);
    checkEntity(`graph.relations.${i}.target`, relation.userId, relation.target);
    relation.provenance.forEach((item, j) => {
      checkItem(`graph.relations.${i}.provenance.${j}`, item);
    });
  });
  mentions.forEach((mention, i) => {
    checkItem(`graph.mentions.${i}`, mention);
    checkEntity(`graph.mentions.${i}.key`, mention.userId, mention.key);
  });
}

function unique(path: string, items: readonly { id: string }[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) throw bad(`${path}.${i}.id: appears twice`);
    seen.add(item.id);
  });
}

export function bad(problem: string): InvalidInputError {
  return new InvalidInputError(`invalid export document: ${problem}`);
}
