import type { SharedBlock, SharedBlockEdit } from "../../core/shared-block-types.ts";
import type { SharedBlockInfo } from "../../memory/blocks/shared-block-service.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { commitJson, formatCommitResult } from "../format.ts";
import { fields, listResult, oneLine, shortId, shortTime, table } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";
import { valueArgument } from "./block.ts";

const PAGE_OPTIONS = {
  limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
  cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
} as const;

const create = defineCommand({
  name: "block create",
  summary: "Create a shared block in a project, to attach to several of its agents",
  args: ["label", "value?"],
  options: {
    project: { type: "string", arg: "NAME", help: "project to create it in (default: default)" },
    file: { type: "string", arg: "FILE", help: "read the value from a file instead of VALUE" },
    description: { type: "string", arg: "TEXT", help: "what the block is for" },
    limit: { type: "string", arg: "N", help: "character limit (default 5000)" },
    "read-only": { type: "boolean", help: "no agent may change it (users and engram's jobs may)" },
  },
  details:
    "VALUE '-' reads stdin. Prints the block's id (blk_…), which `block attach` takes, so that\n`id=$(engram block create …)` keeps it; --json prints the whole block.",
  async run({ args, options }, ctx) {
    const value = await valueArgument(args.value, options.file, ctx, "block create");
    if (value === undefined) throw new UsageError("missing argument VALUE (or --file)", "block create");
    const block = await ctx.engram().sharedBlocks.create({
      label: args.label,
      value,
      project: options.project,
      description: options.description,
      limit: intOption(options.limit, "limit", "block create"),
      readOnly: options["read-only"],
    });
    return { data: block, text: block.id };
  },
});

const attach = defineCommand({
  name: "block attach",
  summary: "Attach a shared block to an agent: edits through any attached agent reach all of them",
  args: ["agent", "blockId"],
  options: {
    ...PROJECT_OPTION,
    "read-only": { type: "boolean", help: "this agent may not change the block (others still may)" },
  },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.sharedBlocks.attach(agent.id, args.blockId, {
      readOnly: options["read-only"],
    });
    return { data: commitJson(result), text: formatCommitResult(result) };
  },
});

const detach = defineCommand({
  name: "block detach",
  summary: "Detach a shared block from an agent, which keeps a private copy",
  args: ["agent", "label"],
  options: PROJECT_OPTION,
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.sharedBlocks.detach(agent.id, args.label);
    return { data: commitJson(result), text: formatCommitResult(result) };
  },
});

const shared = defineCommand({
  name: "block shared",
  readOnly: true,
  summary: "List a project's shared blocks, oldest first",
  args: [],
  options: {
    project: { type: "string", arg: "NAME", help: "only this project's blocks" },
    ...PAGE_OPTIONS,
  },
  async run({ options }, ctx) {
    const page = await ctx.engram().sharedBlocks.list({
      project: options.project,
      limit: intOption(options.limit, "limit", "block shared"),
      cursor: options.cursor,
    });
    return listResult(page, (items) => (items.length === 0 ? "no shared blocks" : formatSharedBlocks(items)));
  },
});

const show = defineCommand({
  name: "block show",
  readOnly: true,
  summary: "Show a shared block: its value, settings and the agents it is attached to",
  args: ["blockId"],
  options: {},
  async run({ args }, ctx) {
    const block = await ctx.engram().sharedBlocks.get(args.blockId);
    return { data: block, text: formatSharedBlock(block) };
  },
});

const edits = defineCommand({
  name: "block edits",
  readOnly: true,
  summary: "A shared block's edits across its agents, oldest first",
  args: ["blockId"],
  options: PAGE_OPTIONS,
  async run({ args, options }, ctx) {
    const page = await ctx.engram().sharedBlocks.commits(args.blockId, {
      limit: intOption(options.limit, "limit", "block edits"),
      cursor: options.cursor,
    });
    return listResult(page, (items) => (items.length === 0 ? "no edits" : formatEdits(items)));
  },
});

const drop = defineCommand({
  name: "block drop",
  summary: "Delete a shared block attached to no agent (detach it from each first)",
  args: ["blockId"],
  options: {},
  async run({ args }, ctx) {
    await ctx.engram().sharedBlocks.delete(args.blockId);
    return { data: { deleted: args.blockId }, text: `deleted shared block ${args.blockId}` };
  },
});

/** `engram block create|attach|detach|shared|show|edits|drop`: blocks shared by a project's agents. */
export const sharedBlockCommands: readonly Command[] = [create, attach, detach, shared, show, edits, drop];

function formatSharedBlocks(blocks: readonly (SharedBlock & { size: number })[]): string {
  return table(
    ["ID", "LABEL", "SIZE", "VALUE"],
    blocks.map((b) => [b.id, b.label, `${b.size}/${b.limit}`, oneLine(b.value, 48)]),
  );
}

function formatSharedBlock(block: SharedBlockInfo): string {
  const agents = block.attachments.map((a) => `${a.agentId}${a.readOnly ? " (read-only)" : ""}`);
  return [
    fields([
      ["id", block.id],
      ["label", block.label],
      ["size", `${block.size}/${block.limit}`],
      ["read-only", String(block.readOnly)],
      ["description", block.description],
      ["attached to", agents.length === 0 ? "no agent" : agents.join(", ")],
    ]),
    "",
    block.value,
  ].join("\n");
}

function formatEdits(items: readonly SharedBlockEdit[]): string {
  return table(
    ["TIME", "THROUGH", "AUTHOR", "COMMITS", "MESSAGE"],
    items.map((e) => [
      shortTime(e.createdAt),
      e.agentId,
      e.author,
      e.commits.map((c) => shortId(c.commitId)).join(","),
      oneLine(e.message, 48),
    ]),
  );
}
