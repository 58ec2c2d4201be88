import { type Command, defineCommand } from "../command.ts";
import { formatMemory } from "../format.ts";
import { findAgent, PROJECT_OPTION } from "../resolve-agent.ts";
import { engineNow } from "./memory.ts";

const archive = defineCommand({
  name: "memory archive",
  summary: "Archive a memory: kept with its history and restorable, but no longer searched",
  args: ["agent", "memory_id"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const memory = await engram.memories.archive(agent.id, args.memory_id);
    return { data: memory, text: formatMemory(memory, engineNow(engram)) };
  },
});

const restore = defineCommand({
  name: "memory restore",
  summary: "Bring an archived memory (forgotten or merged by sleep-time work) back into search",
  args: ["agent", "memory_id"],
  options: { ...PROJECT_OPTION },
  async run({ args, options }, ctx) {
    const engram = ctx.engram();
    const agent = await findAgent(engram, args.agent, options.project);
    const memory = await engram.memories.restore(agent.id, args.memory_id);
    return { data: memory, text: formatMemory(memory, engineNow(engram)) };
  },
});

/** `engram memory archive|restore` */
export const memoryArchiveCommands: readonly Command[] = [archive, restore];
