import type { Agent } from "../../core/types.ts";
import type { EngineContext } from "../../memory/context.ts";
import { PROJECT_HOLDER_NAME } from "../../memory/memories/project-holder-name.ts";

/**
 * The agent of `projectId` with this id (`agt_…`) or name, or null: an agent of another project is
 * as absent as one that does not exist, and so is the project's holder of project memories (storage,
 * not an agent: its id is a project memory's `agentId`).
 */
export async function findProjectAgent(
  ctx: EngineContext,
  projectId: string,
  ref: string,
): Promise<Agent | null> {
  const agent = ref.startsWith("agt_")
    ? await ctx.store.agents.get(ref)
    : await ctx.store.agents.getByName(projectId, ref);
  return agent !== null && agent.projectId === projectId && agent.name !== PROJECT_HOLDER_NAME ? agent : null;
}
