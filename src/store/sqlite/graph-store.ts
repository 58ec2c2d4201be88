import type { SQLInputValue } from "node:sqlite";
import type { AgentGraph, Entity, EntityMention, GraphRecord, Relation } from "../../core/graph-types.ts";
import { mergeRecords } from "../graph-batch.ts";
import { type GraphStore, type GraphUsers, MAX_RELATION_PROVENANCE } from "../graph-store.ts";
import {
  batchRelationValues,
  ENTITY_SELECT,
  type EntityRow,
  entityValues,
  GRAPH_COLUMNS,
  type MentionRow,
  mentionValues,
  type RelationRow,
  relationValues,
  toEntity,
  toMention,
  toRelation,
  userKey,
} from "../rows/graph-rows.ts";
import { inReadTransaction, inTransaction, inWriteTransaction } from "./database.ts";
import type { Statements } from "./statements.ts";

const json = (values: readonly unknown[]) => JSON.stringify(values);
const users = (list: GraphUsers) => json(list.map(userKey));

/** The entity graph on SQLite. */
export class SqliteGraphStore implements GraphStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async record(agentId: string, records: readonly GraphRecord[]): Promise<void> {
    if (records.length === 0) return;
    await inWriteTransaction(this.#s.db, () => this.recordNow(agentId, records));
  }

  /** `record`, synchronously: joins the caller's transaction when there is one. */
  recordNow(agentId: string, records: readonly GraphRecord[]): void {
    if (records.length === 0) return;
    const batch = mergeRecords(records);
    inTransaction(this.#s.db, () => {
      // The items' earlier mentions go, and their entities' counts with them.
      this.#s.run(
        `UPDATE graph_entities SET mentions = graph_entities.mentions - gone.n
         FROM (SELECT user_key, key, COUNT(*) AS n FROM graph_mentions
               WHERE agent_id = ?1 AND item_id IN (SELECT value FROM json_each(?2)) GROUP BY user_key, key) AS gone
         WHERE graph_entities.agent_id = ?1 AND graph_entities.user_key = gone.user_key AND graph_entities.key = gone.key`,
        agentId,
        json(batch.itemIds),
      );
      this.#s.run(
        "DELETE FROM graph_mentions WHERE agent_id = ? AND item_id IN (SELECT value FROM json_each(?))",
        agentId,
        json(batch.itemIds),
      );
      for (const e of batch.entities) {
        this.#s.run(
          `INSERT INTO graph_entities (agent_id, user_key, key, name, type, mentions, first_seen, last_seen)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (agent_id, user_key, key) DO UPDATE SET
             mentions = mentions + excluded.mentions,
             first_seen = MIN(first_seen, excluded.first_seen), last_seen = MAX(last_seen, excluded.last_seen)`,
          agentId,
          e.user,
          e.key,
          e.name,
          e.type,
          e.mentions,
          e.firstSeen,
          e.lastSeen,
        );
      }
      for (const m of batch.mentions) {
        this.#s.run(
          `INSERT INTO graph_mentions (agent_id, user_key, key, source, item_id, at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
          agentId,
          m.user,
          m.key,
          m.source,
          m.id,
          m.at,
        );
      }
      for (const r of batch.relations) {
        this.#s.run(
          `INSERT INTO graph_relations (agent_id, user_key, source, target, type, weight, valid_from, valid_to, provenance)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (agent_id, user_key, source, target, type) DO UPDATE SET
             weight = weight + excluded.weight,
             valid_from = MIN(valid_from, excluded.valid_from),
             valid_to = CASE WHEN valid_to IS NULL OR excluded.valid_to IS NULL THEN NULL
                             ELSE MAX(valid_to, excluded.valid_to) END,
             provenance = (SELECT json_group_array(json(value)) FROM (
               SELECT value FROM json_each(provenance) UNION ALL SELECT value FROM json_each(excluded.provenance)
               LIMIT ${MAX_RELATION_PROVENANCE}))`,
          ...batchRelationValues(agentId, r),
        );
      }
      // A source that states the end closes the relation, though others stated it open.
      for (const r of batch.relations) {
        if (r.endedAt === null) continue;
        this.#s.run(
          `UPDATE graph_relations SET valid_to = ?1 WHERE agent_id = ?2 AND user_key = ?3 AND source = ?4
             AND target = ?5 AND type = ?6 AND (valid_to IS NULL OR valid_to > ?1)`,
          r.endedAt,
          agentId,
          r.user,
          r.source,
          r.target,
          r.type,
        );
      }
    });
  }

  async listEntities(
    agentId: string,
    userId: string | null,
    options: { after?: string; limit: number },
  ): Promise<Entity[]> {
    return this.#s
      .all<EntityRow>(
        `SELECT ${ENTITY_SELECT} FROM graph_entities e
         WHERE e.agent_id = ? AND e.user_key = ? AND e.key > ? ORDER BY e.key LIMIT ?`,
        agentId,
        userKey(userId),
        options.after ?? "",
        options.limit,
      )
      .map(toEntity);
  }

  async findEntities(agentId: string, list: GraphUsers, keys: readonly string[]): Promise<Entity[]> {
    if (keys.length === 0 || list.length === 0) return [];
    return this.#s
      .all<EntityRow>(
        `SELECT ${ENTITY_SELECT} FROM graph_entities e
         WHERE e.agent_id = ? AND e.user_key IN (SELECT value FROM json_each(?))
           AND e.key IN (SELECT value FROM json_each(?)) ORDER BY e.key, e.user_key`,
        agentId,
        users(list),
        json(keys),
      )
      .map(toEntity);
  }

  async relations(
    agentId: string,
    list: GraphUsers,
    keys: readonly string[],
    limit: number,
    options: { provenance?: boolean } = {},
  ): Promise<Relation[]> {
    const provenance = options.provenance === false ? "'[]' AS provenance" : "provenance";
    if (keys.length === 0 || list.length === 0) return [];
    return this.#s
      .all<RelationRow>(
        `SELECT user_key, source, target, type, weight, valid_from, valid_to, ${provenance} FROM graph_relations
         WHERE agent_id = ?1 AND user_key IN (SELECT value FROM json_each(?2))
           AND (source IN (SELECT value FROM json_each(?3)) OR target IN (SELECT value FROM json_each(?3)))
         ORDER BY weight DESC, valid_from, source, target, type LIMIT ?4`,
        agentId,
        users(list),
        json(keys),
        limit,
      )
      .map(toRelation);
  }

  async mentions(
    agentId: string,
    list: GraphUsers,
    keys: readonly string[],
    limit: number,
  ): Promise<EntityMention[]> {
    if (keys.length === 0 || list.length === 0) return [];
    return this.#s
      .all<MentionRow>(
        `SELECT user_key, key, source, item_id, at FROM graph_mentions
         WHERE agent_id = ? AND user_key IN (SELECT value FROM json_each(?))
           AND key IN (SELECT value FROM json_each(?))
         ORDER BY at DESC, item_id LIMIT ?`,
        agentId,
        users(list),
        json(keys),
        limit,
      )
      .map(toMention);
  }

  async replace(agentId: string, graph: AgentGraph): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      for (const table of ["graph_entities", "graph_mentions", "graph_relations"])
        this.#s.run(`DELETE FROM ${table} WHERE agent_id = ?`, agentId);
      const insert = (columns: string, values: unknown[], tail = "") =>
        this.#s.run(
          `INSERT INTO ${columns} VALUES (${values.map(() => "?").join(", ")})${tail}`,
          ...(values as SQLInputValue[]),
        );
      for (const e of graph.entities) insert(GRAPH_COLUMNS.entities, entityValues(agentId, e));
      for (const m of graph.mentions)
        insert(GRAPH_COLUMNS.mentions, mentionValues(agentId, m), " ON CONFLICT DO NOTHING");
      for (const r of graph.relations)
        insert(GRAPH_COLUMNS.relations, relationValues(agentId, r, MAX_RELATION_PROVENANCE));
    });
  }

  async dump(agentId: string): Promise<AgentGraph> {
    return inReadTransaction(this.#s.db, () => ({
      entities: this.#s
        .all<EntityRow>(
          `SELECT ${ENTITY_SELECT} FROM graph_entities e WHERE e.agent_id = ? ORDER BY e.user_key, e.key`,
          agentId,
        )
        .map(toEntity),
      relations: this.#s
        .all<RelationRow>(
          "SELECT * FROM graph_relations WHERE agent_id = ? ORDER BY user_key, source, target, type",
          agentId,
        )
        .map(toRelation),
      mentions: this.#s
        .all<MentionRow>(
          "SELECT user_key, key, source, item_id, at FROM graph_mentions WHERE agent_id = ? ORDER BY user_key, key, item_id",
          agentId,
        )
        .map(toMention),
    }));
  }
}
