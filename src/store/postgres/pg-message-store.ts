import type { Message, NewEvent } from "../../core/types.ts";
import { KeptCounts } from "../kept-counts.ts";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "../rows/memory-rows.ts";
import { messageConditions } from "../sql/record-conditions.ts";
import { numberedBind } from "../sql/sql-dialect.ts";
import {
  holdsOtherUser,
  type IndexedMessage,
  type LexicalHit,
  type ListOptions,
  MESSAGE_FIELDS,
  type MessageFilter,
  type MessageStore,
  type MessageTextQuery,
  type UserConversation,
} from "../store.ts";
import { POSTING_BUDGET } from "../term-choice.ts";
import { checkLimit, rankedHits, termFrequencies, tooCommon } from "./bm25.ts";
import { writeEvents } from "./event-writer.ts";
import { insertMessages, reindexMessages } from "./message-store.ts";
import type { PgDatabase } from "./pg-database.ts";
import { PG_DIALECT } from "./pg-dialect.ts";
import { MESSAGE_SPACE } from "./search-index.ts";

/**
 * A filter's conditions as text: a filter asks for no more than every message of the agent (all are
 * indexed) when its text is the one of the agent alone.
 */
const conditionsText = (filter: MessageFilter): string =>
  messageConditions(filter, PG_DIALECT, numberedBind([]));

/** The conversation log on PostgreSQL, in order of `rowid` (the order messages were appended in). */
export class PgMessageStore implements MessageStore {
  readonly #db: PgDatabase;
  /** Each agent's message count for ranking, by the documents indexed (see `countForRanking`). */
  readonly #counted = new KeptCounts();

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async append(messages: IndexedMessage[], reindex: IndexedMessage[], events: NewEvent[]): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await insertMessages(tx, messages);
      await reindexMessages(tx, reindex);
      await writeEvents(tx, events);
    });
  }

  async get(agentId: string, id: string): Promise<Message | null> {
    const row = await this.#db.get<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1 AND m.agent_id = $2`,
      [id, agentId],
    );
    return row === undefined ? null : toMessage(row);
  }

  async list(filter: MessageFilter, options: ListOptions & { newestFirst?: boolean }): Promise<Message[]> {
    const params: unknown[] = [];
    const bind = numberedBind(params);
    const where = messageConditions(filter, PG_DIALECT, bind);
    const newest = options.newestFirst === true;
    const cursor =
      options.after === undefined
        ? ""
        : `AND m.rowid ${newest ? "<" : ">"} (SELECT rowid FROM messages WHERE id = ${bind(options.after)} AND agent_id = ${bind(filter.agentId)})`;
    const rows = await this.#db.all<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE ${where} ${cursor}
       ORDER BY m.rowid ${newest ? "DESC" : "ASC"} LIMIT ${bind(options.limit)}`,
      params,
    );
    return rows.map(toMessage);
  }

  async tooCommonToRank(agentId: string, terms: readonly string[]): Promise<boolean> {
    return tooCommon(this.#db, MESSAGE_SPACE, agentId, terms);
  }

  async searchText(
    filter: MessageFilter,
    query: MessageTextQuery,
    limit: number,
  ): Promise<LexicalHit<Message>[]> {
    return rankedHits<MessageRow, Message>(
      this.#db,
      {
        space: MESSAGE_SPACE,
        agentId: filter.agentId,
        terms: query.terms,
        weights: MESSAGE_FIELDS.map((field) => query.weights[field]),
        table: "messages",
        columns: MESSAGE_COLUMNS,
        where: (bind) => messageConditions(filter, PG_DIALECT, bind),
        unfiltered: conditionsText(filter) === conditionsText({ agentId: filter.agentId }),
        limit,
      },
      // As for memories: one user's conversation ranked again with every term.
      filter.userId === undefined ? undefined : { userId: filter.userId, only: true },
      toMessage,
    );
  }

  async documentFrequencies(agentId: string, terms: readonly string[]): Promise<Map<string, number>> {
    const found = await termFrequencies(this.#db, MESSAGE_SPACE, agentId, terms, "text_docs");
    // Counted past the budget no further than SQLite counts them, so that both rank alike.
    return new Map(
      [...new Set(terms)].map((term) => [term, Math.min(found.get(term) ?? 0, POSTING_BUDGET + 1)]),
    );
  }

  async speakers(agentId: string, userId?: string): Promise<string[]> {
    // One index seek per distinct name (a skip scan written out), not one row per message; for one
    // user through the (agent_id, user_id, name) index.
    const user = userId === undefined ? "" : "AND user_id = $2";
    const rows = await this.#db.all<{ name: string }>(
      `WITH RECURSIVE names(name) AS (
         SELECT MIN(name) FROM messages WHERE agent_id = $1 ${user} AND name IS NOT NULL
         UNION ALL
         SELECT (SELECT MIN(name) FROM messages WHERE agent_id = $1 ${user} AND name > names.name)
         FROM names WHERE names.name IS NOT NULL
       ) SELECT name FROM names WHERE name IS NOT NULL`,
      userId === undefined ? [agentId] : [agentId, userId],
    );
    return rows.map((row) => row.name);
  }

  async otherUserExists(agentId: string, userId: string): Promise<boolean> {
    // The agent's smallest and largest user ids, one seek each along the (agent_id, user_id, rowid)
    // index. (For `user_id < $2` or `> $2` the planner may choose a sequential scan, which reads
    // every message when there is no other user.)
    const row = await this.#db.get<{ first: string | null; last: string | null }>(
      `SELECT (SELECT MIN(user_id) FROM messages WHERE agent_id = $1 AND user_id IS NOT NULL) AS first,
              (SELECT MAX(user_id) FROM messages WHERE agent_id = $1 AND user_id IS NOT NULL) AS last`,
      [agentId],
    );
    return holdsOtherUser(row, userId);
  }

  async following(agentId: string, ids: readonly string[]): Promise<Map<string, Message>> {
    const out = new Map<string, Message>();
    if (ids.length === 0) return out;
    // Each id's successor in its conversation, along the index of its user's messages (or of those
    // of no user), all in one statement.
    const rows = await this.#db.all<MessageRow & { after_id: string }>(
      `SELECT a.id AS after_id, ${MESSAGE_COLUMNS}
       FROM messages a
       CROSS JOIN LATERAL (
         SELECT * FROM (
           (SELECT * FROM messages n WHERE a.user_id IS NOT NULL AND n.agent_id = a.agent_id
              AND n.user_id = a.user_id AND n.session_id IS NOT DISTINCT FROM a.session_id AND n.rowid > a.rowid
            ORDER BY n.rowid LIMIT 1)
           UNION ALL
           (SELECT * FROM messages n WHERE a.user_id IS NULL AND n.agent_id = a.agent_id
              AND n.user_id IS NULL AND n.session_id IS NOT DISTINCT FROM a.session_id AND n.rowid > a.rowid
            ORDER BY n.rowid LIMIT 1)
         ) n LIMIT 1
       ) m
       WHERE a.agent_id = $1 AND a.id = ANY($2::text[])`,
      [agentId, [...new Set(ids)]],
    );
    for (const row of rows) out.set(row.after_id, toMessage(row));
    return out;
  }

  async latestInConversations(
    agentId: string,
    conversations: readonly UserConversation[],
    limit: number,
  ): Promise<Message[]> {
    if (conversations.length === 0) return [];
    // Each conversation's latest rows through the (agent_id, user_id, rowid) index, or for no user
    // the (agent_id, rowid) index of messages without one.
    const rows = await this.#db.all<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM unnest($2::text[], $3::text[]) c(user_id, session_id)
       CROSS JOIN LATERAL (
         (SELECT * FROM messages n WHERE n.agent_id = $1 AND n.user_id = c.user_id
            AND n.session_id IS NOT DISTINCT FROM c.session_id
          ORDER BY n.rowid DESC LIMIT $4)
         UNION ALL
         (SELECT * FROM messages n WHERE c.user_id IS NULL AND n.agent_id = $1 AND n.user_id IS NULL
            AND n.session_id IS NOT DISTINCT FROM c.session_id
          ORDER BY n.rowid DESC LIMIT $4)
       ) m
       ORDER BY m.rowid`,
      [agentId, conversations.map((c) => c.userId), conversations.map((c) => c.sessionId), checkLimit(limit)],
    );
    return rows.map(toMessage);
  }

  /**
   * Counted, or as counted before fewer than a tenth of that count were indexed since, as on SQLite.
   * Counting reads every entry of the agent's messages in their index (5 ms at 30,000, twice a
   * conversation search); what was indexed since is read from the search statistics (a few rows):
   * a message indexes once when appended and again when later turns change its neighbours, so the
   * count is taken again after at most a tenth of it were appended, here or by another process.
   */
  async countForRanking(agentId: string): Promise<number> {
    const indexed = Number(
      (
        await this.#db.get<{ docs: string | number }>(
          `SELECT COALESCE(SUM(docs), 0) AS docs FROM search_stats WHERE agent_id = $1 AND space = '${MESSAGE_SPACE.name}'`,
          [agentId],
          { prepare: true },
        )
      )?.docs ?? 0,
    );
    return this.#counted.get(agentId, indexed, () => this.count(agentId));
  }

  async count(agentId: string): Promise<number> {
    return (
      (await this.#db.get<{ n: number }>("SELECT COUNT(*) AS n FROM messages WHERE agent_id = $1", [agentId]))
        ?.n ?? 0
    );
  }
}
