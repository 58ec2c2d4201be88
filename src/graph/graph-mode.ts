import type { Agent } from "../core/types.ts";

/**
 * How an agent keeps its entity graph (`agent.metadata.graph`): `off` records nothing and a search
 * follows no graph unless it asks to; `rules` records what the deterministic extractor finds as items
 * are written (the default); `model` does that too, and a queued `extract` job adds what the agent's
 * language model finds (typed relations with validity).
 */
export const GRAPH_MODES = ["off", "rules", "model"] as const;
export type GraphMode = (typeof GRAPH_MODES)[number];

/** The agent's graph mode; `rules` when unset. */
export function graphMode(agent: Pick<Agent, "metadata">): GraphMode {
  const value = agent.metadata.graph;
  return value === "off" || value === "model" ? value : "rules";
}

/** Whether the agent's writes are recorded in its graph, and its searches follow it by default. */
export function keepsGraph(agent: Pick<Agent, "metadata">): boolean {
  return graphMode(agent) !== "off";
}
