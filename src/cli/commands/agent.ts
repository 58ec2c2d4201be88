import { InvalidInputError } from "../../core/errors.ts";
import type { BlockInput } from "../../memory/blocks/schemas.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { parseJsonObjectFlag, parseUserJson, readUserFile } from "../files.ts";
import { formatAgent, formatAgents, formatBlockSet } from "../format.ts";
import { listResult } from "../output.ts";
import { findAgent, PROJECT_OPTION, projectNameOf, projectNames } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const create = defineCommand({
  name: "agent create",
  summary: "Create an agent; prints it with its id",
  args: ["name?"],
  options: {
    name: { type: "string", arg: "NAME", help: "the agent's name, when not given as NAME" },
    model: { type: "string", arg: "PROVIDER:MODEL", help: "e.g. openai:gpt-4o-mini (default: the server's)" },
    instructions: { type: "string", arg: "TEXT", help: "system instructions" },
    metadata: { type: "string", arg: "JSON", help: "a JSON object of metadata" },
    block: {
      type: "string",
      multiple: true,
      arg: "LABEL=VALUE",
      help: "an initial block (repeatable, one per label)",
    },
    "blocks-file": { type: "string", arg: "FILE", help: "initial blocks from a JSON file" },
    project: {
      type: "string",
      arg: "NAME",
      help: "project to create it in, created too when missing (default: default)",
    },
  },
  details: [
    "NAME (or --name) is required, as with project create and group create.",
    "Given blocks replace the default ones (persona, human). FILE holds an array of",
    '{"label","value","description","limit","readOnly"} objects, or an object of label → value;',
    "--block values override the file's; each label may be given once.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    if (args.name !== undefined && options.name !== undefined && args.name !== options.name)
      throw new UsageError(`two names given: "${args.name}" and --name "${options.name}"`, "agent create");
    const name = args.name ?? options.name;
    if (name === undefined) throw new UsageError("missing NAME (or --name)", "agent create");
    const blocks = await initialBlocks(options["blocks-file"], options.block);
    const agent = await ctx.engram().agents.create(
      {
        name,
        project: options.project,
        model: options.model,
        instructions: options.instructions,
        metadata:
          options.metadata === undefined ? undefined : parseJsonObjectFlag(options.metadata, "metadata"),
        blocks,
      },
      { createProject: true },
    );
    return { data: agent, text: formatAgent(agent, await projectNameOf(ctx.engram(), agent.projectId)) };
  },
});

const list = defineCommand({
  name: "agent list",
  readOnly: true,
  summary: "List agents (of every project unless --project)",
  args: [],
  options: {
    project: { type: "string", arg: "NAME", help: "only this project's agents" },
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
  },
  async run({ options }, ctx) {
    const limit = intOption(options.limit, "limit", "agent list");
    const engram = ctx.engram();
    const page = await engram.agents.list({
      project: options.project,
      limit,
      cursor: options.cursor,
    });
    const names = await projectNames(engram);
    return listResult(page, (items) => formatAgents(items, names));
  },
});

const show = defineCommand({
  name: "agent show",
  readOnly: true,
  summary: "Show an agent and its blocks at the head of its default branch",
  args: ["agent"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const set = await engram.blocks.list(agent.id);
    return {
      data: { agent, branch: set.branch, commit: set.commit, blocks: set.blocks },
      text: `${formatAgent(agent, await projectNameOf(engram, agent.projectId))}\n\n${formatBlockSet(set)}`,
    };
  },
});

const update = defineCommand({
  name: "agent update",
  summary: "Change an agent's name, model, instructions or metadata",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    name: { type: "string", arg: "NAME", help: "new name" },
    model: { type: "string", arg: "PROVIDER:MODEL", help: "new model; '' for the server's default" },
    instructions: { type: "string", arg: "TEXT", help: "new instructions" },
    metadata: { type: "string", arg: "JSON", help: "new metadata (a JSON object; replaces the old)" },
    graph: {
      type: "string",
      arg: "MODE",
      help: "the entity graph: off, rules (default) or model (sets metadata.graph, keeping the rest)",
    },
  },
  async run({ args, options }, ctx) {
    const { name, model, instructions, metadata, graph } = options;
    if ([name, model, instructions, metadata, graph].every((v) => v === undefined))
      throw new UsageError(
        "nothing to update: give --name, --model, --instructions, --metadata or --graph",
        "agent update",
      );
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const given = metadata === undefined ? undefined : parseJsonObjectFlag(metadata, "metadata");
    const updated = await engram.agents.update(agent.id, {
      name,
      model: model === "" ? null : model,
      instructions,
      metadata: graph === undefined ? given : { ...(given ?? agent.metadata), graph },
    });
    return { data: updated, text: formatAgent(updated, await projectNameOf(engram, updated.projectId)) };
  },
});

const remove = defineCommand({
  name: "agent delete",
  summary: "Delete an agent with its whole history",
  args: ["agent"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    await engram.agents.delete(agent.id);
    return { data: { deleted: true, id: agent.id }, text: `deleted agent ${agent.name} (${agent.id})` };
  },
});

/** `engram fork`: a new agent sharing history up to a revision. */
export const fork = defineCommand({
  name: "fork",
  summary: "Fork an agent: a new agent with the same history up to a revision",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    name: { type: "string", arg: "NAME", help: 'name of the fork (default: "<name> (fork)")' },
    at: { type: "string", arg: "REV", help: "revision to fork at (default: HEAD)" },
  },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const forked = await engram.agents.fork(agent.id, { name: options.name, at: options.at });
    return { data: forked, text: formatAgent(forked, await projectNameOf(engram, forked.projectId)) };
  },
});

/** `engram agent …` */
export const agentCommands: readonly Command[] = [create, list, show, update, remove];

async function initialBlocks(
  file: string | undefined,
  flags: readonly string[] | undefined,
): Promise<BlockInput[] | undefined> {
  if (file === undefined && flags === undefined) return undefined;
  const blocks: BlockInput[] =
    file === undefined
      ? []
      : blocksFromJson(parseUserJson(await readUserFile(file, "blocks file"), `blocks file ${file}`), file);
  const flagged = new Set<string>();
  for (const flag of flags ?? []) {
    const eq = flag.indexOf("=");
    if (eq < 1) throw new UsageError(`--block must be LABEL=VALUE, got "${flag}"`, "agent create");
    const label = flag.slice(0, eq);
    const value = flag.slice(eq + 1);
    // Overriding the file is what a flag is for; a second flag for one label is a slip, not a choice.
    if (flagged.has(label))
      throw new UsageError(`--block ${label} is given twice: give each block once`, "agent create");
    flagged.add(label);
    const existing = blocks.find((b) => b.label === label);
    if (existing === undefined) blocks.push({ label, value });
    else existing.value = value;
  }
  return blocks;
}

function blocksFromJson(json: unknown, file: string): BlockInput[] {
  if (Array.isArray(json)) return json as BlockInput[];
  if (json !== null && typeof json === "object") {
    return Object.entries(json).map(([label, value]) =>
      typeof value === "string" ? { label, value } : ({ ...(value as object), label } as BlockInput),
    );
  }
  throw new InvalidInputError(
    `blocks file ${file} must hold an array of blocks or an object of label → value`,
  );
}
