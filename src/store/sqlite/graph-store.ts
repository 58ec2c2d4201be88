import type { SQLInputValue } from "node:sqlite";
import type { AgentGraph, Entity, EntityMention, GraphRecord, Relation } from "../../core/graph-types.ts";
import { type BatchEntity, mergeRecords } from "../graph-batch.ts";
import {
  type EntityListing,
  type GraphStore,
  type GraphUsers,
  MAX_RELATION_PROVENANCE,
} from "../graph-store.ts";
import {
  batchRelationValues,
  ENTITY_SELECT,
  type EntityRow,
  entityValues,
  GRAPH_COLUMNS,
  type RelationRow,
  relationValues,
  toEntity,
  toRelation,
  userKey,
} from "../rows/graph-rows.ts";
import { insertRows } from "./batch-insert.ts";
import { inReadTransaction, inTransaction, inWriteTransaction } from "./database.ts";
import {
  dumpMentions,
  entityRef,
  forgetMentions,
  insertMentions,
  itemIds,
  type MentionInput,
  readMentions,
  resolveItems,
} from "./graph-mentions.ts";
import { dropUnnamedEntities, retractRelations } from "./graph-retract.ts";
import type { Statements } from "./statements.ts";
import type { WrittenRows } from "./written-rows.ts";

const json = (values: readonly unknown[]) => JSON.stringify(values);
const users = (list: GraphUsers) => json(list.map(userKey));

/** The entity graph on SQLite (its layout: graph-layout.ts). */
export class SqliteGraphStore implements GraphStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async record(agentId: string, records: readonly GraphRecord[]): Promise<void> {
    if (records.length === 0) return;
    await inWriteTransaction(this.#s.db, () => this.recordNow(agentId, records));
  }

  /**
   * `record`, synchronously: joins the caller's transaction when there is one. `fresh`: the items
   * were written by this same transaction, so they have no earlier mentions to take back; `written`:
   * the rows it wrote, whose rowids need no look-up.
   */
  recordNow(
    agentId: string,
    records: readonly GraphRecord[],
    options: { fresh?: boolean; written?: WrittenRows } = {},
  ): void {
    if (records.length === 0) return;
    const batch = mergeRecords(records);
    inTransaction(this.#s.db, () => {
      const rowids = resolveItems(this.#s, itemIds(records), options.written);
      // The items' earlier mentions go, and their entities' counts with them, and what they gave
      // the relations between those entities.
      if (options.fresh !== true) {
        const named = forgetMentions(this.#s, agentId, batch.itemIds, rowids);
        retractRelations(this.#s, agentId, named, batch.itemIds);
      }
      const entities = this.#upsertEntities(agentId, batch.entities);
      insertMentions(this.#s, agentId, batch.mentions, entities, rowids);
      // One row per relation (merged by `mergeRecords`), so the rows of one upsert never collide.
      insertRows(
        this.#s,
        "INSERT INTO graph_relations (agent_id, user_key, source, target, type, weight, valid_from, valid_to, provenance)",
        9,
        batch.relations.flatMap((r) => batchRelationValues(agentId, r)),
        ` ON CONFLICT (agent_id, user_key, source, target, type) DO UPDATE SET
             weight = weight + excluded.weight,
             valid_from = MIN(valid_from, excluded.valid_from),
             valid_to = CASE WHEN valid_to IS NULL OR excluded.valid_to IS NULL THEN NULL
                             ELSE MAX(valid_to, excluded.valid_to) END,
             provenance = (SELECT json_group_array(json(value)) FROM (
               SELECT value FROM json_each(provenance) UNION ALL SELECT value FROM json_each(excluded.provenance)
               LIMIT ${MAX_RELATION_PROVENANCE}))`,
      );
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
      // Entities the items named before and nothing names now go, as a rebuild would leave them out.
      if (options.fresh !== true) dropUnnamedEntities(this.#s, agentId);
    });
  }

  /**
   * Adds the batch's entities, or their mentions and times to the stored ones; their ids by user and
   * key. Known ones are found in one statement and updated one by one; new ones take the ids after
   * the largest (as memories take rowids; the write lock is held) and go in with multi-row inserts.
   */
  #upsertEntities(agentId: string, entities: readonly BatchEntity[]): Map<string, number> {
    const ids = new Map<string, number>();
    if (entities.length === 0) return ids;
    const known = this.#s.prepare(
      // CROSS JOIN: the list leads, each of its keys found through the index (not every entity scanned).
      `SELECT e.user_key, e.key, e.id FROM json_each(?2) j
       CROSS JOIN graph_entities e ON e.agent_id = ?1 AND e.user_key = j.value ->> 0 AND e.key = j.value ->> 1`,
    );
    known.setReturnArrays(true);
    const rows = known.all(agentId, JSON.stringify(entities.map((e) => [e.user, e.key]))) as unknown as [
      string,
      string,
      number,
    ][];
    for (const [user, key, id] of rows) ids.set(entityRef(user, key), id);
    let last = this.#s.get<{ last: number | null }>("SELECT MAX(id) AS last FROM graph_entities")?.last ?? 0;
    const fresh: SQLInputValue[] = [];
    const changed: [number, number, string, string, string | null][] = [];
    for (const e of entities) {
      const ref = entityRef(e.user, e.key);
      const id = ids.get(ref);
      if (id !== undefined) changed.push([id, e.mentions, e.firstSeen, e.lastSeen, e.typed ? e.type : null]);
      else {
        ids.set(ref, ++last);
        fresh.push(last, agentId, e.user, e.key, e.name, e.type, e.mentions, e.firstSeen, e.lastSeen);
      }
    }
    // One single-row UPDATE per known entity, in id order (the table's): at 10,000 entities 1.5 µs
    // an entity, against 4 for one UPDATE … FROM json_each of them all. A type a model gave
    // replaces the stored one, a guess from the words around the name.
    const update = this.#s.prepare(
      `UPDATE graph_entities SET mentions = mentions + ?, first_seen = MIN(first_seen, ?),
         last_seen = MAX(last_seen, ?), type = COALESCE(?, type) WHERE id = ?`,
    );
    changed.sort((a, b) => a[0] - b[0]);
    for (const [id, mentions, firstSeen, lastSeen, type] of changed)
      update.run(mentions, firstSeen, lastSeen, type, id);
    insertRows(
      this.#s,
      "INSERT INTO graph_entities (id, agent_id, user_key, key, name, type, mentions, first_seen, last_seen)",
      9,
      fresh,
    );
    return ids;
  }

  async listEntities(agentId: string, userId: string | null, options: EntityListing): Promise<Entity[]> {
    if ("byMentions" in options) {
      // No index orders a user's entities by mentions (every write would keep it): a listing sorts them.
      const after = options.after;
      return this.#s
        .all<EntityRow>(
          `SELECT ${ENTITY_SELECT} FROM graph_entities e
           WHERE e.agent_id = ?1 AND e.user_key = ?2
             AND (?3 IS NULL OR e.mentions < ?3 OR (e.mentions = ?3 AND e.key > ?4))
           ORDER BY e.mentions DESC, e.key LIMIT ?5`,
          agentId,
          userKey(userId),
          after?.mentions ?? null,
          after?.key ?? "",
          options.limit,
        )
        .map(toEntity);
    }
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

  async namedWithRelations(
    agentId: string,
    list: GraphUsers,
    keys: readonly string[],
    options: { maxMentions: number; limit: number },
  ): Promise<{ entities: Entity[]; relations: Relation[] }> {
    const entities = await this.findEntities(agentId, list, keys);
    const followed = [
      ...new Set(entities.filter((e) => e.mentions <= options.maxMentions).map((e) => e.key)),
    ];
    const relations = await this.relations(agentId, list, followed, options.limit, { provenance: false });
    return { entities, relations };
  }

  async relations(
    agentId: string,
    list: GraphUsers,
    keys: readonly string[],
    limit: number,
    options: { provenance?: boolean } = {},
  ): Promise<Relation[]> {
    const provenance = options.provenance === false ? "'[]' AS provenance" : "r.provenance";
    if (keys.length === 0 || list.length === 0) return [];
    const columns = `r.user_key, r.source, r.target, r.type, r.weight, r.valid_from, r.valid_to, ${provenance}`;
    // The relations from the keys and those to them, each found through its index by user and key
    // (one scan with "source IN … OR target IN …" reads every relation of the agent's users: 7 ms at
    // 20,000 relations, against 0.3 ms). A relation between two of the keys is found twice, kept once.
    // Ordered by weight (descending), valid_from, source, target, type: by number, as json_each's own
    // columns (one is named "type") would make the names ambiguous.
    return this.#s
      .all<RelationRow>(
        `SELECT ${columns} FROM json_each(?2) u CROSS JOIN json_each(?3) k
           CROSS JOIN graph_relations r ON r.agent_id = ?1 AND r.user_key = u.value AND r.source = k.value
         UNION
         SELECT ${columns} FROM json_each(?2) u CROSS JOIN json_each(?3) k
           CROSS JOIN graph_relations r INDEXED BY graph_relations_by_target
             ON r.agent_id = ?1 AND r.user_key = u.value AND r.target = k.value
         ORDER BY 5 DESC, 6, 2, 3, 4 LIMIT ?4`,
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
    return readMentions(this.#s, agentId, list, keys, limit);
  }

  async replace(agentId: string, graph: AgentGraph): Promise<void> {
    await inWriteTransaction(this.#s.db, () => {
      // The entities' compact mentions go with them (ON DELETE CASCADE).
      for (const table of ["graph_entities", "graph_mentions_verbatim", "graph_relations"])
        this.#s.run(`DELETE FROM ${table} WHERE agent_id = ?`, agentId);
      const entities = new Map<string, number>();
      for (const e of graph.entities) {
        const row = this.#s.get<{ id: number }>(
          `INSERT INTO graph_entities (agent_id, user_key, key, name, type, mentions, first_seen, last_seen)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          ...(entityValues(agentId, e) as SQLInputValue[]),
        );
        if (row !== undefined) entities.set(entityRef(userKey(e.userId), e.key), row.id);
      }
      // One mention per user, key and item, the first given, as the key of the verbatim form has it.
      const mentions = new Map<string, MentionInput>();
      for (const m of graph.mentions) {
        const user = userKey(m.userId);
        const id = `${entityRef(user, m.key)}\u0000${m.id}`;
        if (!mentions.has(id)) mentions.set(id, { user, key: m.key, source: m.source, id: m.id, at: m.at });
      }
      const rowids = resolveItems(this.#s, itemIds(mentions.values()));
      insertMentions(this.#s, agentId, [...mentions.values()], entities, rowids);
      for (const r of graph.relations)
        this.#s.run(
          `INSERT INTO ${GRAPH_COLUMNS.relations} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ...(relationValues(agentId, r, MAX_RELATION_PROVENANCE) as SQLInputValue[]),
        );
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
      mentions: dumpMentions(this.#s, agentId),
    }));
  }
}
