import { NotFoundError } from "../../core/errors.ts";
import type { Group } from "../../core/group-types.ts";
import type { Engram } from "../../engram.ts";
import { type Command, defineCommand, intOption } from "../command.ts";
import { fields, listResult, shortTime, table } from "../output.ts";
import { UsageError } from "../usage-error.ts";

/** Groups are named by id: their names need not be unique. */
const ID_DETAILS =
  "GROUP_ID is the group's id (grp_…), as group create and group list print it; names need not be unique.";

const create = defineCommand({
  name: "group create",
  summary: "Group agents of a project: supervisor, round-robin or sleeptime",
  args: ["name"],
  options: {
    pattern: {
      type: "string",
      arg: "P",
      help: "supervisor, round-robin or sleeptime (required)",
    },
    manager: {
      type: "string",
      arg: "AGENT",
      help: "the supervisor (supervisor) or the background agent (sleeptime)",
    },
    member: {
      type: "string",
      multiple: true,
      arg: "AGENT[:RESPONDER]",
      help: "a member, optionally with the responder it answers with here (simple or reactive; repeatable)",
    },
    "max-turns": {
      type: "string",
      arg: "N",
      help: "round-robin: turns per message (default: one per member)",
    },
    project: { type: "string", arg: "NAME", help: "the project of its agents (default: default)" },
  },
  details: [
    "supervisor: the manager answers each message, routing work to the members (its workers) with",
    "send_message_to_agent_and_wait. round-robin: the members speak in turn, each hearing what was said",
    "since it last spoke. sleeptime: the one member (the primary) answers; the manager, a background",
    "agent, then refines the primary's memory. Agents are named by id or name within the project.",
    "Prints the group's id (grp_…), which group send, show and delete take: names need not be unique.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    if (options.pattern === undefined) throw new UsageError("missing --pattern P", "group create");
    const engram = ctx.engram();
    const group = await engram.groups.create({
      name: args.name,
      pattern: options.pattern as Group["pattern"],
      manager: options.manager,
      members: (options.member ?? []).map(memberOption),
      maxTurns: intOption(options["max-turns"], "max-turns", "group create"),
      project: options.project,
    });
    const names = await agentNames(engram, group);
    return { data: group, text: fields([["id", group.id], ...describe(group, names)]) };
  },
});

const send = defineCommand({
  name: "group send",
  summary: "Send a message to a group and print its answer (TEXT '-' reads stdin)",
  args: ["group_id", "text"],
  options: {
    user: { type: "string", arg: "USER", help: "the end user speaking: the conversations are theirs" },
    session: { type: "string", arg: "ID", help: "a session id recorded on the messages" },
    name: { type: "string", arg: "NAME", help: "the speaker's name, shown to the models" },
    retry: {
      type: "string",
      arg: "RUN_ID",
      help: "send the same message again as a retry of this run: only what failed runs again",
    },
  },
  details: [
    "Prints the group's answer; for a round-robin group, each turn's answer after its agent's name.",
    "With --json, the whole result: the answer, every turn the group ran and its runId. A message",
    "that fails names its run (with --json, error.details.runId); --retry RUN_ID with the same text",
    "reuses the turns that answered, marked (reused), and runs only the rest.",
    ID_DETAILS,
  ].join("\n"),
  async run({ args, options }, ctx) {
    const content = args.text === "-" ? await ctx.readStdin() : args.text;
    const engram = ctx.engram();
    const group = await findGroup(engram, args.group_id);
    const result = await engram.groups.send(group.id, {
      content,
      userId: options.user,
      sessionId: options.session,
      name: options.name,
      retryOf: options.retry,
    });
    if (group.pattern !== "round-robin") return { data: result, text: result.answer };
    const names = await agentNames(engram, group);
    const line = (agentId: string, answer: string) => `${names.get(agentId) ?? agentId}: ${answer}`;
    const text = [
      ...result.reused.map((t) => `${line(t.agentId, t.answer ?? "")} (reused)`),
      ...result.turns.map((t) => line(t.agentId, t.answer)),
    ].join("\n");
    return { data: result, text };
  },
});

const show = defineCommand({
  name: "group show",
  readOnly: true,
  summary: "Show a group: its pattern, manager and members",
  args: ["group_id"],
  options: {},
  details: ID_DETAILS,
  async run({ args }, ctx) {
    const engram = ctx.engram();
    const group = await findGroup(engram, args.group_id);
    const names = await agentNames(engram, group);
    return { data: group, text: fields([["id", group.id], ...describe(group, names)]) };
  },
});

const list = defineCommand({
  name: "group list",
  readOnly: true,
  summary: "List groups, oldest first",
  args: [],
  options: {
    project: { type: "string", arg: "NAME", help: "only this project's groups" },
    limit: { type: "string", arg: "N", help: "page size (default 50, at most 500)" },
    cursor: { type: "string", arg: "CURSOR", help: "the page after this cursor" },
  },
  async run({ options }, ctx) {
    const page = await ctx.engram().groups.list({
      project: options.project,
      limit: intOption(options.limit, "limit", "group list"),
      cursor: options.cursor,
    });
    return listResult(page, (items) =>
      items.length === 0
        ? "no groups"
        : table(
            ["ID", "NAME", "PATTERN", "MEMBERS", "CREATED"],
            items.map((g) => [g.id, g.name, g.pattern, String(g.members.length), shortTime(g.createdAt)]),
          ),
    );
  },
});

const remove = defineCommand({
  name: "group delete",
  summary: "Delete a group (its agents and their memory stay)",
  args: ["group_id"],
  options: {},
  details: ID_DETAILS,
  async run({ args }, ctx) {
    const engram = ctx.engram();
    const group = await findGroup(engram, args.group_id);
    await engram.groups.delete(group.id);
    return { data: { deleted: group.id }, text: `deleted group ${group.name} (${group.id})` };
  },
});

/** `engram group …` */
export const agentGroupCommands: readonly Command[] = [create, send, show, list, remove];

/** `AGENT` or `AGENT:RESPONDER`; an agent name may itself hold a colon, so only a known suffix splits. */
function memberOption(value: string): string | { agent: string; responder: "simple" | "reactive" } {
  const match = /^(.+):(simple|reactive)$/.exec(value);
  if (match === null) {
    if (value === "") throw new UsageError("--member: must name an agent", "group create");
    return value;
  }
  return { agent: match[1] as string, responder: match[2] as "simple" | "reactive" };
}

/** The group a GROUP_ID names; a name given for it is not found, saying what to give instead. */
async function findGroup(engram: Engram, id: string): Promise<Group> {
  try {
    return await engram.groups.get(id);
  } catch (error) {
    if (error instanceof NotFoundError && !id.startsWith("grp_"))
      throw new NotFoundError(
        `group ${id} not found: name a group by its id (grp_…), as engram group list prints it`,
      );
    throw error;
  }
}

async function agentNames(engram: Engram, group: Group): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of [group.managerId, ...group.members.map((m) => m.agentId)]) {
    if (id === null) continue;
    names.set(id, (await engram.agents.get(id)).name);
  }
  return names;
}

function describe(group: Group, names: ReadonlyMap<string, string> = new Map()): [string, string][] {
  const name = (id: string) => names.get(id) ?? id;
  return [
    ["name", group.name],
    ["pattern", group.pattern],
    ...(group.managerId === null ? [] : [["manager", name(group.managerId)] as [string, string]]),
    [
      "members",
      group.members
        .map((m) => (m.responder === null ? name(m.agentId) : `${name(m.agentId)} (${m.responder})`))
        .join(", "),
    ],
    ...(group.maxTurns === null ? [] : [["max turns", String(group.maxTurns)] as [string, string]]),
  ];
}
