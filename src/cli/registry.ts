import type { Command } from "./command.ts";
import { agentCommands, fork } from "./commands/agent.ts";
import { benchCommands } from "./commands/bench.ts";
import { blockCommands } from "./commands/block.ts";
import { branchCommands } from "./commands/branch.ts";
import { eventCommands } from "./commands/events.ts";
import { evolutionCommands } from "./commands/evolve.ts";
import { experienceCommands } from "./commands/experience.ts";
import { historyCommands } from "./commands/history.ts";
import { insightCommands } from "./commands/insights.ts";
import { keyCommands } from "./commands/keys.ts";
import { mcpCommands } from "./commands/mcp.ts";
import { memoryCommands } from "./commands/memory.ts";
import { memoryArchiveCommands } from "./commands/memory-archive.ts";
import { memoryReindexCommands } from "./commands/memory-reindex.ts";
import { messageCommands } from "./commands/messages.ts";
import { projectCommands } from "./commands/project.ts";
import { runtimeCommands } from "./commands/runtime.ts";
import { serveCommands } from "./commands/serve.ts";
import { sleepCommands } from "./commands/sleep.ts";
import { transferCommands } from "./commands/transfer.ts";

/** Commands that take a second word, with what they are about. */
export const GROUPS: Readonly<Record<string, string>> = {
  project: "Projects: tenants that nothing crosses",
  agent: "Agents",
  block: "An agent's memory blocks; every write is a commit",
  branch: "Branches of an agent's block history",
  memory: "An agent's long-term memories: add, search, update, with every version kept",
  messages: "An agent's conversation log: append, list, search",
  episode: "An agent's episodes: task attempts, step by step, that its experience memory learns from",
  experience: "An agent's experience memory: what each action was worth where it was taken",
  insights: "Rules distilled from experience (ExpeL), with support counts",
  evolution: "An agent's evolution runs: list them, show their reports",
  jobs: "An agent's background jobs (sleep-time work): list, show, run the due ones",
  keys: "API keys: each lets HTTP clients use one project",
  bench: "Benchmarks",
};

/** Every command, in the order help lists them. */
export const COMMANDS: readonly Command[] = [
  ...serveCommands,
  ...mcpCommands,
  ...projectCommands,
  ...keyCommands,
  ...agentCommands,
  ...blockCommands,
  ...historyCommands,
  ...branchCommands,
  fork,
  ...memoryCommands,
  ...memoryArchiveCommands,
  ...memoryReindexCommands,
  ...messageCommands,
  ...runtimeCommands,
  ...experienceCommands,
  ...insightCommands,
  ...evolutionCommands,
  ...sleepCommands,
  ...eventCommands,
  ...transferCommands,
  ...benchCommands,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function groupCommands(group: string): Command[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}
