import { type Command, defineCommand } from "../command.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";

const gitExport = defineCommand({
  name: "git export",
  readOnly: true,
  summary:
    "Write an agent's block history as a git repository (one git commit per engram commit), or update it",
  args: ["agent", "dir"],
  options: {
    ...PROJECT_OPTION,
    "with-memories": {
      type: "boolean",
      help: "also write memories and insights as Markdown files, on the engram-memories branch",
    },
  },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const report = await engram.git.export(agent.id, args.dir, { withMemories: options["with-memories"] });
    const branches = report.branches.map((b) => `  ${b.name} ${b.head.slice(0, 12)}`).join("\n");
    const memories = report.memories === null ? "" : `, ${report.memories} memory and insight files`;
    return {
      data: report,
      text: `exported agent ${agent.name} to ${report.dir}: ${report.commits} new git commit${report.commits === 1 ? "" : "s"}${memories}\n${branches}`,
    };
  },
});

const gitImport = defineCommand({
  name: "git import",
  summary: "Take commits made with git in an exported repository back as engram commits (authored user)",
  args: ["agent", "dir"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const report = await engram.git.import(agent.id, args.dir);
    const lines = report.branches.map(
      (b) =>
        `  ${b.name}${b.created ? " (new)" : ""}: ${b.imported} commit${b.imported === 1 ? "" : "s"}, now at ${b.head.slice(0, 12)}`,
    );
    return {
      data: report,
      text:
        report.branches.length === 0
          ? `nothing to import: ${report.dir} has no commits engram lacks`
          : `imported ${report.commits} commit${report.commits === 1 ? "" : "s"} from ${report.dir} into agent ${agent.name}\n${lines.join("\n")}`,
    };
  },
});

/** `engram git export`, `engram git import` */
export const gitCommands: readonly Command[] = [gitExport, gitImport];
