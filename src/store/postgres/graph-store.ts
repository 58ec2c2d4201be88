import {
  type AgentGraph,
  type Entity,
  type EntityMention,
  type GraphRecord,
  type Relation,
  RULE_RELATIONS,
} from "../../core/graph-types.ts";
import { mergeRecords } from "../graph-batch.ts";
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
  type MentionRow,
  mentionValues,
  type RelationRow,
  relationValues,
  toEntity,
  toMention,
  toRelation,
  userKey,
} from "../rows/graph-rows.ts";
import { columnArrays, insertRows } from "./insert-rows.ts";
import type { PgDatabase, Sql } from "./pg-database.ts";

/**
 * Every (user, key) pair a read asks about, from the users in `$2` and the keys in `$3` (each list
 * limited to its own length, bound at `$4` and `$5` by `pairParams`). Reads probe the tables' indexes
 * once per pair: written as `= ANY` conditions instead, the plan PostgreSQL keeps for a prepared
 * statement reads all of an agent's rows and filters them (measured: the entity look-up of every
 * search grew from 0.04 to 0.13 ms at 500 entities, and on with the graph). The limits change no
 * result; they keep the planner from costing the lists at ten entries each (a hundred pairs), which
 * made it plan these statements afresh on every run (0.1–0.25 ms each) instead of keeping one plan.
 */
const USERS = "(SELECT DISTINCT unnest($2::text[]) AS user_key LIMIT $4) u";
const KEYS = "(SELECT DISTINCT unnest($3::text[]) AS key LIMIT $5) k";
const PAIRS = `${USERS} CROSS JOIN ${KEYS}`;

/** The named entities of `PAIRS`, in key order (a statement's `named` CTE). */
const NAMED = `SELECT ${ENTITY_SELECT} FROM ${PAIRS} CROSS JOIN LATERAL (
    SELECT * FROM graph_entities e
    WHERE e.agent_id = $1 AND e.user_key = u.user_key AND e.key = k.key OFFSET 0
  ) e`;

/**
 * The strongest relations of `USERS` touching the keys of `keys` (a FROM item aliased `k`;
 * `notFromKey`, the condition that a relation's source is none of them): those from each key, then
 * those to it that are not also from one, two probes of an index per user and key however many
 * relations the agent has.
 */
function relationsOf(keys: string, notFromKey: string, provenance: string, limit: string): string {
  const probe = (end: "source" | "target", also: string) => `SELECT r.* FROM ${USERS} CROSS JOIN ${keys}
      CROSS JOIN LATERAL (
        SELECT * FROM graph_relations r
        WHERE r.agent_id = $1 AND r.user_key = u.user_key AND r.${end} = k.key${also} OFFSET 0
      ) r`;
  return `SELECT user_key, source, target, type, weight, valid_from, valid_to, ${provenance} FROM (
      ${probe("source", "")}
      UNION ALL
      ${probe("target", ` AND ${notFromKey}`)}
    ) r
    ORDER BY weight DESC, valid_from, source, target, type LIMIT ${limit}`;
}

/** The agent (`$1`) and the parameters `PAIRS` reads; a statement's own follow from `$6`. */
function pairParams(agentId: string, users: GraphUsers, keys: readonly string[], ...own: unknown[]) {
  return [agentId, users.map(userKey), keys, users.length, keys.length, ...own];
}

/** The entity graph on PostgreSQL: each batch is one upsert per table, in one transaction. */
export class PgGraphStore implements GraphStore {
  readonly #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async record(agentId: string, records: readonly GraphRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#db.transaction((tx) => recordGraph(tx, agentId, records));
  }

  async listEntities(agentId: string, userId: string | null, options: EntityListing): Promise<Entity[]> {
    if ("byMentions" in options) {
      const after = options.after;
      const rows = await this.#db.all<EntityRow>(
        `SELECT ${ENTITY_SELECT} FROM graph_entities e
         WHERE e.agent_id = $1 AND e.user_key = $2
           AND ($3::int IS NULL OR e.mentions < $3 OR (e.mentions = $3 AND e.key > $4))
         ORDER BY e.mentions DESC, e.key LIMIT $5`,
        [agentId, userKey(userId), after?.mentions ?? null, after?.key ?? "", options.limit],
      );
      return rows.map(toEntity);
    }
    const rows = await this.#db.all<EntityRow>(
      `SELECT ${ENTITY_SELECT} FROM graph_entities e
       WHERE e.agent_id = $1 AND e.user_key = $2 AND e.key > $3 ORDER BY e.key LIMIT $4`,
      [agentId, userKey(userId), options.after ?? "", options.limit],
    );
    return rows.map(toEntity);
  }

  async findEntities(agentId: string, users: GraphUsers, keys: readonly string[]): Promise<Entity[]> {
    if (keys.length === 0 || users.length === 0) return [];
    const rows = await this.#db.all<EntityRow>(
      `${NAMED} ORDER BY e.key, e.user_key`,
      pairParams(agentId, users, keys),
    );
    return rows.map(toEntity);
  }

  async namedWithRelations(
    agentId: string,
    users: GraphUsers,
    keys: readonly string[],
    options: { maxMentions: number; limit: number },
  ): Promise<{ entities: Entity[]; relations: Relation[] }> {
    if (keys.length === 0 || users.length === 0) return { entities: [], relations: [] };
    const relations = relationsOf(
      "followed k",
      "r.source NOT IN (SELECT key FROM followed)",
      "'[]'::jsonb AS provenance",
      "$7",
    );
    const row = await this.#db.get<{ entities: EntityRow[]; relations: RelationRow[] }>(
      `WITH named AS MATERIALIZED (${NAMED}),
       followed AS MATERIALIZED (SELECT DISTINCT key FROM named WHERE mentions <= $6)
       SELECT
         (SELECT COALESCE(json_agg(n ORDER BY n.key, n.user_key), '[]') FROM named n) AS entities,
         (SELECT COALESCE(json_agg(r ORDER BY r.weight DESC, r.valid_from, r.source, r.target, r.type), '[]')
          FROM (${relations}) r) AS relations`,
      pairParams(agentId, users, keys, options.maxMentions, options.limit),
    );
    return {
      entities: (row?.entities ?? []).map(toEntity),
      relations: (row?.relations ?? []).map(toRelation),
    };
  }

  async relations(
    agentId: string,
    users: GraphUsers,
    keys: readonly string[],
    limit: number,
    options: { provenance?: boolean } = {},
  ): Promise<Relation[]> {
    const provenance = options.provenance === false ? "'[]'::jsonb AS provenance" : "provenance";
    if (keys.length === 0 || users.length === 0) return [];
    const rows = await this.#db.all<RelationRow>(
      relationsOf(KEYS, "r.source <> ALL($3::text[])", provenance, "$6"),
      pairParams(agentId, users, keys, limit),
    );
    return rows.map(toRelation);
  }

  async mentions(
    agentId: string,
    users: GraphUsers,
    keys: readonly string[],
    limit: number,
  ): Promise<EntityMention[]> {
    if (keys.length === 0 || users.length === 0) return [];
    // Each key's newest `limit` through its index (migration 9), then the newest `limit` of those:
    // the work grows with the keys asked about, not with how often their entities were named.
    const rows = await this.#db.all<MentionRow>(
      `SELECT m.user_key, m.key, m.source, m.item_id, m.at FROM ${PAIRS} CROSS JOIN LATERAL (
         SELECT * FROM graph_mentions g
         WHERE g.agent_id = $1 AND g.user_key = u.user_key AND g.key = k.key
         ORDER BY g.at DESC, g.item_id LIMIT $6
       ) m
       ORDER BY m.at DESC, m.item_id LIMIT $6`,
      pairParams(agentId, users, keys, limit),
    );
    return rows.map(toMention);
  }

  async replace(agentId: string, graph: AgentGraph): Promise<void> {
    await this.#db.transaction(async (tx) => {
      for (const table of ["graph_entities", "graph_mentions", "graph_relations"])
        await tx.run(`DELETE FROM ${table} WHERE agent_id = $1`, [agentId]);
      await insertRows(
        tx,
        GRAPH_COLUMNS.entities,
        graph.entities.map((e) => entityValues(agentId, e)),
      );
      await insertRows(
        tx,
        GRAPH_COLUMNS.mentions,
        graph.mentions.map((m) => mentionValues(agentId, m)),
        "ON CONFLICT DO NOTHING",
      );
      await insertRows(
        tx,
        GRAPH_COLUMNS.relations,
        graph.relations.map((r) => relationValues(agentId, r, MAX_RELATION_PROVENANCE)),
      );
    });
  }

  async dump(agentId: string): Promise<AgentGraph> {
    return this.#db.transaction(async (tx) => ({
      entities: (
        await tx.all<EntityRow>(
          `SELECT ${ENTITY_SELECT} FROM graph_entities e WHERE e.agent_id = $1 ORDER BY e.user_key, e.key`,
          [agentId],
        )
      ).map(toEntity),
      relations: (
        await tx.all<RelationRow>(
          "SELECT * FROM graph_relations WHERE agent_id = $1 ORDER BY user_key, source, target, type",
          [agentId],
        )
      ).map(toRelation),
      mentions: (
        await tx.all<MentionRow>(
          "SELECT user_key, key, source, item_id, at FROM graph_mentions WHERE agent_id = $1 ORDER BY user_key, key, item_id",
          [agentId],
        )
      ).map(toMention),
    }));
  }
}

/** The rule relations' types, as an SQL list (constants: no quoting to get wrong). */
const RULE_TYPES_SQL = [...RULE_RELATIONS].map((type) => `'${type}'`).join(", ");

/**
 * Records what memories and messages say (see `GraphStore.record`) in the caller's transaction.
 * `fresh`: the items were written by this same transaction, so they have no earlier mentions to
 * take back (one statement less on the write path of every memory and message).
 */
export async function recordGraph(
  tx: Sql,
  agentId: string,
  records: readonly GraphRecord[],
  options: { fresh?: boolean } = {},
): Promise<void> {
  if (records.length === 0) return;
  const batch = mergeRecords(records);
  if (options.fresh !== true) {
    // The items' earlier mentions go, and their entities' counts with them, and what they gave the
    // relations between those entities: each relation whose sources list one of the items loses
    // that source and one of its weight per listing, and goes when no weight is left, or is narrowed
    // to the times its other sources state (as on SQLite, graph-retract.ts). The statement's parts
    // read the relations as they were before it.
    await tx.defer(
      `WITH gone AS (
         DELETE FROM graph_mentions WHERE agent_id = $1 AND item_id = ANY($2::text[]) RETURNING user_key, key, item_id
       ), lost AS (
         -- Their first and last sightings from the mentions left (this statement still sees the
         -- ones it deletes: the items' are left out), through the index of mentions by time.
         UPDATE graph_entities SET mentions = graph_entities.mentions - lost.n,
           first_seen = COALESCE((SELECT g.at FROM graph_mentions g WHERE g.agent_id = $1
             AND g.user_key = lost.user_key AND g.key = lost.key AND g.item_id <> ALL($2::text[])
             ORDER BY g.at LIMIT 1), graph_entities.first_seen),
           last_seen = COALESCE((SELECT g.at FROM graph_mentions g WHERE g.agent_id = $1
             AND g.user_key = lost.user_key AND g.key = lost.key AND g.item_id <> ALL($2::text[])
             ORDER BY g.at DESC LIMIT 1), graph_entities.last_seen)
         FROM (SELECT user_key, key, COUNT(*) AS n FROM gone GROUP BY user_key, key) AS lost
         WHERE graph_entities.agent_id = $1 AND graph_entities.user_key = lost.user_key
           AND graph_entities.key = lost.key
         RETURNING 1
       ), pairs AS (
         -- Each ordered pair of entities one item named: only relations between them can list it,
         -- read by their keys rather than every relation of an entity many items name.
         SELECT DISTINCT a.user_key, a.key AS source, b.key AS target FROM gone a
         JOIN gone b ON b.item_id = a.item_id AND b.user_key = a.user_key AND b.key <> a.key
       ), near AS (
         SELECT r.user_key, r.source, r.target, r.type FROM pairs p
         JOIN graph_relations r ON r.agent_id = $1 AND r.user_key = p.user_key AND r.source = p.source
           AND r.target = p.target
       ), touched AS (
         SELECT r.user_key, r.source, r.target, r.type, r.weight, t.taken, t.kept, b.first, b.last
         FROM near JOIN graph_relations r ON r.agent_id = $1 AND r.user_key = near.user_key
           AND r.source = near.source AND r.target = near.target AND r.type = near.type
         CROSS JOIN LATERAL (
           SELECT COUNT(*) FILTER (WHERE p.v ->> 'id' = ANY($2::text[])) AS taken,
                  COALESCE(jsonb_agg(p.v ORDER BY p.n) FILTER (WHERE NOT (p.v ->> 'id' = ANY($2::text[]))), '[]'::jsonb) AS kept
           FROM jsonb_array_elements(r.provenance) WITH ORDINALITY AS p(v, n)
         ) t
         -- What the sources left state, when every unit of weight left has its source listed and
         -- the relation is a rule's (a model's typed one keeps the times the model read).
         CROSS JOIN LATERAL (
           SELECT MIN(x.f) AS first, MAX(x.t) AS last FROM (
             SELECT COALESCE(m.valid_from, m.created_at) AS f, COALESCE(m.valid_to, '~') AS t
             FROM jsonb_array_elements(t.kept) k JOIN memories m ON m.id = k ->> 'id'
             WHERE k ->> 'source' = 'memory' AND r.weight - t.taken = jsonb_array_length(t.kept)
               AND r.type IN (${RULE_TYPES_SQL})
             UNION ALL
             SELECT g.created_at, '~'
             FROM jsonb_array_elements(t.kept) k JOIN messages g ON g.id = k ->> 'id'
             WHERE k ->> 'source' = 'message' AND r.weight - t.taken = jsonb_array_length(t.kept)
               AND r.type IN (${RULE_TYPES_SQL})
           ) x
         ) b
         WHERE t.taken > 0
       ), dropped AS (
         DELETE FROM graph_relations r USING touched t
         WHERE r.agent_id = $1 AND r.user_key = t.user_key AND r.source = t.source AND r.target = t.target
           AND r.type = t.type AND t.weight <= t.taken
         RETURNING 1
       )
       UPDATE graph_relations r SET weight = r.weight - t.taken, provenance = t.kept,
         valid_from = CASE WHEN t.first IS NULL THEN r.valid_from ELSE GREATEST(r.valid_from, t.first) END,
         valid_to = CASE WHEN t.last IS NULL OR t.last = '~' THEN r.valid_to
                         ELSE LEAST(COALESCE(r.valid_to, t.last), t.last) END
       FROM touched t
       WHERE r.agent_id = $1 AND r.user_key = t.user_key AND r.source = t.source AND r.target = t.target
         AND r.type = t.type AND t.weight > t.taken`,
      [agentId, batch.itemIds],
    );
  }
  // Entities, mentions and relations in one statement; rows are taken in key order, so writers of
  // the same entities lock them in the same order and wait for each other instead of deadlocking.
  const entities = batch.entities.map((e) => [
    e.user,
    e.key,
    e.name,
    e.type,
    e.mentions,
    e.firstSeen,
    e.lastSeen,
  ]);
  const mentions = batch.mentions.map((m) => [m.user, m.key, m.source, m.id, m.at]);
  // Without the agent id, which the statement takes once.
  const relations = batch.relations.map((r) => batchRelationValues(agentId, r).slice(1));
  await tx.defer(
    `WITH entities AS (
       INSERT INTO graph_entities (agent_id, user_key, key, name, type, mentions, first_seen, last_seen)
       SELECT $1, e.* FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[])
         AS e(user_key, key, name, type, mentions, first_seen, last_seen)
       ORDER BY e.user_key, e.key
       ON CONFLICT (agent_id, user_key, key) DO UPDATE SET
         mentions = graph_entities.mentions + excluded.mentions,
         first_seen = LEAST(graph_entities.first_seen, excluded.first_seen),
         last_seen = GREATEST(graph_entities.last_seen, excluded.last_seen)
       RETURNING 1
     ), mentions AS (
       INSERT INTO graph_mentions (agent_id, user_key, key, source, item_id, at)
       SELECT $1, m.* FROM unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
         AS m(user_key, key, source, item_id, at)
       ON CONFLICT DO NOTHING
       RETURNING 1
     )
     INSERT INTO graph_relations (agent_id, user_key, source, target, type, weight, valid_from, valid_to, provenance)
     SELECT $1, r.user_key, r.source, r.target, r.type, r.weight, r.valid_from, r.valid_to, r.provenance::jsonb
     FROM unnest($14::text[], $15::text[], $16::text[], $17::text[], $18::int[], $19::text[], $20::text[], $21::text[])
       AS r(user_key, source, target, type, weight, valid_from, valid_to, provenance)
     ORDER BY r.user_key, r.source, r.target, r.type
     ON CONFLICT (agent_id, user_key, source, target, type) DO UPDATE SET
       weight = graph_relations.weight + excluded.weight,
       valid_from = LEAST(graph_relations.valid_from, excluded.valid_from),
       valid_to = CASE WHEN graph_relations.valid_to IS NULL OR excluded.valid_to IS NULL THEN NULL
                       ELSE GREATEST(graph_relations.valid_to, excluded.valid_to) END,
       provenance = (SELECT COALESCE(jsonb_agg(v ORDER BY n), '[]'::jsonb) FROM (
         SELECT v, n FROM jsonb_array_elements(graph_relations.provenance || excluded.provenance)
           WITH ORDINALITY AS t(v, n) ORDER BY n LIMIT ${MAX_RELATION_PROVENANCE}) s)`,
    [agentId, ...columnArrays(entities, 7), ...columnArrays(mentions, 5), ...columnArrays(relations, 8)],
    {
      prepare: true,
      adds: {
        graph_entities: entities.length,
        graph_mentions: mentions.length,
        graph_relations: relations.length,
      },
    },
  );
  // A type a model gave replaces the stored one (a guess from the words around the name).
  const typed = batch.entities.filter((e) => e.typed).map((e) => [e.user, e.key, e.type]);
  if (typed.length > 0)
    await tx.defer(
      `UPDATE graph_entities SET type = t.type
       FROM unnest($2::text[], $3::text[], $4::text[]) AS t(user_key, key, type)
       WHERE graph_entities.agent_id = $1 AND graph_entities.user_key = t.user_key
         AND graph_entities.key = t.key AND graph_entities.type <> t.type`,
      [agentId, ...columnArrays(typed, 3)],
    );
  // A source that states the end closes the relation, though others stated it open.
  for (const r of batch.relations) {
    if (r.endedAt === null) continue;
    await tx.defer(
      `UPDATE graph_relations SET valid_to = $1 WHERE agent_id = $2 AND user_key = $3 AND source = $4
         AND target = $5 AND type = $6 AND (valid_to IS NULL OR valid_to > $1)`,
      [r.endedAt, agentId, r.user, r.source, r.target, r.type],
    );
  }
  // Entities the items named before and nothing names now go, as a rebuild would leave them out
  // (found through the partial index on entities with no mention).
  if (options.fresh !== true)
    await tx.defer(
      `DELETE FROM graph_entities e WHERE e.agent_id = $1 AND e.mentions <= 0
         AND NOT EXISTS (SELECT 1 FROM graph_relations r
           WHERE r.agent_id = $1 AND r.user_key = e.user_key AND r.source = e.key)
         AND NOT EXISTS (SELECT 1 FROM graph_relations r
           WHERE r.agent_id = $1 AND r.user_key = e.user_key AND r.target = e.key)`,
      [agentId],
    );
}
