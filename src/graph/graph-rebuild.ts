import type { AgentGraph, GraphRecord } from "../core/graph-types.ts";
import type { Store } from "../store/store.ts";
import { graphFromRecords, memoryRecord, mergeDuplicates, messageRecord } from "./graph-records.ts";

/** Most items read per page while rebuilding a graph. */
const REBUILD_PAGE = 500;

/**
 * Rebuilds an agent's graph from its memories (not archived) and messages, merging duplicate
 * entities ("Ada" into "Ada Lovelace") and closing relations whose every source has closed, and
 * stores it in one transaction. Returns the graph stored.
 */
export async function rebuildGraph(store: Store, agentId: string): Promise<AgentGraph> {
  const records: GraphRecord[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.memories.list({ agentId }, { after, limit: REBUILD_PAGE });
    records.push(...page.map(memoryRecord));
    if (page.length < REBUILD_PAGE) break;
    after = page.at(-1)?.id;
  }
  for (let after: string | undefined; ; ) {
    const page = await store.messages.list({ agentId }, { after, limit: REBUILD_PAGE });
    records.push(...page.map(messageRecord));
    if (page.length < REBUILD_PAGE) break;
    after = page.at(-1)?.id;
  }
  const graph = graphFromRecords(mergeDuplicates(records));
  await store.graph.replace(agentId, graph);
  return graph;
}
