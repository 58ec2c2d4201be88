import type { Engram } from "../../engram.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { commitJson, formatCommitResult, formatDiff, formatLog } from "../format.ts";
import { listResult } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";
import { WRITE_OPTIONS, writeOptions } from "./block.ts";

const log = defineCommand({
  name: "log",
  readOnly: true,
  summary: "List an agent's commits, newest first",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    branch: {
      type: "string",
      arg: "BRANCH",
      help: "log this branch (default: the agent's); not with --from",
    },
    from: { type: "string", arg: "REV", help: "start at this revision instead of a branch head" },
    limit: { type: "string", arg: "N", help: "at most N commits (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "continue where a previous page stopped" },
  },
  async run({ args, options }, ctx) {
    // --from names a revision of any branch, so --branch beside it would be ignored.
    if (options.from !== undefined && options.branch !== undefined)
      throw new UsageError(
        `give --from or --branch, not both: --from names a revision of any branch (for one of ${options.branch}: --from ${options.branch}~N)`,
        "log",
      );
    const limit = intOption(options.limit, "limit", "log");
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const page = await engram.history.log(agent.id, {
      branch: options.branch,
      from: options.from,
      limit,
      cursor: options.cursor,
    });
    return listResult(page, (items) => formatLog(items));
  },
});

const diff = defineCommand({
  name: "diff",
  readOnly: true,
  summary: "Show how an agent's blocks differ between two revisions",
  args: ["agent", "from", "to"],
  options: { ...PROJECT_OPTION },
  details: "FROM and TO are revisions: a commit id or prefix, a branch, HEAD, HEAD~N.",
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const result = await engram.history.diff(agent.id, args.from, args.to);
    return { data: result, text: formatDiff(result) };
  },
});

const revert = defineCommand({
  name: "revert",
  summary: "Make a new commit whose blocks equal those at a revision",
  args: ["agent", "rev"],
  options: WRITE_OPTIONS,
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const expect =
      options.expect === undefined ? undefined : await fullCommitId(engram, agent.id, options.expect);
    const result = await engram.history.revert(agent.id, args.rev, {
      ...writeOptions(options),
      expectedHead: expect,
    });
    return { data: commitJson(result), text: formatCommitResult(result) };
  },
});

/** Like `git rev-parse`: what a script passes to `--expect` without parsing JSON. */
const revParse = defineCommand({
  name: "rev-parse",
  readOnly: true,
  summary: "Print the full id of the commit a revision names",
  args: ["agent", "rev"],
  options: { ...PROJECT_OPTION },
  details: "REV is a commit id or prefix, a branch, HEAD, HEAD~N. --json prints {id}.",
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const id = await engram.history.resolve(agent.id, args.rev);
    return { data: { id }, text: id };
  },
});

/** `engram log`, `engram diff`, `engram revert`, `engram rev-parse` */
export const historyCommands: readonly Command[] = [log, diff, revert, revParse];

/**
 * `revert` compares the expected head with the full id, while block writes accept a prefix, as the
 * short ids people copy from `log` are. Expand a prefix here; anything else goes through unchanged.
 */
async function fullCommitId(engram: Engram, agentId: string, expect: string): Promise<string> {
  if (!/^[0-9a-f]{7,63}$/.test(expect)) return expect;
  try {
    return await engram.history.resolve(agentId, expect);
  } catch {
    return expect;
  }
}
