import type { Readable, Writable } from "node:stream";
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
  },
  details: [
    "Speaks the Model Context Protocol on stdin/stdout until stdin ends or SIGINT/SIGTERM, then closes",
    "the database. Nothing but protocol goes to stdout; problems go to stderr. Tools and resources are",
    "described in docs/mcp.md.",
  ].join("\n"),
  async run({ options }, ctx) {
    const stdin = ctx.io.stdin as Partial<Readable> | undefined;
    const stdout = ctx.io.stdout as Partial<Writable>;
    if (typeof stdin?.on !== "function" || typeof stdout.once !== "function") {
      throw new UsageError("mcp needs stdin and stdout streams to speak MCP over", "mcp");
    }
    // Listen for the stop request before starting, so one that arrives during start-up is not lost.
    const stop = ctx.io.shutdown?.();
    const engram = ctx.engram();
    await engram.ready();
    // A wrong --agent fails now, with exit code 1, rather than on every call. Kept by id: stable.
    const agent = options.agent === undefined ? undefined : (await engram.agents.find(options.agent)).id;
    const log = (line: string) => ctx.io.stderr.write(`engram mcp: ${line}\n`);
    for (const warning of engram.warnings) log(`warning: ${warning}`);
    const { serveStdio } = await import("../../mcp/stdio.ts");
    await serveStdio({ engram, agent, stdin: stdin as Readable, stdout: stdout as Writable, log, stop });
    await ctx.close();
    return undefined;
  },
});

/** `engram mcp` */
export const mcpCommands: readonly Command[] = [mcp];
