import { type Command, defineCommand, intOption } from "../command.ts";
import { fields, table } from "../output.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { UsageError } from "../usage-error.ts";

const addMcp = defineCommand({
  name: "tools add-mcp",
  summary: "Give an agent the tools of an MCP server: a command (stdio) or a URL (streamable HTTP)",
  args: ["agent", "name"],
  options: {
    ...PROJECT_OPTION,
    command: { type: "string", arg: "CMD", help: "the server's program, run as a child process (stdio)" },
    arg: {
      type: "string",
      multiple: true,
      arg: "A",
      help: "an argument of the command (repeatable; one beginning with - as --arg=-y)",
    },
    env: {
      type: "string",
      multiple: true,
      arg: "K=V",
      help: "an environment variable of the command (repeatable)",
    },
    url: { type: "string", arg: "URL", help: "the server's streamable-HTTP endpoint" },
    header: { type: "string", multiple: true, arg: "K:V", help: "a header sent to the URL (repeatable)" },
    "allow-tool": {
      type: "string",
      multiple: true,
      arg: "TOOL",
      help: "offer only this tool of the server (repeatable; default: all)",
    },
    timeout: { type: "string", arg: "MS", help: "time-out of connecting and of each call (default 30000)" },
  },
  details: [
    "The server's tools are offered to the agent's model as NAME__TOOL. NAME is 1-32 letters, digits or",
    "'-'. Running it again replaces the server. The command gets only the usual environment (PATH, HOME,",
    "...) plus --env: put keys there or in --header, never in --arg (values of --env and --header are",
    "never shown in full). engram tools list AGENT shows the tools and whether each server answers.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const where = "tools add-mcp";
    if ((options.command === undefined) === (options.url === undefined))
      throw new UsageError("give --command CMD (stdio) or --url URL (streamable HTTP)", where);
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const common = {
      allowTools: options["allow-tool"],
      timeoutMs: intOption(options.timeout, "timeout", where),
    };
    const input =
      options.command !== undefined
        ? {
            command: options.command,
            args: options.arg,
            env: pairs(options.env, "=", "env", where),
            ...common,
          }
        : { url: options.url, headers: pairs(options.header, ":", "header", where), ...common };
    const { server, created } = await engram.mcpServers.put(agent.id, args.name, input);
    const config = server.config;
    return {
      data: server,
      text: fields([
        ["server", `${server.name} (${created ? "added" : "replaced"})`],
        [
          config.transport === "stdio" ? "command" : "url",
          config.transport === "stdio" ? [config.command, ...config.args].join(" ") : config.url,
        ],
        ["tools", config.allowTools === null ? "all" : config.allowTools.join(", ")],
      ]),
      hint: `engram tools list ${args.agent} shows its tools`,
    };
  },
});

const removeMcp = defineCommand({
  name: "tools remove-mcp",
  summary: "Take an MCP server's tools away from an agent",
  args: ["agent", "name"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    await engram.mcpServers.delete(agent.id, args.name);
    return { data: { removed: args.name }, text: `removed MCP server ${args.name}` };
  },
});

const list = defineCommand({
  name: "tools list",
  readOnly: true,
  summary: "List the tools an agent's model is offered: built in and from its MCP servers",
  args: ["agent"],
  options: { ...PROJECT_OPTION },
  details: [
    "Starts the agent's MCP servers that are not running, to ask them for their tools; a server that",
    "cannot be reached is listed with the reason. --json prints {items, nextCursor, servers}.",
  ].join("\n"),
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const { items, servers } = await engram.runtime.listTools(agent.id);
    const tools = table(
      ["tool", "source", "description"],
      items.map((t) => [t.name, t.source, firstLine(t.description)]),
    );
    const problems = servers
      .filter((s) => s.status !== "ok")
      .map((s) => `MCP server ${s.name}: ${s.status}: ${s.error ?? ""}`);
    return {
      data: { items, nextCursor: null, servers },
      text: [tools, ...problems].join("\n"),
    };
  },
});

/** `engram tools …` */
export const toolCommands: readonly Command[] = [list, addMcp, removeMcp];

/** `K=V` (or `K:V`) pairs as a record. */
function pairs(
  values: readonly string[] | undefined,
  separator: string,
  flag: string,
  where: string,
): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf(separator);
    if (at <= 0) throw new UsageError(`--${flag} must be NAME${separator}VALUE, got "${value}"`, where);
    // A header's value starts after the colon's space; an environment value is kept exactly.
    out[value.slice(0, at).trim()] = separator === ":" ? value.slice(at + 1).trim() : value.slice(at + 1);
  }
  return out;
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 70 ? `${line.slice(0, 69)}…` : line;
}
