import { InvalidInputError } from "../../core/errors.ts";
import { sha256 } from "../../core/hash.ts";
import type { IdGenerator } from "../../core/ids.ts";
import type { MessageRole, TreeEntry } from "../../core/types.ts";
import { DEFAULT_BRANCH } from "../../memory/agents/agent-service.ts";
import { makeCommit } from "../../memory/blocks/commit-hash.ts";
import { memoryText } from "../../memory/memories/schemas.ts";
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportDocument, type ExportedMemory } from "../format.ts";

/** The formats `import` reads: engram's own export and its peers' files. */
export const IMPORT_FORMATS = ["engram", "letta", "mem0"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** A block read from a peer's file. */
export interface PeerBlock {
  label: string;
  value: string;
  description: string;
  limit: number;
  readOnly: boolean;
}

/** A memory read from a peer's file. */
export interface PeerMemory {
  text: string;
  kind: string;
  userId: string | null;
  tags: string[];
  validTo: string | null;
  /** The peer's own id, kept as provenance (`provenance.externalIds`). */
  externalId: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** A message read from a peer's file. */
export interface PeerMessage {
  role: MessageRole;
  content: string;
  name: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

/** An agent as a peer's file describes it, before it becomes an engram export document. */
export interface PeerAgent {
  name: string;
  model: string | null;
  instructions: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  blocks: PeerBlock[];
  memories: PeerMemory[];
  messages: PeerMessage[];
}

/** What a peer's file became, and what of it could not be carried. */
export interface PeerImport {
  agent: PeerAgent;
  notes: string[];
}

/**
 * An engram export document holding the peer's agent, so it goes through the one checked,
 * all-or-nothing import path. Ids are new; the blocks are the first commit of `main`.
 */
export function toExportDocument(peer: PeerAgent, generateId: IdGenerator, now: string): ExportDocument {
  const blobs = new Map<string, string>();
  const tree: TreeEntry[] = peer.blocks.map(({ value, ...entry }) => {
    const valueHash = sha256(value);
    blobs.set(valueHash, value);
    return { ...entry, valueHash };
  });
  const root = makeCommit({
    parentId: null,
    tree,
    author: "user",
    message: "import agent",
    createdAt: peer.createdAt,
  });
  // Ids are time-ordered: generated oldest first, they list in the order the peer kept.
  const memories = [...peer.memories].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now,
    agent: {
      id: generateId("agent"),
      name: peer.name,
      model: peer.model,
      instructions: peer.instructions,
      metadata: peer.metadata,
      defaultBranch: DEFAULT_BRANCH,
      createdAt: peer.createdAt,
      updatedAt: peer.createdAt,
    },
    branches: [{ name: DEFAULT_BRANCH, head: root.id }],
    commits: [root],
    blobs: [...blobs].map(([hash, value]) => ({ hash, value })),
    memories: memories.map((m) => exportedMemory(m, generateId("memory"))),
    messages: peer.messages.map((m) => ({
      id: generateId("message"),
      userId: null,
      role: m.role,
      name: m.name,
      sessionId: null,
      content: m.content,
      provenance: { messageIds: [], externalIds: [] },
      metadata: m.metadata,
      createdAt: m.createdAt,
    })),
    episodes: [],
    experience: { version: 0, records: [] },
    insights: [],
  };
}

function exportedMemory(m: PeerMemory, id: string): ExportedMemory {
  const fields = {
    userId: m.userId,
    kind: m.kind,
    text: m.text,
    tags: m.tags,
    importance: 0.5,
    validFrom: null,
    validTo: m.validTo,
    key: null,
    provenance: { messageIds: [], externalIds: m.externalId === null ? [] : [m.externalId] },
    metadata: m.metadata,
    version: 1,
    accessCount: 0,
    lastAccessedAt: null,
    archivedAt: null,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
  return {
    id,
    ...fields,
    versions: [{ version: 1, operation: "create", actor: "user", memory: fields, createdAt: m.createdAt }],
  };
}

/**
 * A peer's time as engram keeps it (ISO 8601 in UTC). Python writes times without an offset for
 * UTC (`2025-03-10T18:02:36.592357`), so a time without one is read as UTC, not as local time.
 */
export function peerTime(value: unknown, path: string, what: string, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  const text = typeof value === "string" && /T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
  const ms = typeof text === "string" ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw invalidPeer(what, `${path}: must be an ISO 8601 date-time`);
  return new Date(ms).toISOString();
}

/**
 * A peer memory's text, held to engram's own limits; `noun` names what it is the text of (`memory`,
 * `passage`) in the error when it is missing.
 */
export function peerMemoryText(value: unknown, path: string, what: string, noun: string): string {
  const text = memoryText.safeParse(value);
  if (text.success) return text.data;
  throw invalidPeer(
    what,
    `${path}: ${value === undefined ? `required (the ${noun}'s text)` : text.error.issues[0]?.message}`,
  );
}

/** An error about a peer's file, naming the file's kind and the field. */
export function invalidPeer(what: string, problem: string): InvalidInputError {
  return new InvalidInputError(`invalid ${what}: ${problem}`);
}

/** `n thing(s)` for notes. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
