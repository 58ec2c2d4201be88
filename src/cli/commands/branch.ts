import { type Command, defineCommand } from "../command.ts";
import { formatBranches } from "../format.ts";
import { listResult, shortId } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";

const list = defineCommand({
  name: "branch list",
  readOnly: true,
  summary: "List an agent's branches",
  args: ["agent"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const branches = await engram.history.listBranches(agent.id);
    return listResult(branches, (items) => formatBranches(items, agent.defaultBranch));
  },
});

const create = defineCommand({
  name: "branch create",
  summary: "Create a branch at a revision",
  args: ["agent", "name"],
  options: {
    ...PROJECT_OPTION,
    from: { type: "string", arg: "REV", help: "where the branch starts (default: HEAD)" },
  },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const branch = await engram.history.createBranch(agent.id, args.name, { from: options.from });
    return { data: branch, text: `created branch ${branch.name} at ${shortId(branch.head)}` };
  },
});

const remove = defineCommand({
  name: "branch delete",
  summary: "Delete a branch (not the agent's default one)",
  args: ["agent", "name"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    await engram.history.deleteBranch(agent.id, args.name);
    return { data: { deleted: true, name: args.name }, text: `deleted branch ${args.name}` };
  },
});

/** `engram branch …` */
export const branchCommands: readonly Command[] = [list, create, remove];
