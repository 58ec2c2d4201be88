import { InvalidInputError } from "../core/errors.ts";
import type { Agent, Memory, MemoryVersion, Message, NewEvent } from "../core/types.ts";
import { imageHash, sniffImage } from "../images/image-bytes.ts";
import type { AgentImport } from "../store/import-agent.ts";
import { messageIndexer } from "../store/rows/message-fields.ts";
import type { IndexedMessage, StoredImage } from "../store/store.ts";
import type { SharedBlockImport } from "../store/unit-of-work.ts";
import type { ExportDocument, ExportedMemory, ExportedSharedBlock } from "./format.ts";
import { remapIds } from "./remap.ts";

/**
 * What `importAgent` writes for an export document: `agent` (the document's agent as it
 * will be stored, in its project) owning every item, each id replaced through `ids` (empty: ids kept).
 */
export function agentImportOf(
  doc: ExportDocument,
  agent: Agent,
  ids: ReadonlyMap<string, string>,
  events: NewEvent[],
  /** The shared blocks the project has already, by id: the version the import read each at. */
  versions: ReadonlyMap<string, number> = new Map(),
): AgentImport {
  const owned = { agentId: agent.id };
  const messages: Message[] = doc.messages.map((m) => ({ ...remapIds(m, ids), ...owned }));
  // Each message is indexed with its neighbours' text, as the live append path leaves it.
  const indexed: Iterable<IndexedMessage> = {
    *[Symbol.iterator]() {
      const index = messageIndexer(messages);
      for (let i = 0; i < messages.length; i++) yield index(i);
    },
  };
  return {
    agent,
    history: { commits: doc.commits, blobs: doc.blobs, branches: doc.branches },
    memories: doc.memories.map((m) => ownedMemory(remapIds(m, ids), agent.id)),
    messages: indexed,
    episodes: doc.episodes.map((e) => ({ ...remapIds(e, ids), ...owned })),
    experience: {
      version: doc.experience.version,
      records: doc.experience.records.map((r) => ({ ...remapIds(r, ids), ...owned })),
    },
    insights: doc.insights.map((insight) => ({ ...remapIds(insight, ids), ...owned })),
    // A copy with new ids carries its shared blocks as private ones: it is attached to nothing.
    sharedBlocks:
      ids.size > 0 ? [] : (doc.sharedBlocks ?? []).map((b) => sharedBlockOf(b, agent, versions.get(b.id))),
    images: importedImages(doc, agent.id),
    events,
  };
}

/** What an import with new ids notes of the document's shared blocks, which the copy holds as private ones. */
export function privateCopyNotes(doc: ExportDocument): string[] {
  const labels = (doc.sharedBlocks ?? []).map((b) => b.attachment.label);
  if (labels.length === 0) return [];
  const [blocks, them] =
    labels.length === 1 ? ["block", "it as a private block"] : ["blocks", "them as private blocks"];
  return [
    `shared ${blocks} ${labels.join(", ")}: imported with new ids, the copy carries ${them}, shared with no other agent`,
  ];
}

/** A shared block of the document as the import writes it: in the agent's project, attached to it. */
function sharedBlockOf(
  { attachment, ...block }: ExportedSharedBlock,
  agent: Agent,
  version: number | undefined,
): SharedBlockImport {
  return {
    block: { ...block, projectId: agent.projectId, version: 1 },
    attachment: { ...attachment, blockId: block.id, agentId: agent.id },
    ...(version === undefined ? {} : { version }),
  };
}

/** How many items of each kind a document carries (what imports and copies report). */
export function documentCounts(doc: ExportDocument) {
  return {
    memories: doc.memories.length,
    messages: doc.messages.length,
    episodes: doc.episodes.length,
    experienceRecords: doc.experience.records.length,
    insights: doc.insights.length,
  };
}

/**
 * The document's images as the store keeps them, each checked: its bytes are an image of the type
 * it says, of the size it says, with the hash it says (a hash is an address: it must not lie).
 * @throws InvalidInputError naming the image and the problem.
 */
export function importedImages(doc: ExportDocument, agentId: string): StoredImage[] {
  return (doc.images ?? []).map((image, i) => {
    const where = `invalid export document: images.${i}`;
    const data = new Uint8Array(Buffer.from(image.data, "base64"));
    if (sniffImage(data) !== image.mediaType)
      throw new InvalidInputError(`${where}.data: is not an image of type ${image.mediaType}`);
    if (data.length !== image.size)
      throw new InvalidInputError(`${where}.size: is ${image.size}, but the data holds ${data.length} bytes`);
    if (imageHash(data) !== image.sha256)
      throw new InvalidInputError(`${where}.sha256: does not match the SHA-256 of its data`);
    const { data: _, ...fields } = image;
    return { ...fields, agentId, data };
  });
}

/** A memory of the document as the store keeps it: owned by the agent, each version a full snapshot. */
function ownedMemory(
  { versions, ...fields }: ExportedMemory,
  agentId: string,
): { memory: Memory; versions: MemoryVersion[] } {
  const memory: Memory = { ...fields, agentId };
  return {
    memory,
    versions: versions.map(({ memory: snapshot, ...version }) => ({
      ...version,
      memoryId: memory.id,
      memory: { id: memory.id, agentId, ...snapshot } as Memory,
    })),
  };
}
