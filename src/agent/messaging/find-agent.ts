import type { Agent } from "../../core/types.ts";
import type { EngineContext } from "../../memory/context.ts";

/**
 * The agent of `projectId` with this id (`agt_…`) or name, or null: an agent of another project is
 * as absent as one that does not exist.
 */
export async function findProjectAgent(
  ctx: EngineContext,
  projectId: string,
  ref: string,
): Promise<Agent | null> {
  const agent = ref.startsWith("agt_")
    ? await ctx.store.agents.get(ref)
    : await ctx.store.agents.getByName(projectId, ref);
  return agent !== null && agent.projectId === projectId ? agent : null;
}
