import { type GraphSource, RULE_RELATIONS } from "../../core/graph-types.ts";
import type { NamedEntity } from "./graph-mentions.ts";
import type { Statements } from "./statements.ts";

/** A relation an item recorded again may have contributed to, as stored. */
interface RelationSources {
  user_key: string;
  source: string;
  target: string;
  type: string;
  weight: number;
  valid_from: string;
  valid_to: string | null;
  provenance: string;
}

/** Sorts after every time: the bound of a source still true. */
const OPEN = "~";

/**
 * Takes back what items recorded before contributed to the agent's relations, before they are
 * recorded again (a memory changed, closed or deleted): each relation between two entities one of
 * them named (`named`, each item's entities as `forgetMentions` returns them) whose sources list
 * one of them loses that source and one of its weight per listing, and goes when no weight is
 * left. So a memory edited three times still counts once, and a relation stated only by a deleted
 * memory goes with it; one stated only by a memory that closed is recorded again closed.
 *
 * Only the relations between the entities of one item are read, by their keys: not every relation
 * of an entity many items name (a city every user lives in).
 *
 * A rule's relation that keeps sources is narrowed to the times they state (`narrowed`): one held
 * open only by a memory now deleted closes when the last of its other sources did. It is never
 * widened. A model's typed relation keeps the times the model read until a rebuild.
 *
 * A relation keeps its first `MAX_RELATION_PROVENANCE` sources only: an item past them is not found
 * here, and what it gave stays until the graph is rebuilt (sleep-time consolidation does).
 */
export function retractRelations(
  s: Statements,
  agentId: string,
  named: readonly (readonly NamedEntity[])[],
  itemIds: readonly string[],
): void {
  if (itemIds.length === 0) return;
  const items = new Set(itemIds);
  // Each ordered pair of one user's entities that one item named, once: a relation runs either way.
  const pairs = new Map<string, [string, string, string]>();
  for (const entities of named)
    for (const a of entities)
      for (const b of entities)
        if (a.user === b.user && a.key !== b.key)
          pairs.set(`${a.user}\u0000${a.key}\u0000${b.key}`, [a.user, a.key, b.key]);
  if (pairs.size === 0) return;
  const rows = s.all<RelationSources>(
    `SELECT r.user_key, r.source, r.target, r.type, r.weight, r.valid_from, r.valid_to, r.provenance
     FROM json_each(?2) p CROSS JOIN graph_relations r
       ON r.agent_id = ?1 AND r.user_key = p.value ->> 0 AND r.source = p.value ->> 1 AND r.target = p.value ->> 2`,
    agentId,
    JSON.stringify([...pairs.values()]),
  );
  for (const row of rows) {
    const sources = JSON.parse(row.provenance) as GraphSource[];
    const kept = sources.filter((p) => !items.has(p.id));
    const taken = sources.length - kept.length;
    if (taken === 0) continue;
    const key = [agentId, row.user_key, row.source, row.target, row.type];
    if (row.weight <= taken)
      s.run(
        "DELETE FROM graph_relations WHERE agent_id = ? AND user_key = ? AND source = ? AND target = ? AND type = ?",
        ...key,
      );
    else {
      // Narrowed only when every unit of weight left has its source listed (the list is capped), and
      // only a rule's relation, whose times are its sources' (a model's has the times it read).
      const { from, to } =
        row.weight - taken === kept.length && RULE_RELATIONS.has(row.type)
          ? narrowed(s, row, kept)
          : { from: row.valid_from, to: row.valid_to };
      s.run(
        `UPDATE graph_relations SET weight = ?, provenance = ?, valid_from = ?, valid_to = ?
         WHERE agent_id = ? AND user_key = ? AND source = ? AND target = ? AND type = ?`,
        row.weight - taken,
        JSON.stringify(kept),
        from,
        to,
        ...key,
      );
    }
  }
}

/**
 * A relation's validity within what its remaining sources state: from the earliest time one became
 * true (a memory's `validFrom`, else its creation; a message's time), to the latest time one closed,
 * or still open when one is. Sources no longer stored say nothing.
 */
function narrowed(
  s: Statements,
  row: RelationSources,
  sources: readonly GraphSource[],
): { from: string; to: string | null } {
  const ids = (source: GraphSource["source"]) =>
    JSON.stringify(sources.filter((p) => p.source === source).map((p) => p.id));
  // Narrowed only: from no earlier than it was, to no later (open, `OPEN`, while a source is).
  const bounds = s.get<{ first: string | null; last: string | null }>(
    `SELECT max(MIN(f), ?4) AS first,
            CASE WHEN MAX(t) = ?3 THEN ?5 WHEN ?5 IS NULL THEN MAX(t) ELSE min(MAX(t), ?5) END AS last
     FROM (
       SELECT COALESCE(m.valid_from, m.created_at) AS f, COALESCE(m.valid_to, ?3) AS t
       FROM json_each(?1) j CROSS JOIN memories m ON m.id = j.value
       UNION ALL
       SELECT g.created_at, ?3 FROM json_each(?2) j CROSS JOIN messages g ON g.id = j.value)`,
    ids("memory"),
    ids("message"),
    OPEN,
    row.valid_from,
    row.valid_to,
  );
  // No source left stored: nothing to narrow it by.
  if (bounds?.first == null) return { from: row.valid_from, to: row.valid_to };
  return { from: bounds.first, to: bounds.last };
}

/**
 * Drops the agent's entities that no item names any more and no relation joins (an item recorded
 * again took their last mention), as a rebuild would not make them. Found through a partial index
 * on the entities with no mention, so the agent's other entities are not read.
 */
export function dropUnnamedEntities(s: Statements, agentId: string): void {
  s.run(
    `DELETE FROM graph_entities WHERE agent_id = ?1 AND mentions <= 0
       AND NOT EXISTS (SELECT 1 FROM graph_relations r
         WHERE r.agent_id = ?1 AND r.user_key = graph_entities.user_key AND r.source = graph_entities.key)
       AND NOT EXISTS (SELECT 1 FROM graph_relations r INDEXED BY graph_relations_by_target
         WHERE r.agent_id = ?1 AND r.user_key = graph_entities.user_key AND r.target = graph_entities.key)`,
    agentId,
  );
}
