import { z } from "zod";
import { ID_PREFIX, type IdKind } from "../core/ids.ts";
import { jsonObject } from "../core/json-object.ts";
import { AUTHORS, MESSAGE_ROLES } from "../core/types.ts";
import { observationText, stepFields, taskText, withAvailableAction } from "../experience/schemas.ts";
import { isEpisodeId } from "../feedback/feedback-schemas.ts";
import { IMAGE_MEDIA_TYPES, MAX_IMAGE_BYTES } from "../images/image-bytes.ts";
import { insightCount, ruleText } from "../insights/insight-service.ts";
import { agentInstructions, agentName, modelName } from "../memory/agents/agent-service.ts";
import { branchName } from "../memory/blocks/history-service.ts";
import { blockDescription, blockLabel, blockLimit, commitMessage } from "../memory/blocks/schemas.ts";
import {
  importance,
  memoryKey,
  memoryKind,
  memoryTags,
  memoryText,
  memoryUserId,
  provenanceInput,
} from "../memory/memories/schemas.ts";
import { messageContent, messageName, messageUserId, sessionId } from "../memory/messages/message-service.ts";
import { graphSection } from "./graph-section.ts";

/*
 * Every field a live write also takes is checked with the live write's own schema (imported above),
 * so an import accepts exactly what engram could have written; only ids, times, derived counts and
 * the history's links have schemas of their own here.
 */

/** The export document's identifier and the newest version this code reads and writes. */
export const EXPORT_FORMAT = "engram.agent";
export const EXPORT_VERSION = 2;

const hash = z.string().regex(/^[0-9a-f]{64}$/, "must be a 64-digit hex SHA-256");

const ID_NAMES = {
  agent: "an agent id",
  memory: "a memory id",
  message: "a message id",
  episode: "an episode id",
  experience: "an experience record id",
  insight: "an insight id",
  block: "a shared block id",
} as const satisfies Partial<Record<IdKind, string>>;

const idOf = (kind: keyof typeof ID_NAMES) =>
  z
    .string()
    .regex(
      new RegExp(`^${ID_PREFIX[kind]}_[0-9a-z]{26}$`),
      `must be ${ID_NAMES[kind]} (${ID_PREFIX[kind]}_…)`,
    );

/** Times as engram writes them: ISO 8601 in UTC (`…Z`), so they compare and sort as instants. */
const instant = z.iso.datetime({ message: "must be an ISO 8601 date-time in UTC (…Z)" });
const finite = z.number({ error: "must be a finite number" });
const count = z.number().int().min(0);

const treeEntry = z.strictObject({
  label: blockLabel,
  description: blockDescription,
  limit: blockLimit,
  readOnly: z.boolean(),
  valueHash: hash,
  sharedId: idOf("block").optional(),
});

/** The agent and its block history: all that version 1 holds, and the start of every version. */
const agentWithHistory = {
  format: z.literal(EXPORT_FORMAT),
  exportedAt: z.string(),
  agent: z.strictObject({
    id: idOf("agent"),
    name: agentName,
    model: modelName.nullable(),
    instructions: agentInstructions,
    metadata: jsonObject,
    defaultBranch: branchName,
    createdAt: instant,
    updatedAt: instant,
  }),
  branches: z.array(z.strictObject({ name: branchName, head: hash })).min(1),
  /** Parents before children. */
  commits: z
    .array(
      z.strictObject({
        id: hash,
        parentId: hash.nullable(),
        treeHash: hash,
        tree: z.array(treeEntry),
        author: z.enum(AUTHORS),
        message: commitMessage,
        createdAt: instant,
      }),
    )
    .min(1),
  blobs: z.array(z.strictObject({ hash, value: z.string() })),
};

/** A memory's fields apart from its id and agent (the document's agent owns everything in it). */
const memoryFields = {
  userId: memoryUserId.nullable(),
  kind: memoryKind,
  text: memoryText,
  tags: memoryTags,
  importance,
  validFrom: instant.nullable(),
  validTo: instant.nullable(),
  /** Documents written before keyed facts have none. */
  key: memoryKey.nullable().default(null),
  provenance: provenanceInput,
  metadata: jsonObject,
  version: z.number().int().min(1),
  accessCount: count,
  lastAccessedAt: instant.nullable(),
  archivedAt: instant.nullable(),
  createdAt: instant,
  updatedAt: instant,
};

const memoryVersion = z.strictObject({
  version: z.number().int().min(1),
  operation: z.enum(["create", "update", "delete"]),
  actor: z.enum([...AUTHORS, "system"]),
  /** The memory as this version left it; versions written before archiving existed have no `archivedAt`. */
  memory: z.strictObject({ ...memoryFields, archivedAt: instant.nullable().optional() }),
  createdAt: instant,
});

const memory = z.strictObject({
  id: idOf("memory"),
  ...memoryFields,
  /** Oldest first. */
  versions: z.array(memoryVersion),
});

const message = z.strictObject({
  id: idOf("message"),
  userId: messageUserId.nullable(),
  role: z.enum(MESSAGE_ROLES),
  name: messageName.nullable(),
  sessionId: sessionId.nullable(),
  content: messageContent,
  provenance: provenanceInput,
  metadata: jsonObject,
  createdAt: instant,
});

/** An episode's id: generated, or the one feedback on a turn whose id the caller chose makes. */
const episodeId = z.string().refine(isEpisodeId, `must be ${ID_NAMES.episode} (${ID_PREFIX.episode}_…)`);

const step = withAvailableAction(z.strictObject({ ...stepFields, index: count, createdAt: instant }));

const episode = z.strictObject({
  id: episodeId,
  task: taskText,
  status: z.enum(["running", "finished"]),
  /** Not held to MAX_STEPS, which bounds one request: an episode recorded step by step may hold more. */
  steps: z.array(step),
  finalObservation: observationText.nullable(),
  totalReward: finite,
  success: z.boolean().nullable(),
  metadata: jsonObject,
  createdAt: instant,
  finishedAt: instant.nullable(),
});

const actionStats = z.strictObject({
  action: z.string(),
  q: finite,
  meanReward: finite,
  visits: count,
  outcomes: z.record(z.string(), count).optional(),
  ends: count.optional(),
});

const experienceRecord = z.strictObject({
  id: idOf("experience"),
  task: z.string(),
  observation: z.string(),
  actions: z.array(actionStats),
  bestHistory: z.array(z.string()),
  bestReturn: finite.nullable(),
  visits: count,
  createdAt: instant,
  updatedAt: instant,
});

const insight = z.strictObject({
  id: idOf("insight"),
  text: ruleText,
  count: insightCount,
  createdAt: instant,
  updatedAt: instant,
});

/** A shared block the agent carries, with the agent's attachment to it. */
const sharedBlock = z.strictObject({
  id: idOf("block"),
  label: blockLabel,
  value: z.string(),
  description: blockDescription,
  limit: blockLimit,
  readOnly: z.boolean(),
  createdAt: instant,
  updatedAt: instant,
  /** The label the agent carries it under, and whether it is read-only for this agent. */
  attachment: z.strictObject({ label: blockLabel, readOnly: z.boolean(), createdAt: instant }),
});

/** An image of the agent's messages: its bytes base64, checked against its hash on import. */
const image = z.strictObject({
  sha256: hash,
  mediaType: z.enum(IMAGE_MEDIA_TYPES),
  size: count.max(MAX_IMAGE_BYTES),
  caption: z.string().max(10_000).nullable(),
  createdAt: instant,
  data: z.string().max(Math.ceil((MAX_IMAGE_BYTES * 4) / 3) + 4),
});

/** Version 1: the agent and its block history only. Still read; never written. */
export const exportDocumentV1 = z.strictObject({
  ...agentWithHistory,
  version: z.literal(1),
});

/** The current version: the agent with its block history and everything it has learned. */
export const exportDocument = z.strictObject({
  format: agentWithHistory.format,
  version: z.literal(EXPORT_VERSION),
  exportedAt: agentWithHistory.exportedAt,
  agent: agentWithHistory.agent,
  branches: agentWithHistory.branches,
  commits: agentWithHistory.commits,
  blobs: agentWithHistory.blobs,
  /** Current and archived, oldest first, each with its version history. */
  memories: z.array(memory),
  /** The whole conversation (every user), in order. */
  messages: z.array(message),
  /** Oldest first, with their steps. */
  episodes: z.array(episode),
  experience: z.strictObject({
    /** The experience memory's change counter. */
    version: count,
    records: z.array(experienceRecord),
  }),
  /** Strongest first. */
  insights: z.array(insight),
  /** The shared blocks the agent carries; absent when it carries none. */
  sharedBlocks: z.array(sharedBlock).optional(),
  /** The images its messages refer to (metadata.images); absent in documents written before images. */
  images: z.array(image).optional(),
  /** The entity graph (absent from documents written before it was exported: rebuilt on import). */
  graph: graphSection.optional(),
});

/** One agent with its full block history and all it has learned, as written by `export` and read by `import`. */
export type ExportDocument = z.infer<typeof exportDocument>;
export type ExportDocumentV1 = z.infer<typeof exportDocumentV1>;
export type ExportedMemory = ExportDocument["memories"][number];
export type ExportedMessage = ExportDocument["messages"][number];
export type ExportedEpisode = ExportDocument["episodes"][number];
export type ExportedRecord = ExportDocument["experience"]["records"][number];
export type ExportedInsight = ExportDocument["insights"][number];
export type ExportedSharedBlock = NonNullable<ExportDocument["sharedBlocks"]>[number];
export type ExportedImage = NonNullable<ExportDocument["images"]>[number];
