import type { Agent } from "../core/types.ts";
import { castModel, createTestEngram, type RoleScript } from "../test/index.ts";

/** An engine with one agent per role, each tagged for the cast model; messaging is off for all. */
export async function cast<K extends string>(roles: Record<K, RoleScript>) {
  const engram = createTestEngram({ model: castModel(roles) });
  const agents = {} as Record<K, Agent>;
  for (const role of Object.keys(roles) as K[])
    agents[role] = await engram.agents.create({ name: role, instructions: `[${role}] You are ${role}.` });
  return { engram, agents };
}
