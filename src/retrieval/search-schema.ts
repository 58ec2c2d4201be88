import { z } from "zod";
import { memoryFilterSchema } from "../core/filter/filter-parse.ts";
import { MESSAGE_ROLES } from "../core/types.ts";
import { isoTime, memoryKind } from "../memory/memories/schemas.ts";

/** Default weights of the ranking signals; every one can be overridden per query. */
export const DEFAULT_WEIGHTS = {
  /** Reciprocal-rank share of the full-text (BM25) ranking. */
  lexical: 1,
  /** Reciprocal-rank share of the vector ranking (when an embedding model is configured). */
  vector: 1,
  /** Added for recency: 1 × weight for a brand-new item, half that after one half-life. */
  recency: 0.1,
  /** Added for importance (memories; 0 to 1). */
  importance: 0.1,
  /** Added for how often a memory was retrieved before (diminishing). */
  access: 0.05,
  /** Added for the item's connection, through the entity graph, to the entities the query names. */
  graph: 0.3,
  /** Added for a memory linked as related (by sleep-time consolidation) to one of the best results. */
  related: 0.3,
} as const;

export const SEARCH_DEFAULTS = {
  k: 10,
  recencyHalfLifeDays: 30,
  /** Word-overlap (Jaccard) at which a lower-ranked result counts as a near-duplicate. */
  dedupeThreshold: 0.9,
  /** Candidates taken from each ranking before fusion. */
  candidates: 100,
} as const;

const weights = z.strictObject({
  lexical: z.number().min(0).max(100),
  vector: z.number().min(0).max(100),
  recency: z.number().min(0).max(100),
  importance: z.number().min(0).max(100),
  access: z.number().min(0).max(100),
  graph: z.number().min(0).max(100),
  related: z.number().min(0).max(100),
});

export const searchInput = z.strictObject({
  query: z.string().max(100_000, "must be at most 100,000 characters"),
  k: z.number().int().min(1).max(200).default(SEARCH_DEFAULTS.k),
  sources: z
    .array(z.enum(["memories", "messages"]))
    .min(1)
    .default(["memories"]),
  userId: z.string().min(1).max(256).optional(),
  /** With `userId`: also return the agent's own memories that belong to no user (default true). */
  includeShared: z.boolean().default(true),
  kinds: z.array(memoryKind).max(20).optional(),
  tags: z.array(z.string().min(1).max(64)).max(32).optional(),
  roles: z.array(z.enum(MESSAGE_ROLES)).optional(),
  /** Items created at or after this time. */
  after: isoTime.optional(),
  /** Items created before this time. */
  before: isoTime.optional(),
  /**
   * Memories valid at this instant (reads the past). Without it, only memories valid now are found:
   * validFrom not in the future and validTo null or in the future (a superseded fact is closed by its
   * validTo). See docs/retrieval.md.
   */
  validAt: isoTime.optional(),
  /** Memories whatever their validity: closed and superseded facts too (history). Default false. */
  includeSuperseded: z.boolean().default(false),
  /**
   * A metadata filter over memories' `metadata.*` and built-in fields (docs/filters.md), applied before
   * ranking. With messages among the sources it may name only `metadata.*`, userId and createdAt. A
   * condition on validFrom or validTo takes the place of `validAt`: give one or the other.
   */
  filter: memoryFilterSchema.optional(),
  weights: weights.partial().optional(),
  recencyHalfLifeDays: z.number().positive().max(36_500).default(SEARCH_DEFAULTS.recencyHalfLifeDays),
  dedupeThreshold: z.number().min(0).max(1).default(SEARCH_DEFAULTS.dedupeThreshold),
  candidates: z.number().int().min(1).max(1000).default(SEARCH_DEFAULTS.candidates),
  /**
   * Follow the entity graph from the entities the query names. Default: as the agent's graph mode
   * says (`metadata.graph`: followed unless `off`); true or false overrides it for this search.
   */
  graph: z.boolean().optional().meta({
    description: "follow the entity graph; default: unless the agent's metadata.graph is off",
  }),
  /** Count this retrieval in the returned memories' access statistics (default true). */
  recordAccess: z.boolean().default(true),
});
export type SearchInput = z.input<typeof searchInput>;
export type ParsedSearch = z.output<typeof searchInput>;
