import { z } from "zod";
import { AUTHORS } from "../core/types.ts";

/** The export document's identifier and the newest version this code reads and writes. */
export const EXPORT_FORMAT = "engram.agent";
export const EXPORT_VERSION = 1;

const hash = z.string().regex(/^[0-9a-f]{64}$/, "must be a 64-digit hex SHA-256");

const treeEntry = z.strictObject({
  label: z.string(),
  description: z.string(),
  limit: z.number().int().positive(),
  readOnly: z.boolean(),
  valueHash: hash,
});

export const exportDocument = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: z.string(),
  agent: z.strictObject({
    id: z.string().regex(/^agt_[0-9a-z]{26}$/, "must be an agent id (agt_…)"),
    name: z.string().min(1),
    model: z.string().nullable(),
    instructions: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    defaultBranch: z.string().min(1),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
  branches: z.array(z.strictObject({ name: z.string().min(1), head: hash })).min(1),
  /** Parents before children. */
  commits: z
    .array(
      z.strictObject({
        id: hash,
        parentId: hash.nullable(),
        treeHash: hash,
        tree: z.array(treeEntry),
        author: z.enum(AUTHORS),
        message: z.string(),
        createdAt: z.string(),
      }),
    )
    .min(1),
  blobs: z.array(z.strictObject({ hash, value: z.string() })),
});

/** One agent with its full block history, as written by `export` and read by `import`. */
export type ExportDocument = z.infer<typeof exportDocument>;
