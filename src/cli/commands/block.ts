import type { Author } from "../../core/types.ts";
import { type Command, defineCommand, intOption, type OptionSpecs } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { readUserFile } from "../files.ts";
import { commitJson, formatBlockSet, formatCommitResult } from "../format.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const READ_OPTIONS = {
  ...PROJECT_OPTION,
  at: { type: "string", arg: "REV", help: "read at a revision: commit id or prefix, branch, HEAD~N" },
  branch: {
    type: "string",
    arg: "BRANCH",
    help: "read the head of this branch (default: the agent's); not with --at",
  },
} as const satisfies OptionSpecs;

/** Flags of every write to an agent's blocks. */
export const WRITE_OPTIONS = {
  ...PROJECT_OPTION,
  branch: { type: "string", arg: "BRANCH", help: "branch to commit to (default: the agent's)" },
  expect: { type: "string", arg: "HEAD", help: "commit only if the branch is still at HEAD (else conflict)" },
  message: { type: "string", arg: "TEXT", help: "commit message" },
  author: { type: "string", arg: "WHO", help: "user (default), agent, sleeptime or evolver" },
} as const satisfies OptionSpecs;

const list = defineCommand({
  name: "block list",
  readOnly: true,
  summary: "Show all of an agent's blocks",
  args: ["agent"],
  options: READ_OPTIONS,
  async run({ args, options }, ctx) {
    const point = readPoint(options, "block list");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const set = await engram.blocks.list(agent.id, point);
    return { data: set, text: formatBlockSet(set) };
  },
});

const get = defineCommand({
  name: "block get",
  readOnly: true,
  summary: "Print one block (its value, or all its fields with --json)",
  args: ["agent", "label"],
  options: READ_OPTIONS,
  async run({ args, options }, ctx) {
    const point = readPoint(options, "block get");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const block = await engram.blocks.get(agent.id, args.label, point);
    return { data: block, text: block.value };
  },
});

const set = defineCommand({
  name: "block set",
  summary: "Create or change a block, as a new commit",
  args: ["agent", "label", "value?"],
  options: {
    ...WRITE_OPTIONS,
    file: { type: "string", arg: "FILE", help: "read the value from a file instead of VALUE" },
    description: { type: "string", arg: "TEXT", help: "what the block is for" },
    limit: { type: "string", arg: "N", help: "character limit (default 5000)" },
    "read-only": { type: "boolean", help: "the agent cannot change it (--no-read-only to undo)" },
  },
  details: [
    "VALUE '-' reads stdin; put '--' before a VALUE that starts with '-'.",
    "Without VALUE or --file, only the given settings change.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const value = await valueArgument(args.value, options.file, ctx, "block set");
    const limit = intOption(options.limit, "limit", "block set");
    if (
      value === undefined &&
      [options.description, limit, options["read-only"]].every((v) => v === undefined)
    )
      throw new UsageError("missing argument VALUE (or --file, or a setting to change)", "block set");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.blocks.commit(agent.id, {
      changes: [
        {
          op: "set",
          label: args.label,
          value,
          description: options.description,
          limit,
          readOnly: options["read-only"],
        },
      ],
      ...writeOptions(options),
    });
    return { data: commitJson(result), text: formatCommitResult(result) };
  },
});

const remove = defineCommand({
  name: "block delete",
  summary: "Delete a block, as a new commit",
  args: ["agent", "label"],
  options: WRITE_OPTIONS,
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.blocks.delete(agent.id, args.label, writeOptions(options));
    return { data: commitJson(result), text: formatCommitResult(result) };
  },
});

/**
 * What to read from READ_OPTIONS flags. `--at` names a revision whatever the branch (a branch's own
 * as `BRANCH~N`), so `--branch` beside it would be ignored: refused instead.
 */
function readPoint(options: { at?: string | undefined; branch?: string | undefined }, command: string) {
  if (options.at !== undefined && options.branch !== undefined)
    throw new UsageError(
      `give --at or --branch, not both: --at names a revision of any branch (for one of ${options.branch}: --at ${options.branch}~N)`,
      command,
    );
  return { at: options.at, branch: options.branch };
}

/** `engram block …` */
export const blockCommands: readonly Command[] = [list, get, set, remove];

/** A block's value from VALUE (`-`: stdin) or `--file`, or undefined when neither is given. */
export async function valueArgument(
  value: string | undefined,
  file: string | undefined,
  ctx: CommandContext,
  command: string,
): Promise<string | undefined> {
  if (value !== undefined && file !== undefined)
    throw new UsageError("give VALUE or --file, not both", command);
  if (value === "-") return ctx.readStdin();
  return file !== undefined ? readUserFile(file, "value file") : value;
}

/** The engine's write options from WRITE_OPTIONS flags; the engine validates `author`. */
export function writeOptions(options: {
  branch?: string | undefined;
  expect?: string | undefined;
  message?: string | undefined;
  author?: string | undefined;
}) {
  return {
    branch: options.branch,
    expectedHead: options.expect,
    message: options.message,
    author: options.author as Author | undefined,
  };
}
