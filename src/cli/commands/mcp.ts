import type { Readable, Writable } from "node:stream";
import { NotFoundError } from "../../core/errors.ts";
import type { Engram } from "../../engram.ts";
import { type Command, defineCommand } from "../command.ts";
import { UsageError } from "../usage-error.ts";

const mcp = defineCommand({
  name: "mcp",
  summary: "Serve agents' memory to an MCP client (Claude Desktop, Cursor …) over stdio",
  args: [],
  options: {
    agent: {
      type: "string",
      arg: "AGENT",
      help: "the agent tools work on when a call names none (id or name); without it, every call names one",
    },
    create: {
      type: "boolean",
      help: "create the --agent NAME (in the default project) if it does not exist",
    },
  },
  details: [
    "Speaks the Model Context Protocol on stdin/stdout until stdin ends or SIGINT/SIGTERM, then closes",
    "the database. Nothing but protocol goes to stdout; problems go to stderr. Tools and resources are",
    "described in docs/mcp.md. An --agent that does not exist is created with --create; without it,",
    "the server starts anyway and every call that needs the agent answers an error saying what to run.",
  ].join("\n"),
  async run({ options }, ctx) {
    const stdin = ctx.io.stdin as Partial<Readable> | undefined;
    const stdout = ctx.io.stdout as Partial<Writable>;
    if (typeof stdin?.on !== "function" || typeof stdout.once !== "function") {
      throw new UsageError("mcp needs stdin and stdout streams to speak MCP over", "mcp");
    }
    if (options.create === true && (options.agent === undefined || options.agent.startsWith("agt_")))
      throw new UsageError("--create needs --agent NAME (a name: an id cannot be created)", "mcp");
    // Listen for the stop request before starting, so one that arrives during start-up is not lost.
    const stop = ctx.io.shutdown?.();
    const engram = ctx.engram();
    await engram.ready();
    const log = (line: string) => ctx.io.stderr.write(`engram mcp: ${line}\n`);
    const agent =
      options.agent === undefined
        ? undefined
        : await sessionAgent(engram, options.agent, options.create, log);
    for (const warning of engram.warnings) log(`warning: ${warning}`);
    const { serveStdio } = await import("../../mcp/stdio.ts");
    await serveStdio({
      engram,
      agent,
      missingAgentHint: missingAgentHint(options.agent ?? ""),
      stdin: stdin as Readable,
      stdout: stdout as Writable,
      log,
      stop,
    });
    await ctx.close();
    return undefined;
  },
});

/**
 * The session's agent, by id when it exists (stable across renames). A missing one is created with
 * `--create`; without it, the server still starts (a client would only see a dead server) and the
 * name is kept, so that creating the agent later makes the tools work without a restart.
 */
async function sessionAgent(
  engram: Engram,
  ref: string,
  create: boolean | undefined,
  log: (line: string) => void,
): Promise<string> {
  try {
    return (await engram.agents.find(ref)).id;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    if (create === true) {
      const agent = await engram.agents.create({ name: ref });
      log(`created agent ${agent.name} (${agent.id})`);
      return agent.id;
    }
    log(`warning: agent ${ref} does not exist: ${missingAgentHint(ref)}`);
    return ref;
  }
}

function missingAgentHint(name: string): string {
  const arg = /^[\w.@-]+$/.test(name) ? name : `'${name.replaceAll("'", "'\\''")}'`;
  return `create it with "engram agent create --name ${arg}", or start "engram mcp --agent ${arg} --create"`;
}

/** `engram mcp` */
export const mcpCommands: readonly Command[] = [mcp];
