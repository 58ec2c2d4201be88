import { type AgentGraph, type GraphRecord, RULE_RELATIONS } from "../core/graph-types.ts";
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
    records.push(...page.map((memory) => memoryRecord(memory)));
    if (page.length < REBUILD_PAGE) break;
    after = page.at(-1)?.id;
  }
  for (let after: string | undefined; ; ) {
    const page = await store.messages.list({ agentId }, { after, limit: REBUILD_PAGE });
    records.push(...page.map(messageRecord));
    if (page.length < REBUILD_PAGE) break;
    after = page.at(-1)?.id;
  }
  const old = await store.graph.dump(agentId);
  const rebuilt = keepTypes(graphFromRecords(mergeDuplicates(records)), old);
  const graph = withModelFacts(rebuilt, old, new Set(records.map((r) => r.id)));
  await store.graph.replace(agentId, graph);
  return graph;
}

/** An entity of one graph (of one user, or of the agent) as one map key. */
const entityId = (userId: string | null, key: string) => `${userId ?? ""}\u0000${key}`;

/**
 * The rebuilt graph with each entity's stored type where it had one: a type may be a model's reading
 * of the text (see `GraphFacts`), which the rules would guess again differently.
 */
export function keepTypes(rebuilt: AgentGraph, old: AgentGraph): AgentGraph {
  const types = new Map(old.entities.map((e) => [entityId(e.userId, e.key), e.type]));
  return {
    ...rebuilt,
    entities: rebuilt.entities.map((e) => {
      const type = types.get(entityId(e.userId, e.key));
      return type === undefined || type === e.type ? e : { ...e, type };
    }),
  };
}

/**
 * The rebuilt graph with what a model's extraction had added (which no rule finds again): its typed
 * relations, kept with the sources that still exist, and the mentions of their entities by those
 * sources. A relation whose every source is gone goes too.
 */
export function withModelFacts(rebuilt: AgentGraph, old: AgentGraph, live: ReadonlySet<string>): AgentGraph {
  const relations = old.relations.flatMap((r) => {
    if (RULE_RELATIONS.has(r.type)) return [];
    const provenance = r.provenance.filter((p) => live.has(p.id));
    return provenance.length === 0 ? [] : [{ ...r, provenance }];
  });
  if (relations.length === 0) return rebuilt;
  const ends = new Set(
    relations.flatMap((r) => [entityId(r.userId, r.source), entityId(r.userId, r.target)]),
  );
  const seen = new Set(rebuilt.mentions.map((m) => `${entityId(m.userId, m.key)}\u0000${m.id}`));
  const mentions = old.mentions.filter(
    (m) =>
      ends.has(entityId(m.userId, m.key)) &&
      live.has(m.id) &&
      !seen.has(`${entityId(m.userId, m.key)}\u0000${m.id}`),
  );
  const added = new Map<string, number>();
  for (const m of mentions)
    added.set(entityId(m.userId, m.key), (added.get(entityId(m.userId, m.key)) ?? 0) + 1);
  const entities = rebuilt.entities.map((e) => {
    const more = added.get(entityId(e.userId, e.key)) ?? 0;
    added.delete(entityId(e.userId, e.key));
    return more === 0 ? e : { ...e, mentions: e.mentions + more };
  });
  for (const e of old.entities) {
    const more = added.get(entityId(e.userId, e.key));
    if (more !== undefined) entities.push({ ...e, mentions: more });
  }
  return {
    entities,
    relations: [...rebuilt.relations, ...relations],
    mentions: [...rebuilt.mentions, ...mentions],
  };
}
