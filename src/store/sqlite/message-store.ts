import { ConflictError } from "../../core/errors.ts";
import { indexTerms } from "../../core/text.ts";
import type { Message, NewEvent } from "../../core/types.ts";
import { KeptCounts } from "../kept-counts.ts";
import { MESSAGE_COLUMNS, type MessageRow, messageValues, toMessage } from "../rows/memory-rows.ts";
import { conversationTexts } from "../rows/message-fields.ts";
import { messageConditions as sharedMessageConditions } from "../sql/record-conditions.ts";
import { positionalBind } from "../sql/sql-dialect.ts";
import {
  holdsOtherUser,
  type IndexedMessage,
  type LexicalHit,
  type ListOptions,
  MESSAGE_FIELDS,
  type MessageField,
  type MessageFilter,
  type MessageStore,
  type MessageTextQuery,
  type MessageWeights,
  type UserConversation,
} from "../store.ts";
import { FEW_OWN_ROWS, POSTING_BUDGET } from "../term-choice.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import { SQLITE_DIALECT } from "./filter-sql.ts";
import { agentKey, bestPassing, matchAny, topN } from "./fts.ts";
import { INSERT_MESSAGE_FTS, messageFtsValues } from "./message-fts.ts";
import {
  ftsTotals,
  type OwnRow,
  occurring,
  ownRankingTerms,
  ownRowCount,
  rankOwnRows,
  UnchangedRead,
} from "./own-ranking.ts";
import { isUniqueViolation } from "./sqlite-errors.ts";
import type { Statements } from "./statements.ts";
import { TermBudget } from "./term-budget.ts";
import { WriteClock } from "./write-clock.ts";
import type { WrittenRows } from "./written-rows.ts";

const INSERT_MESSAGE = `INSERT INTO messages (id, agent_id, user_id, role, name, session_id, content, provenance,
  metadata, created_at, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const COLUMN: Record<MessageField, string> = {
  text: "terms",
  caption: "caption_terms",
  prev: "prev_terms",
  next: "next_terms",
  window: "window_terms",
  date: "date_terms",
};

function messageConditions(filter: MessageFilter): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const sql = sharedMessageConditions(filter, SQLITE_DIALECT, positionalBind(params));
  return { sql, params };
}

/** A full-text row as a hit: FTS5's score negated, higher better. */
const toHit = (row: MessageRow & { score: number }): LexicalHit<Message> => ({
  item: toMessage(row),
  score: -row.score,
});

/** The conditions of a filter that names only the agent: ranking may then happen inside FTS5. */
const AGENT_ONLY = "m.agent_id = ?";

export class SqliteMessageStore implements MessageStore {
  readonly #s: Statements;
  readonly #terms: TermBudget;
  /** How many messages hold each term in their own text (not their neighbours'): for feedback. */
  readonly #textTerms: TermBudget;
  /** Messages appended, here or by another connection: the clock of the kept counts. */
  readonly #appended: WriteClock;
  readonly #ownRows: UnchangedRead<OwnRow<Message>[]>;
  /** Each agent's message count for ranking. */
  readonly #counted = new KeptCounts();

  constructor(statements: Statements) {
    this.#s = statements;
    this.#terms = new TermBudget(
      statements,
      { rows: "messages", table: "messages_fts", vocabulary: "messages_vocab" },
      POSTING_BUDGET,
    );
    this.#textTerms = new TermBudget(
      statements,
      {
        rows: "messages",
        table: "messages_fts",
        column: "terms",
        vocabulary: "messages_vocab_col WHERE col = 'terms'",
      },
      POSTING_BUDGET,
    );
    this.#appended = new WriteClock(statements, "messages");
    this.#ownRows = new UnchangedRead(statements);
  }

  async append(messages: IndexedMessage[], reindex: IndexedMessage[], events: NewEvent[]): Promise<void> {
    this.appendNow(messages, reindex, events);
  }

  /**
   * `append`, synchronously, joining the caller's transaction; `messages` is read once, in order.
   * Notes each new row in `written` (the caller's unit of work), when given.
   * @throws ConflictError when a message id exists already.
   */
  appendNow(
    messages: Iterable<IndexedMessage>,
    reindex: readonly IndexedMessage[],
    events: readonly NewEvent[],
    written?: WrittenRows,
  ): void {
    let count = 0;
    inTransaction(this.#s.db, () => {
      for (const item of messages) {
        const rowid = this.#insert(item.message);
        this.#index(rowid, item);
        written?.note("message", item.message.id, item.message.agentId, rowid);
        count++;
      }
      for (const item of reindex) {
        const row = this.#s.get<{ rowid: number }>(
          "SELECT rowid FROM messages WHERE id = ? AND agent_id = ?",
          item.message.id,
          item.message.agentId,
        );
        if (row === undefined) continue;
        this.#s.run("DELETE FROM messages_fts WHERE rowid = ?", row.rowid);
        this.#index(row.rowid, item);
      }
      writeEvents(this.#s, events);
    });
    this.#terms.noteWrites(count);
    this.#textTerms.noteWrites(count);
    this.#appended.note(count);
  }

  #insert(message: Message): number {
    try {
      const { lastInsertRowid } = this.#s.run(INSERT_MESSAGE, ...messageValues(message));
      return Number(lastInsertRowid);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`message ${message.id} already exists in this database`);
      throw error;
    }
  }

  #index(rowid: number, item: IndexedMessage): void {
    this.#s.run(INSERT_MESSAGE_FTS, rowid, ...messageFtsValues(item));
  }

  async get(agentId: string, id: string): Promise<Message | null> {
    const row = this.#s.get<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ? AND m.agent_id = ?`,
      id,
      agentId,
    );
    return row === undefined ? null : toMessage(row);
  }

  async list(filter: MessageFilter, options: ListOptions & { newestFirst?: boolean }): Promise<Message[]> {
    const { sql, params } = messageConditions(filter);
    const newest = options.newestFirst === true;
    const cursor =
      options.after === undefined
        ? ""
        : `AND m.rowid ${newest ? "<" : ">"} (SELECT rowid FROM messages WHERE id = ? AND agent_id = ?)`;
    const cursorParams = options.after === undefined ? [] : [options.after, filter.agentId];
    return this.#s
      .all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE ${sql} ${cursor} ORDER BY m.rowid ${newest ? "DESC" : "ASC"} LIMIT ?`,
        ...params,
        ...cursorParams,
        options.limit,
      )
      .map(toMessage);
  }

  async tooCommonToRank(agentId: string, terms: readonly string[]): Promise<boolean> {
    return this.#terms.tooCommon(agentKey(agentId), terms);
  }

  async searchText(
    filter: MessageFilter,
    query: MessageTextQuery,
    limit: number,
  ): Promise<LexicalHit<Message>[]> {
    const key = agentKey(filter.agentId);
    const weights = MESSAGE_FIELDS.map((field) => query.weights[field]);
    const columns = MESSAGE_FIELDS.filter((field) => query.weights[field] > 0).map((field) => COLUMN[field]);
    if (columns.length === 0) return [];
    // A user with few messages: only theirs can be found, ranked alone (see FEW_OWN_ROWS).
    let userRows: number | undefined;
    if (filter.userId !== undefined) {
      userRows = ownRowCount(this.#s, "messages", filter.agentId, filter.userId);
      if (userRows === 0) return [];
      if (userRows <= FEW_OWN_ROWS)
        return this.#rankOwn(filter, key, query, occurring(this.#terms, key, query.terms), limit);
    }
    const terms = this.#terms.select(key, query.terms);
    const own = this.#rankedForUser(filter, key, query, terms, limit, userRows);
    // The user's messages ranked with every term are all the agent-wide ranking could find for the
    // user, each scored at least as high (see `mergeOwnHits`): that ranking adds nothing.
    if (terms.length === 0 || own !== null) return own ?? [];
    const bm25 = `bm25(messages_fts, ${weights.map(() => "?").join(", ")})`;
    const { sql, params } = messageConditions(filter);
    const match = `{${columns.join(" ")}} : (${matchAny(key, terms)})`;
    const all = (text: string) =>
      this.#s.all<MessageRow & { score: number; seen?: number }>(text, ...weights, match, ...params);
    const rows = bestPassing(
      {
        table: "messages_fts",
        rows: "messages",
        score: bm25,
        columns: MESSAGE_COLUMNS,
        where: sql,
        onlyAgent: sql === AGENT_ONLY,
        limit,
      },
      all,
      (row) => row.seen ?? 0,
    );
    return rows.map(toHit);
  }

  /**
   * As for memories (SqliteMemoryStore.#rankedForUser): one user's conversation ranked with every
   * term when the agent-wide search left some out for being common across its users, each message
   * with its neighbours in its own conversation, as it is indexed (message-fields.ts).
   */
  #rankedForUser(
    filter: MessageFilter,
    key: string,
    query: MessageTextQuery,
    chosen: readonly string[],
    limit: number,
    rows: number | undefined,
  ): LexicalHit<Message>[] | null {
    const { agentId, userId } = filter;
    const present = ownRankingTerms(this.#s, this.#terms, {
      table: "messages",
      agentId,
      userId,
      key,
      terms: query.terms,
      chosen,
      rows,
    });
    return present === null ? null : this.#rankOwn(filter, key, query, present, limit);
  }

  /**
   * The user's messages meeting the filter, ranked by these terms from their own analysed terms and
   * their neighbours' (see `rankOwnRows`): as FTS5 ranks them, with the agent's statistics.
   */
  #rankOwn(
    filter: MessageFilter,
    key: string,
    query: MessageTextQuery,
    present: readonly string[],
    limit: number,
  ): LexicalHit<Message>[] {
    if (present.length === 0) return [];
    const { agentId, userId } = filter;
    const { sql, params } = messageConditions(filter);
    // The same search's second pass (its feedback) ranks the same rows: read and analysed once.
    const ranked = this.#ownRows.get(JSON.stringify([agentId, userId, sql, params]), () => {
      // All the user's messages, for their neighbours; those meeting the filter are ranked.
      const rows = this.#s.all<MessageRow & { passes: number }>(
        `SELECT ${MESSAGE_COLUMNS}, (${sql}) AS passes FROM messages m
         WHERE m.agent_id = ? AND m.user_id = ? ORDER BY m.rowid`,
        ...params,
        agentId,
        userId ?? null,
      );
      const messages = rows.map(toMessage);
      const texts = conversationTexts(messages);
      // A text stands in several columns of several messages (a turn is its neighbours' prev, next
      // and window): analysed once.
      const analysed = new Map<string, string[]>();
      const terms = (text: string) => {
        let found = analysed.get(text);
        if (found === undefined) {
          found = indexTerms(text);
          analysed.set(text, found);
        }
        return found;
      };
      return messages.flatMap((message, i) => {
        if (rows[i]?.passes !== 1) return [];
        const columns = texts(i);
        return [{ item: message, columns: MESSAGE_FIELDS.map((field) => columns[field].flatMap(terms)) }];
      });
    });
    return rankOwnRows(
      ranked,
      present,
      MESSAGE_FIELDS.map((field) => query.weights[field]),
      this.#holders(key, query.weights),
      ftsTotals(this.#s, "messages_fts"),
      topN(limit),
    );
  }

  /**
   * How many of the agent's messages hold a term in a column searched with these weights: BM25's n,
   * as FTS5 counts it for a query limited to those columns. Every column, or the message's own text
   * alone, are counted through the term budgets' caches; other sets of columns by a match.
   */
  #holders(key: string, weights: MessageWeights): (term: string) => number {
    const searched = MESSAGE_FIELDS.filter((field) => weights[field] > 0);
    if (searched.length === MESSAGE_FIELDS.length) return (term) => this.#terms.exactFrequency(key, term);
    if (searched.length === 1 && searched[0] === "text")
      return (term) => this.#textTerms.exactFrequency(key, term);
    const columns = searched.map((field) => COLUMN[field]).join(" ");
    return (term) =>
      this.#s.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH ?",
        `{${columns}} : ${matchAny(key, [term])}`,
      )?.n ?? 0;
  }

  async documentFrequencies(agentId: string, terms: readonly string[]): Promise<Map<string, number>> {
    return this.#textTerms.frequencies(agentKey(agentId), terms);
  }

  async speakers(agentId: string, userId?: string): Promise<string[]> {
    // A skip scan over the (agent_id, name) index, or (agent_id, user_id, name) for one user: one
    // seek per distinct name, not one row per message.
    const user = userId === undefined ? "" : "AND user_id = ?2";
    return this.#s
      .all<{ name: string }>(
        `WITH RECURSIVE names(name) AS (
           SELECT MIN(name) FROM messages WHERE agent_id = ?1 ${user} AND name IS NOT NULL
           UNION ALL
           SELECT (SELECT MIN(name) FROM messages WHERE agent_id = ?1 ${user} AND name > names.name)
           FROM names WHERE names.name IS NOT NULL
         ) SELECT name FROM names WHERE name IS NOT NULL`,
        ...(userId === undefined ? [agentId] : [agentId, userId]),
      )
      .map((row) => row.name);
  }

  async otherUserExists(agentId: string, userId: string): Promise<boolean> {
    // The agent's smallest and largest user ids, one seek each along the (agent_id, user_id) index:
    // never a walk through the user's own messages, however many.
    const row = this.#s.get<{ first: string | null; last: string | null }>(
      `SELECT (SELECT MIN(user_id) FROM messages WHERE agent_id = ?1 AND user_id IS NOT NULL) AS first,
              (SELECT MAX(user_id) FROM messages WHERE agent_id = ?1 AND user_id IS NOT NULL) AS last`,
      agentId,
    );
    return holdsOtherUser(row, userId);
  }

  async following(agentId: string, ids: readonly string[]): Promise<Map<string, Message>> {
    const out = new Map<string, Message>();
    if (ids.length === 0) return out;
    // CROSS JOIN keeps this order: each id is looked up, then its successor is found along the index
    // of its user's messages (or of those of no user), past any of the user's other sessions.
    const rows = this.#s.all<MessageRow & { after_id: string }>(
      `SELECT a.id AS after_id, ${MESSAGE_COLUMNS}
       FROM json_each(?) q
       CROSS JOIN messages a ON a.id = q.value
       CROSS JOIN messages m ON m.rowid = COALESCE(
         (SELECT n.rowid FROM messages n WHERE a.user_id IS NOT NULL AND n.agent_id = a.agent_id
            AND n.user_id = a.user_id AND n.session_id IS a.session_id AND n.rowid > a.rowid
          ORDER BY n.rowid LIMIT 1),
         (SELECT n.rowid FROM messages n WHERE a.user_id IS NULL AND n.agent_id = a.agent_id
            AND n.user_id IS NULL AND n.session_id IS a.session_id AND n.rowid > a.rowid
          ORDER BY n.rowid LIMIT 1))
       WHERE a.agent_id = ?`,
      JSON.stringify([...new Set(ids)]),
      agentId,
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
    // Each conversation's latest rowids through the (agent_id, user_id) index, or for no user the
    // (agent_id) index of messages without one, then their rows.
    return this.#s
      .all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM json_each(?1) c
         CROSS JOIN messages m ON m.rowid IN (
           SELECT rowid FROM (
             SELECT rowid FROM messages WHERE agent_id = ?2 AND user_id = c.value ->> 0
               AND session_id IS c.value ->> 1
             ORDER BY rowid DESC LIMIT ?3)
           UNION ALL
           SELECT rowid FROM (
             SELECT rowid FROM messages WHERE c.value ->> 0 IS NULL AND agent_id = ?2 AND user_id IS NULL
               AND session_id IS c.value ->> 1
             ORDER BY rowid DESC LIMIT ?3))
         ORDER BY m.rowid`,
        JSON.stringify(conversations.map((c) => [c.userId, c.sessionId])),
        agentId,
        topN(limit),
      )
      .map(toMessage);
  }

  async countForRanking(agentId: string): Promise<number> {
    this.#appended.observe();
    return this.#counted.get(agentId, this.#appended.now(), () => this.count(agentId));
  }

  async count(agentId: string): Promise<number> {
    return (
      this.#s.get<{ n: number }>("SELECT COUNT(*) AS n FROM messages WHERE agent_id = ?", agentId)?.n ?? 0
    );
  }
}
