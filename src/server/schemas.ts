import { z } from "@hono/zod-openapi";
import { AUTHORS, MESSAGE_ROLES } from "../core/types.ts";
import { PAGE_MAX } from "../memory/pagination.ts";

/**
 * Schemas of what the HTTP API returns, and of the query and path parameters its routes share.
 * Request bodies reuse the engine's input schemas where their shape is the same.
 */

const metadata = z.record(z.string(), z.unknown());
const timestamp = z.string().openapi({ description: "ISO 8601 time", example: "2025-01-01T12:00:00.000Z" });
const commitId = z.string().openapi({ description: "commit id (SHA-256, 64 hex digits)" });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found" }),
      message: z.string(),
      details: metadata.optional(),
    }),
  })
  .openapi("Error");

export const HealthSchema = z
  .object({
    status: z.literal("ok"),
    store: z.string().openapi({ example: "sqlite" }),
    capabilities: z.object({ vectors: z.boolean(), fullText: z.boolean() }),
    warnings: z.array(z.string()),
  })
  .openapi("Health");

export const ProjectSchema = z
  .object({ id: z.string(), name: z.string(), metadata, createdAt: timestamp, updatedAt: timestamp })
  .openapi("Project");

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
    projectId: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "the first characters of the secret, to tell keys apart" }),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable().openapi({ description: "last request it authenticated, to the minute" }),
    revokedAt: timestamp.nullable(),
  })
  .openapi("ApiKey");

export const CreatedKeySchema = ApiKeySchema.extend({
  key: z
    .string()
    .openapi({ description: "the key to send as 'Authorization: Bearer <key>'; shown only now" }),
  project: z.string().openapi({ description: "the project's name" }),
}).openapi("CreatedKey");

export const AgentSchema = z
  .object({
    id: z.string().openapi({ example: "agt_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
    projectId: z.string(),
    name: z.string(),
    model: z.string().nullable(),
    instructions: z.string(),
    metadata,
    defaultBranch: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("Agent");

export const BlockSchema = z
  .object({
    label: z.string(),
    value: z.string(),
    description: z.string(),
    limit: z.number().int(),
    readOnly: z.boolean(),
    size: z.number().int().openapi({ description: "characters used, out of limit" }),
    sharedId: z.string().optional().openapi({
      description: "the shared block (blk_…) this is: edits reach every agent it is attached to",
    }),
  })
  .openapi("Block");

export const BlockAtSchema = BlockSchema.extend({ commit: commitId }).openapi("BlockAt");

export const BlockSetSchema = z
  .object({
    commit: commitId,
    branch: z.string().nullable().openapi({ description: "the branch read, null when read at a revision" }),
    blocks: z.array(BlockSchema),
  })
  .openapi("BlockSet");

const TreeEntrySchema = z
  .object({
    label: z.string(),
    description: z.string(),
    limit: z.number().int(),
    readOnly: z.boolean(),
    valueHash: z.string(),
    sharedId: z.string().optional(),
  })
  .openapi("TreeEntry");

export const CommitSchema = z
  .object({
    id: commitId,
    parentId: commitId.nullable(),
    treeHash: z.string(),
    tree: z.array(TreeEntrySchema),
    author: z.enum(AUTHORS),
    message: z.string(),
    createdAt: timestamp,
  })
  .openapi("Commit");

export const CommitResultSchema = z
  .object({
    commit: CommitSchema,
    branch: z.string(),
    changed: z
      .boolean()
      .openapi({ description: "false when nothing changed: no commit was made and commit is the head" }),
  })
  .openapi("CommitResult");

export const BranchSchema = z
  .object({ name: z.string(), head: commitId, updatedAt: timestamp })
  .openapi("Branch");

const BlockSettingsSchema = z.object({
  description: z.string(),
  limit: z.number().int(),
  readOnly: z.boolean(),
});

export const CommitDiffSchema = z
  .object({
    from: commitId,
    to: commitId,
    blocks: z.array(
      z.object({
        label: z.string(),
        status: z.enum(["added", "removed", "modified"]),
        settings: z
          .object({ before: BlockSettingsSchema.nullable(), after: BlockSettingsSchema.nullable() })
          .nullable(),
        lines: z.array(z.object({ op: z.enum(["equal", "insert", "delete"]), text: z.string() })),
        patch: z.string().openapi({ description: "unified text: ' ' kept, '-' removed, '+' added" }),
      }),
    ),
  })
  .openapi("CommitDiff");

export const EventSchema = z
  .object({
    seq: z.number().int(),
    id: z.string(),
    projectId: z.string(),
    agentId: z.string().nullable(),
    actor: z.enum([...AUTHORS, "system"]),
    kind: z.string().openapi({ example: "blocks.committed" }),
    targetType: z.string(),
    targetId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    createdAt: timestamp,
  })
  .openapi("Event");

export const ProvenanceSchema = z
  .object({
    messageIds: z.array(z.string()).openapi({ description: "engram message ids" }),
    externalIds: z
      .array(z.string())
      .openapi({ description: "ids outside engram, e.g. a dataset's turn ids" }),
  })
  .openapi("Provenance");

export const MemorySchema = z
  .object({
    id: z.string().openapi({ example: "mem_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
    agentId: z.string(),
    userId: z
      .string()
      .nullable()
      .openapi({ description: "the end user it is about, null for the agent's own knowledge" }),
    kind: z.string().openapi({ example: "fact" }),
    text: z.string(),
    tags: z.array(z.string()),
    importance: z.number().openapi({ description: "0 (trivial) to 1 (vital)" }),
    validFrom: timestamp.nullable().openapi({
      description:
        "when the fact became true (null on memories from before it was recorded: their createdAt)",
    }),
    validTo: timestamp.nullable().openapi({ description: "when it stopped being true; null while it holds" }),
    key: z.string().nullable().openapi({
      description: "what the fact is about (user.city); a newer fact with the key closes this one",
      example: "user.city",
    }),
    provenance: ProvenanceSchema,
    metadata,
    version: z.number().int().openapi({ description: "1, plus one per update" }),
    accessCount: z.number().int().openapi({ description: "how often search returned it" }),
    lastAccessedAt: timestamp.nullable(),
    archivedAt: timestamp.nullable().openapi({
      description: "when it was archived (forgotten or merged by sleep-time work); null while active",
    }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("Memory");

export const MemoryVersionSchema = z
  .object({
    memoryId: z.string(),
    version: z.number().int(),
    operation: z.enum(["create", "update", "delete"]),
    actor: z.enum([...AUTHORS, "system"]),
    memory: MemorySchema,
    createdAt: timestamp,
  })
  .openapi("MemoryVersion", {
    description: "a version of a memory: `memory` as it was after the operation (before it, for a delete)",
  });

export const MessageSchema = z
  .object({
    id: z.string().openapi({ example: "msg_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
    agentId: z.string(),
    userId: z.string().nullable(),
    role: z.enum(MESSAGE_ROLES),
    name: z.string().nullable().openapi({ description: "the speaker's name, when known" }),
    sessionId: z
      .string()
      .nullable()
      .openapi({ description: "the conversation session (thread); neighbours are indexed within it" }),
    content: z.string(),
    provenance: ProvenanceSchema,
    metadata,
    createdAt: timestamp,
  })
  .openapi("Message");

export const ScoreComponentsSchema = z
  .object({
    bm25: z
      .number()
      .nullable()
      .openapi({ description: "full-text score (higher is better), null if no match" }),
    lexicalScore: z.number().nullable().openapi({
      description:
        "the lexical ranking's score: BM25 for memories; for messages, adjusted by expansion, speaker and session",
    }),
    lexicalRank: z.number().int().nullable().openapi({ description: "rank in the full-text ranking" }),
    vectorDistance: z
      .number()
      .nullable()
      .openapi({ description: "cosine distance to the query (0 is identical), null without vectors" }),
    vectorRank: z.number().int().nullable(),
    relevance: z.number().openapi({ description: "fused rank relevance, 0 to 1" }),
    match: z.number().openapi({
      description:
        "how well the item matches beside the best: its score's share of the top score of the ranking that found it, 1 within a fifth of the top, 0 to 1 (1 when no ranking scored it); recency, importance and access count in proportion (to the largest of match, graph and related)",
    }),
    recency: z.number(),
    importance: z.number(),
    access: z.number(),
    graph: z.number().openapi({
      description: "connection through the entity graph to the entities the query names, 0 to 1",
    }),
    graphEntities: z
      .array(z.string())
      .openapi({ description: "the entities (keys) through which the graph reached the result" }),
    related: z.number().openapi({
      description:
        "linked as related (by sleep-time consolidation) to one of the best results: that result's share of the best score, 0 to 1",
    }),
    relatedTo: z
      .array(z.string())
      .openapi({ description: "the results that link to this one as related, best first" }),
  })
  .openapi("ScoreComponents");

export const SearchResultSchema = z
  .object({
    source: z.enum(["memory", "message"]),
    scope: z.enum(["agent", "project"]).optional().openapi({
      description: "for a memory: the agent's own, or its project's (found by every agent of the project)",
    }),
    writtenBy: z
      .string()
      .optional()
      .openapi({ description: "for a project memory: the agent that wrote it" }),
    id: z.string(),
    text: z.string(),
    score: z.number(),
    components: ScoreComponentsSchema,
    memory: MemorySchema.optional(),
    message: MessageSchema.optional(),
  })
  .openapi("SearchResult", {
    description: "a search hit: the item is in `memory` or `message`, as `source` says",
  });

export const SearchResponseSchema = z
  .object({
    results: z.array(SearchResultSchema),
    suppressed: z
      .array(z.object({ id: z.string(), duplicateOf: z.string() }))
      .openapi({ description: "results left out as near-duplicates of a higher one" }),
    warnings: z.array(z.string()),
  })
  .openapi("SearchResponse");

export const EpisodeStepSchema = z
  .object({
    index: z.number().int().openapi({ description: "0 for the first step" }),
    observation: z.string(),
    availableActions: z.array(z.string()),
    action: z.string().openapi({ description: "the action taken, one of availableActions" }),
    reward: z.number(),
    createdAt: timestamp,
  })
  .openapi("EpisodeStep");

const episodeFields = {
  id: z.string().openapi({ example: "epi_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
  agentId: z.string(),
  task: z.string(),
  status: z
    .enum(["running", "finished"])
    .openapi({ description: "running: recorded step by step and not finished yet" }),
  finalObservation: z.string().nullable().openapi({ description: "the observation after the last step" }),
  totalReward: z.number().openapi({ description: "sum of the rewards" }),
  success: z.boolean().nullable().openapi({ description: "whether the task was accomplished, if said" }),
  metadata,
  createdAt: timestamp,
  finishedAt: timestamp.nullable(),
};

export const EpisodeSchema = z
  .object({ ...episodeFields, steps: z.array(EpisodeStepSchema) })
  .openapi("Episode", { description: "a task attempt: its trajectory and outcome" });

export const EpisodeSummarySchema = z
  .object({
    ...episodeFields,
    steps: z.array(EpisodeStepSchema).openapi({ description: "empty in a list: get the episode for them" }),
    stepCount: z.number().int(),
  })
  .openapi("EpisodeSummary", { description: "an episode in a list, without its steps" });

export const RecordedStepSchema = z
  .object({
    episodeId: z.string(),
    step: EpisodeStepSchema,
    stepCount: z.number().int().openapi({ description: "steps in the episode, this one included" }),
    totalReward: z.number().openapi({ description: "sum of the episode's rewards so far" }),
    status: z.enum(["running", "finished"]),
  })
  .openapi("RecordedStep", {
    description: "a step as stored and where its episode stands (get the episode for all its steps)",
  });

export const ActionStatsSchema = z
  .object({
    action: z.string(),
    q: z.number().openapi({ description: "the learned value of taking the action here" }),
    meanReward: z.number(),
    visits: z.number().int(),
  })
  .openapi("ActionStats");

export const ExperienceRecordSchema = z
  .object({
    id: z.string().openapi({ example: "exp_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
    agentId: z.string(),
    task: z.string(),
    observation: z.string(),
    actions: z.array(ActionStatsSchema),
    bestHistory: z
      .array(z.string())
      .openapi({ description: "the actions that led here in the best episode that visited it" }),
    bestReturn: z.number().nullable(),
    visits: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("ExperienceRecord", {
    description: "what the experience memory learned in one (task, observation), per action",
  });

export const AdviceItemSchema = z
  .object({
    recordId: z.string(),
    task: z.string(),
    observation: z.string(),
    similarity: z.number().openapi({ description: "0 to 1: how close the record is to the request" }),
    visits: z.number().int(),
    encouraged: z.array(
      z.object({
        action: z.string(),
        q: z.number(),
        exploratory: z.boolean().openapi({ description: "true when picked to explore, no Q being positive" }),
      }),
    ),
    discouraged: z.array(z.object({ action: z.string(), q: z.number() })),
    bestHistory: z.array(z.string()),
  })
  .openapi("AdviceItem");

export const AdviceSchema = z
  .object({
    items: z.array(AdviceItemSchema).openapi({ description: "one per similar record, most similar first" }),
    text: z.string().openapi({ description: "the advice in Rememberer's text format, ready for a prompt" }),
  })
  .openapi("Advice");

export const InsightSchema = z
  .object({
    id: z.string().openapi({ example: "ins_01jd8x0k5m2n3p4q5r6s7t8v9w" }),
    agentId: z.string(),
    text: z.string(),
    count: z.number().int().openapi({ description: "support count; the rule is dropped at 0" }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("Insight", { description: "a rule distilled from experience (ExpeL)" });

export const InsightOperationSchema = z
  .discriminatedUnion("op", [
    z.object({ op: z.literal("add"), text: z.string() }),
    z.object({ op: z.literal("edit"), id: z.string(), text: z.string() }),
    z.object({ op: z.literal("agree"), id: z.string() }),
    z.object({ op: z.literal("remove"), id: z.string() }),
  ])
  .openapi("InsightOperation", {
    description:
      "add starts a rule at 2, edit rewrites it (+1), agree adds 1, remove takes 1 (3 while over capacity)",
  });

export const InsightResultSchema = z
  .object({
    insights: z.array(InsightSchema).openapi({ description: "the rules after, strongest first" }),
    applied: z.array(InsightOperationSchema),
    skipped: z
      .array(z.object({ operation: InsightOperationSchema, reason: z.string() }))
      .openapi({ description: "operations turned away, with why (e.g. an add of a rule already there)" }),
  })
  .openapi("InsightResult");

export const InsightExtractionSchema = InsightResultSchema.extend({
  pairs: z.number().int().openapi({ description: "success/failure pairs of episodes compared" }),
}).openapi("InsightExtraction");

/** A page of a list: `nextCursor` is passed back as `?cursor=` for the next page. */
export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);
}

/** Query strings arrive as text: `limit` is coerced, and anything but a whole number is refused. */
export const limitQuery = z.coerce
  .number({ error: "must be an integer" })
  .int("must be an integer")
  .min(1, "must be at least 1")
  .max(PAGE_MAX, `must be at most ${PAGE_MAX}`)
  .optional()
  .openapi({ description: `page size, 1 to ${PAGE_MAX} (default 50)` });

export const cursorQuery = z
  .string()
  .min(1)
  .optional()
  .openapi({ description: "nextCursor of the previous page" });

/** A query flag: `true` or `false`. */
export const booleanQuery = z
  .enum(["true", "false"], { error: "must be true or false" })
  .transform((value) => value === "true")
  .optional();

/**
 * A query parameter that may repeat (`?kind=a&kind=b`), and with `split` also takes a
 * comma-separated list (`?kind=a,b`): the values are checked one by one against `item`.
 */
export function listQuery<T extends z.ZodType<unknown, string>>(
  item: T,
  options: { max: number; split: boolean; description: string },
) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value]).flatMap((v) =>
        options.split ? v.split(",").map((part) => part.trim()) : [v],
      ),
    )
    .pipe(z.array(item).max(options.max, `must be at most ${options.max} values`))
    .optional()
    .openapi({
      type: "array",
      items: { type: "string" },
      description: options.description,
    });
}

export const revisionQuery = z
  .string()
  .min(1)
  .optional()
  .openapi({ description: "revision: commit id or prefix, branch, HEAD, HEAD~N" });

export const agentParams = z.object({
  id: z
    .string()
    .min(1)
    .openapi({
      param: { name: "id", in: "path" },
      description: "agent id (agt_…), or a name unique in the project",
    }),
});

/** The `If-Match` header may carry the expected head instead of the body's `expectedHead`. */
export const ifMatchHeaders = z.object({
  "if-match": z
    .string()
    .optional()
    .openapi({ description: "the branch head this write expects (same as expectedHead)" }),
});

/** An OpenAPI response that carries JSON of `schema`. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A JSON request body of `schema`; `required: false` lets a client send no body at all. */
export function jsonRequest<T extends z.ZodType>(schema: T, required = true) {
  return { required, content: { "application/json": { schema } } };
}

const ERROR_DESCRIPTIONS = {
  400: "invalid input, naming the field",
  403: "forbidden",
  404: "not found",
  409: "conflict: a stale expectedHead or expectedVersion, or a name that is taken",
  413: "request body too large",
  415: "request body is not JSON",
  422: "unsupported format (e.g. an export document newer than this engram)",
  503: "unavailable: no language model is configured, or the model failed",
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Error responses a route documents, all in the `{error:{code,message}}` shape. */
export function errorResponses<const S extends readonly ErrorStatus[]>(...statuses: S) {
  return Object.fromEntries(
    statuses.map((status) => [status, jsonResponse(ErrorSchema, ERROR_DESCRIPTIONS[status])]),
  ) as { [K in S[number]]: ReturnType<typeof jsonResponse<typeof ErrorSchema>> };
}
