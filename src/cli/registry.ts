import type { Command } from "./command.ts";
import { agentCommands, fork } from "./commands/agent.ts";
import { benchCommands } from "./commands/bench.ts";
import { blockCommands } from "./commands/block.ts";
import { branchCommands } from "./commands/branch.ts";
import { copyCommands } from "./commands/copy.ts";
import { eventCommands } from "./commands/events.ts";
import { evolutionCommands } from "./commands/evolve.ts";
import { experienceCommands } from "./commands/experience.ts";
import { feedbackCommands } from "./commands/feedback.ts";
import { gitCommands } from "./commands/git.ts";
import { graphCommands } from "./commands/graph.ts";
import { agentGroupCommands } from "./commands/group.ts";
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
import { sharedBlockCommands } from "./commands/shared-block.ts";
import { sleepCommands } from "./commands/sleep.ts";
import { toolCommands } from "./commands/tools.ts";
import { transferCommands } from "./commands/transfer.ts";
import { webhookCommands } from "./commands/webhooks.ts";
import { GROUPS } from "./groups.ts";

export { GROUPS };

/** Every command, in the order help lists them. */
export const COMMANDS: readonly Command[] = [
  ...serveCommands,
  ...mcpCommands,
  ...projectCommands,
  ...keyCommands,
  ...agentCommands,
  ...blockCommands,
  ...sharedBlockCommands,
  ...historyCommands,
  ...branchCommands,
  fork,
  ...memoryCommands,
  ...memoryArchiveCommands,
  ...memoryReindexCommands,
  ...messageCommands,
  ...graphCommands,
  ...runtimeCommands,
  ...toolCommands,
  ...agentGroupCommands,
  ...experienceCommands,
  ...feedbackCommands,
  ...insightCommands,
  ...evolutionCommands,
  ...sleepCommands,
  ...eventCommands,
  ...webhookCommands,
  ...transferCommands,
  ...copyCommands,
  ...gitCommands,
  ...benchCommands,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function groupCommands(group: string): Command[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}
