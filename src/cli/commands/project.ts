import type { Project } from "../../core/types.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { parseJsonObjectFlag } from "../files.ts";
import { fields, listResult, shortTime, table } from "../output.ts";

const create = defineCommand({
  name: "project create",
  summary: "Create a project (a tenant: nothing crosses projects)",
  args: ["name"],
  options: { metadata: { type: "string", arg: "JSON", help: "a JSON object of metadata" } },
  async run({ args, options }, ctx) {
    const project = await ctx.engram().projects.create({
      name: args.name,
      metadata:
        options.metadata === undefined ? undefined : parseJsonObjectFlag(options.metadata, "metadata"),
    });
    return { data: project, text: formatProject(project) };
  },
});

const list = defineCommand({
  name: "project list",
  readOnly: true,
  summary: "List projects",
  args: [],
  options: {
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
  },
  async run({ options }, ctx) {
    const limit = intOption(options.limit, "limit", "project list");
    const page = await ctx.engram().projects.list({
      limit,
      cursor: options.cursor,
    });
    return listResult(page, (items) =>
      items.length === 0
        ? "no projects"
        : table(
            ["ID", "NAME", "CREATED"],
            items.map((p) => [p.id, p.name, shortTime(p.createdAt)]),
          ),
    );
  },
});

const show = defineCommand({
  name: "project show",
  readOnly: true,
  summary: "Show a project",
  args: ["project"],
  options: {},
  async run({ args }, ctx) {
    const project = await ctx.engram().projects.get(args.project);
    return { data: project, text: formatProject(project) };
  },
});

const remove = defineCommand({
  name: "project delete",
  summary: "Delete a project with all its agents and their memory",
  args: ["project"],
  options: {},
  async run({ args }, ctx) {
    const engram = ctx.engram();
    const project = await engram.projects.get(args.project);
    await engram.projects.delete(project.id);
    return {
      data: { deleted: true, id: project.id },
      text: `deleted project ${project.name} (${project.id})`,
    };
  },
});

/** `engram project …` */
export const projectCommands: readonly Command[] = [create, list, show, remove];

function formatProject(project: Project): string {
  return fields([
    ["id", project.id],
    ["name", project.name],
    ["created", project.createdAt],
    ...(Object.keys(project.metadata).length > 0
      ? [["metadata", JSON.stringify(project.metadata)] as const]
      : []),
  ]);
}
