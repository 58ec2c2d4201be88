import { resolve } from "node:path";
import { lettaAgentName, MEM0_DEFAULT_AGENT } from "../../transfer/peers/defaults.ts";
import type { ImportReport } from "../../transfer/transfer-service.ts";
import { type Command, defineCommand } from "../command.ts";
import { agentCountsText, plural } from "../counts-text.ts";
import { parseUserJson, readUserFile, writeUserFile } from "../files.ts";
import { formatAgent } from "../format.ts";
import { findAgent, PROJECT_OPTION, projectNameOf } from "../resolve-agent.ts";

const exportAgent = defineCommand({
  name: "export",
  readOnly: true,
  summary: "Write an agent with its block history and all it has learned as one JSON document",
  args: ["agent"],
  options: {
    ...PROJECT_OPTION,
    out: { type: "string", arg: "FILE", help: "write to FILE (default: stdout)" },
  },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const document = await engram.transfer.export(agent.id);
    const text = `${JSON.stringify(document, null, 2)}\n`;
    if (options.out === undefined) return { data: document, text };
    const path = resolve(options.out);
    await writeUserFile(path, text, "export file");
    const counts = {
      commits: document.commits.length,
      memories: document.memories.length,
      messages: document.messages.length,
      episodes: document.episodes.length,
      experienceRecords: document.experience.records.length,
      insights: document.insights.length,
    };
    return {
      data: { path, agent: agent.id, ...counts },
      text: `exported agent ${agent.name} (${agent.id}): ${agentCountsText(counts)}, to ${path}`,
    };
  },
});

const importAgent = defineCommand({
  name: "import",
  summary:
    "Recreate an agent from an export document, a Letta agent file (.af) or a Mem0 export ('-' reads stdin)",
  args: ["file"],
  options: {
    "new-ids": {
      type: "boolean",
      help: 'give the agent and all it owns new ids, so a copy can sit beside the original (named "NAME-2" … if NAME is taken)',
    },
    project: {
      type: "string",
      arg: "NAME",
      help: "project to import into, created too when missing (default: default)",
    },
    from: {
      type: "string",
      arg: "FORMAT",
      help: "the file's format: engram, letta or mem0 (default: told by the file's shape)",
    },
    name: {
      type: "string",
      arg: "NAME",
      help: "name of the agent a Letta or Mem0 file becomes (Mem0 default: mem0; Letta default: the file's)",
    },
  },
  async run({ args, options }, ctx) {
    const fromStdin = args.file === "-";
    const text = fromStdin ? await ctx.readStdin() : await readUserFile(args.file, "import file");
    const document = parseUserJson(text, fromStdin ? "import from stdin" : `import file ${args.file}`);
    const engram = ctx.engram();
    const { agent, report } = await engram.transfer.importWithReport(document, {
      newIds: options["new-ids"],
      project: options.project,
      createProject: true,
      from: options.from,
      name: options.name,
    });
    const wanted =
      report.from === "engram"
        ? (document as { agent?: { name?: unknown } }).agent?.name
        : (options.name ?? (report.from === "mem0" ? MEM0_DEFAULT_AGENT : lettaAgentName(document)));
    // Names are unique in a project: a copy whose name was taken got a free one; say which.
    const renamed =
      typeof wanted === "string" && wanted !== agent.name
        ? `imported as "${agent.name}": an agent named "${wanted}" already exists in this project\n`
        : "";
    return {
      data: { ...agent, report },
      text: `${renamed}${formatAgent(agent, await projectNameOf(engram, agent.projectId))}${formatReport(report)}`,
    };
  },
});

/** What a peer's file carried and what it could not; nothing for an engram export, which carries all. */
function formatReport(report: ImportReport): string {
  if (report.from === "engram") return "";
  const { counts } = report;
  const carried = [
    plural(counts.blocks, "block"),
    plural(counts.memories, "memory", "memories"),
    plural(counts.messages, "message"),
  ].join(", ");
  const notes = report.notes.map((note) => `\n  - ${note}`).join("");
  return `\nfrom ${report.from === "letta" ? "a Letta agent file" : "a Mem0 export"}: ${carried}${notes}`;
}

/** `engram export`, `engram import` */
export const transferCommands: readonly Command[] = [exportAgent, importAgent];
