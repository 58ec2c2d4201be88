import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import type { Tool } from "ai";
import { z } from "zod";
import { InvalidInputError } from "../core/errors.ts";
import type { McpServer } from "../core/mcp-server-types.ts";
import { createEngram } from "../engram.ts";
import { McpConnection } from "../mcp-tools/mcp-connection.ts";
import { McpConnectionPool } from "../mcp-tools/mcp-connection-pool.ts";
import { mcpToolSet } from "../mcp-tools/mcp-tool-set.ts";
import { scriptedModel } from "../test/scripted-model.ts";
import { clockMs, type Percentiles, percentiles } from "./stats.ts";

export interface McpToolsBenchOptions {
  /** Calls timed per kind (default 500). */
  samples?: number;
  /** The stdio MCP server: a command and its arguments (default: the reference `everything` server). */
  command?: string;
  args?: string[];
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface McpToolsBenchResult {
  date: string;
  machine: { cpu: string; cores: number; node: string };
  server: string;
  /** The MCP SDK's client calling the server's `echo` directly: the tool server's own time. */
  direct: Percentiles;
  /** The same call as the model's tool through engram (pool, call, result to text), warm connection. */
  engram: Percentiles;
  /** Engram's own time in each of those calls: its call less the SDK round trip inside it. */
  own: Percentiles;
  /** Each engram call less the direct call just before it. */
  paired: Percentiles;
  /** What a turn spends offering the agent's MCP tools (store read, cached tool list, tool objects). */
  toolSet: Percentiles;
  /** A whole turn (scripted model, one tool call, answer, messages written) with the MCP tool… */
  turnMcp: Percentiles;
  /** …and with an in-process tool doing the same, for comparison. */
  turnLocal: Percentiles;
  targets: { ownP95Ms: number };
}

export const MCP_TOOLS_TARGETS = { ownP95Ms: 5 } as const;
const WARMUP = 30;

/**
 * Times what engram adds to an MCP tool call on a warm stdio connection. Each call through engram's
 * tool (as the model's tool call runs it) is paired with a direct call of the MCP SDK's client on a
 * connection of its own to the same server; engram's own time is also measured inside its calls,
 * as the call less the SDK's round trip. Then the per-turn cost of offering the tools, and whole
 * turns with the MCP tool beside turns with an in-process tool.
 */
export async function runMcpToolsBench(options: McpToolsBenchOptions = {}): Promise<McpToolsBenchResult> {
  const samples = options.samples ?? 500;
  const command = options.command ?? referenceServer();
  const args = options.args ?? [];
  const progress = options.onProgress ?? (() => {});
  let turnTool = "everything__echo";
  const engram = createEngram({
    path: ":memory:",
    // Calls the turn's tool, then answers once its result is in the prompt.
    model: scriptedModel(
      (_n, call) =>
        call.prompt.at(-1)?.role === "tool"
          ? { text: "ok" }
          : { toolCalls: [{ name: turnTool, input: { message: "ping" } }] },
      { record: false },
    ),
    env: {},
  });
  const agent = await engram.agents.create({ name: "bench" });
  await engram.mcpServers.put(agent.id, "everything", { command, args, allowTools: ["echo"] });
  await engram.runtime.addTool(agent.id, "local_echo", {
    description: "Echoes the message",
    inputSchema: z.object({ message: z.string() }),
    execute: ({ message }) => `Echo: ${message}`,
  });
  const servers: McpServer[] = await engram.store.mcpServers.list(agent.id);
  let inner = 0;
  const pool = new McpConnectionPool({
    open: async (config, timeoutMs) => {
      const connection = await McpConnection.open(config, timeoutMs);
      const call = connection.call.bind(connection);
      connection.call = async (...rest) => {
        const started = clockMs();
        try {
          return await call(...rest);
        } finally {
          inner += clockMs() - started;
        }
      };
      return connection;
    },
  });
  const direct = await McpConnection.open(servers[0]?.config as McpServer["config"], 30_000);
  try {
    const tools = await mcpToolSet(servers, { pool, policy: undefined, taken: new Set() });
    const tool = tools.everything__echo as Tool;
    const execute = tool.execute as NonNullable<Tool["execute"]>;
    const viaEngram = () =>
      execute({ message: "ping" }, { toolCallId: "call", messages: [], abortSignal: undefined as never });
    const viaSdk = () => direct.call("echo", { message: "ping" }, { timeoutMs: 30_000 });
    for (let i = 0; i < WARMUP; i++) {
      await viaSdk();
      await viaEngram();
    }
    const times = {
      direct: [] as number[],
      engram: [] as number[],
      own: [] as number[],
      paired: [] as number[],
    };
    for (let i = 0; i < samples; i++) {
      let started = clockMs();
      await viaSdk();
      const plain = clockMs() - started;
      inner = 0;
      started = clockMs();
      await viaEngram();
      const wrapped = clockMs() - started;
      times.direct.push(plain);
      times.engram.push(wrapped);
      times.own.push(wrapped - inner);
      times.paired.push(wrapped - plain);
      if (i % 50 === 0) progress(i, samples, "calls");
    }
    const toolSet: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = clockMs();
      await mcpToolSet(await engram.store.mcpServers.list(agent.id), {
        pool,
        policy: undefined,
        taken: new Set(),
      });
      toolSet.push(clockMs() - started);
    }
    const turns = async (tool: string): Promise<number[]> => {
      turnTool = tool;
      const out: number[] = [];
      const total = Math.max(5, Math.floor(samples / 5));
      for (let i = 0; i < total + 5; i++) {
        const started = clockMs();
        // A conversation per turn, so that none grows long enough to be summarised.
        await engram.runtime.send(agent.id, { content: "ping it", userId: `u${i}` });
        if (i >= 5) out.push(clockMs() - started);
        if (i % 10 === 0) progress(i, total, `turns (${tool})`);
      }
      return out;
    };
    const turnMcp = await turns("everything__echo");
    const turnLocal = await turns("local_echo");
    return {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
      server: [command, ...args].join(" "),
      direct: percentiles(times.direct),
      engram: percentiles(times.engram),
      own: percentiles(times.own),
      paired: percentiles(times.paired),
      toolSet: percentiles(toolSet),
      turnMcp: percentiles(turnMcp),
      turnLocal: percentiles(turnLocal),
      targets: MCP_TOOLS_TARGETS,
    };
  } finally {
    await direct.close();
    await pool.close();
    await engram.close();
  }
}

/** The result as a table. */
export function formatMcpToolsBench(r: McpToolsBenchResult): string {
  const row = (name: string, p: Percentiles) =>
    `${name.padEnd(44)} ${p.p50.toFixed(3).padStart(8)} ${p.p95.toFixed(3).padStart(8)} ${p.p99.toFixed(3).padStart(8)}`;
  const ok = r.own.p95 <= r.targets.ownP95Ms;
  return [
    `MCP tool calls on a warm stdio connection (${r.server})`,
    `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, ${r.date}`,
    "",
    `${"ms".padEnd(44)} ${"p50".padStart(8)} ${"p95".padStart(8)} ${"p99".padStart(8)}`,
    row("direct call (MCP SDK client)", r.direct),
    row("the same call through engram's tool", r.engram),
    row("engram's own time in it", r.own),
    row("engram call less the direct call before it", r.paired),
    row("offering the MCP tools, per turn", r.toolSet),
    row("turn with the MCP tool", r.turnMcp),
    row("turn with an in-process tool", r.turnLocal),
    "",
    `target: engram's own time p95 <= ${r.targets.ownP95Ms} ms: ${ok ? "met" : "MISSED"} (${r.own.p95.toFixed(3)} ms)`,
  ].join("\n");
}

/**
 * The reference `everything` server of a checkout (a devDependency), or, where there is none (an
 * installed package), an error that says to name a server.
 */
export function referenceServer(
  path = fileURLToPath(new URL("../../node_modules/.bin/mcp-server-everything", import.meta.url)),
): string {
  if (existsSync(path)) return path;
  throw new InvalidInputError(
    "--command: the reference MCP server (@modelcontextprotocol/server-everything) is not installed here: " +
      "install it (npm install --no-save @modelcontextprotocol/server-everything) or name a stdio MCP server " +
      "that has an echo tool with --command",
  );
}
