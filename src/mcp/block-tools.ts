import { z } from "zod";
import type { Block } from "../core/types.ts";
import { type BlockChange, blockLabel, expectedHead } from "../memory/blocks/schemas.ts";
import { pieceOffset, textPiece } from "./text-piece.ts";
import { defineTool } from "./tool.ts";

/** Who MCP edits are recorded as: the client acts as the agent, so read-only blocks stay protected. */
export const MCP_AUTHOR = "agent";

const label = blockLabel.describe("The block's label, e.g. persona or human.");

export const agentList = defineTool({
  name: "agent_list",
  title: "List agents",
  description: "Lists the agents this server can work on, oldest first, with their ids and names.",
  fields: {
    limit: z.number().int().min(1).max(500).default(50).describe("Most agents to return (default 50)."),
    cursor: z.string().max(200).optional().describe("nextCursor of the previous page."),
  },
  perAgent: false,
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, { session }) {
    const page = await session.engram.agents.list({ limit: args.limit, cursor: args.cursor });
    return {
      agents: page.items.map((a) => ({
        id: a.id,
        name: a.name,
        projectId: a.projectId,
        instructions: a.instructions,
      })),
      nextCursor: page.nextCursor,
    };
  },
});

export const blockList = defineTool({
  name: "block_list",
  title: "List memory blocks",
  description:
    "Lists the agent's memory blocks (the learned context always in its prompt) with their values, " +
    "sizes and limits, and the commit they were read at. A value over 4,000 characters is cut there " +
    "(truncated: true, chars its length): read on with block_read from nextOffset, at this commit.",
  fields: {},
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(_args, { session, agentId }) {
    const set = await session.engram.blocks.list(agentId);
    return { agentId, commit: set.commit, branch: set.branch, blocks: set.blocks.map(shownBlock) };
  },
});

export const blockRead = defineTool({
  name: "block_read",
  title: "Read a memory block",
  description:
    "Reads one memory block of the agent: its description, size, limit and value, in pieces of at " +
    "most 4,000 characters. A longer value is read on with offset (the previous nextOffset) and at " +
    "(the first piece's commit), so every piece comes from the same version.",
  fields: {
    label,
    offset: pieceOffset,
    at: expectedHead
      .optional()
      .describe("The commit to read at (the first piece's commit); default the head of the branch."),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, { session, agentId }) {
    const block = await session.engram.blocks.get(agentId, args.label, { at: args.at });
    const { text, ...piece } = textPiece(block.value, args.offset, "block");
    return { agentId, commit: block.commit, block: { ...blockView(block), value: text }, ...piece };
  },
});

const edit = z.discriminatedUnion("op", [
  z.strictObject({
    op: z.literal("append"),
    label,
    text: z.string().min(1, "must not be empty").describe("A line to add at the end of the block."),
  }),
  z.strictObject({
    op: z.literal("replace"),
    label,
    old: z
      .string()
      .min(1, "must not be empty")
      .describe("The exact passage to replace; it must occur exactly once in the block."),
    new: z.string().describe("What replaces it (empty to delete the passage)."),
  }),
  z.strictObject({
    op: z.literal("rethink"),
    label,
    value: z.string().describe("The block's whole new value; creates the block if it does not exist."),
  }),
]);

export const blockEdit = defineTool({
  name: "block_edit",
  title: "Edit memory blocks",
  description:
    "Edits the agent's memory blocks as one commit in their version history (all edits or none). " +
    "append adds a line, replace swaps one exact passage, rethink rewrites a whole block. " +
    "append and replace apply to the newest head, so concurrent edits are not lost; pass expectedHead " +
    "(a commit id from block_read or block_list) to refuse the edit if anything changed since. " +
    "The result shows the edited blocks as they now are, a value over 4,000 characters cut as in block_list.",
  fields: {
    edits: z
      .array(edit)
      .min(1, "must name at least one edit")
      .max(50)
      .superRefine(oncePerBlock)
      .describe("The edits, one per block at most."),
    message: z
      .string()
      .min(1)
      .max(10_000)
      .optional()
      .describe("Why, for the history (like a commit message)."),
    expectedHead: expectedHead
      .optional()
      .describe(
        "The commit the edits were computed from (from block_read or block_list); if the head moved since, nothing changes and the call fails with conflict.",
      ),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, { session, agentId }) {
    const changes: BlockChange[] = args.edits.map((e) =>
      e.op === "rethink" ? { op: "set", label: e.label, value: e.value } : e,
    );
    const result = await session.engram.blocks.commit(agentId, {
      changes,
      author: MCP_AUTHOR,
      message: args.message,
      expectedHead: args.expectedHead,
    });
    const labels = new Set(args.edits.map((e) => e.label));
    const after = await session.engram.blocks.list(agentId, { at: result.commit.id });
    return {
      agentId,
      commit: result.commit.id,
      branch: result.branch,
      changed: result.changed,
      message: result.commit.message,
      blocks: after.blocks.filter((b) => labels.has(b.label)).map(shownBlock),
    };
  },
});

/** A commit changes each block once; two edits of one block would each apply to the same head. */
function oncePerBlock(edits: readonly { label: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  edits.forEach((e, i) => {
    if (seen.has(e.label)) {
      ctx.addIssue({
        code: "custom",
        path: [i, "label"],
        message: `block "${e.label}" is edited twice: edit each block at most once per call (use rethink to rewrite it)`,
      });
    }
    seen.add(e.label);
  });
}

/**
 * A block as block_list and block_edit show it: a value over MAX_RESULT_TEXT is cut there (never
 * inside a surrogate pair), with `truncated`, `chars` its length and `nextOffset` where block_read
 * reads on, at the commit the result names.
 */
function shownBlock(b: Block) {
  const { text, nextOffset, chars } = textPiece(b.value, 0, "block");
  const view = { ...blockView(b), value: text };
  return nextOffset === null ? view : { ...view, truncated: true as const, chars, nextOffset };
}

function blockView(b: Block) {
  return {
    label: b.label,
    description: b.description,
    value: b.value,
    size: b.size,
    limit: b.limit,
    readOnly: b.readOnly,
  };
}
