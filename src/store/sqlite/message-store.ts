import type { Message, NewEvent } from "../../core/types.ts";
import type { LexicalHit, ListOptions, MessageFilter, MessageStore, MessageTextQuery } from "../store.ts";
import { inTransaction } from "./database.ts";
import { writeEvents } from "./event-writer.ts";
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from "./memory-rows.ts";
import { ftsOr, scopeMatch, scopeOf } from "./scope.ts";
import type { Statements } from "./statements.ts";

const INSERT_MESSAGE = `INSERT INTO messages (id, agent_id, user_id, role, name, content, search_text, context,
  provenance, metadata, created_at, created_ms, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export const DEFAULT_MESSAGE_WEIGHTS = { content: 1.0, context: 0.3, name: 0.5 } as const;

function messageConditions(filter: MessageFilter): { sql: string; params: (string | number)[] } {
  const where = ["m.agent_id = ?"];
  const params: (string | number)[] = [filter.agentId];
  if (filter.userId !== undefined) {
    where.push("m.user_id = ?");
    params.push(filter.userId);
  }
  if (filter.roles !== undefined && filter.roles.length > 0) {
    where.push(`m.role IN (${filter.roles.map(() => "?").join(", ")})`);
    params.push(...filter.roles);
  }
  if (filter.after !== undefined) {
    where.push("m.created_ms >= ?");
    params.push(Date.parse(filter.after));
  }
  if (filter.before !== undefined) {
    where.push("m.created_ms < ?");
    params.push(Date.parse(filter.before));
  }
  return { sql: where.join(" AND "), params };
}

export class SqliteMessageStore implements MessageStore {
  readonly #s: Statements;

  constructor(statements: Statements) {
    this.#s = statements;
  }

  async append(
    messages: { message: Message; searchText: string; context: string }[],
    contextUpdates: { id: string; context: string }[],
    events: NewEvent[],
  ): Promise<void> {
    inTransaction(this.#s.db, () => {
      for (const { message, searchText, context } of messages) {
        this.#s.run(
          INSERT_MESSAGE,
          message.id,
          message.agentId,
          message.userId,
          message.role,
          message.name,
          message.content,
          searchText,
          context,
          JSON.stringify(message.provenance),
          JSON.stringify(message.metadata),
          message.createdAt,
          Date.parse(message.createdAt),
          scopeOf(message.agentId, message.userId),
        );
      }
      for (const update of contextUpdates) {
        this.#s.run("UPDATE messages SET context = ? WHERE id = ?", update.context, update.id);
      }
      writeEvents(this.#s, events);
    });
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

  async searchText(
    filter: MessageFilter,
    query: MessageTextQuery,
    limit: number,
  ): Promise<LexicalHit<Message>[]> {
    if (query.terms.length === 0) return [];
    const w = query.weights ?? DEFAULT_MESSAGE_WEIGHTS;
    const match = `${scopeMatch(filter.agentId, filter.userId, false)} AND {search_text context name} : (${ftsOr(query.terms)})`;
    const { sql, params } = messageConditions(filter);
    const rows = this.#s.all<MessageRow & { score: number }>(
      `SELECT ${MESSAGE_COLUMNS}, bm25(messages_fts, ?, ?, ?, 0.0) AS score
       FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
       WHERE messages_fts MATCH ? AND ${sql}
       ORDER BY score LIMIT ?`,
      w.content,
      w.context,
      w.name,
      match,
      ...params,
      limit,
    );
    return rows.map((row) => ({ item: toMessage(row), score: -row.score }));
  }

  async neighbours(agentId: string, ids: readonly string[], radius: number): Promise<Map<string, Message[]>> {
    const out = new Map<string, Message[]>();
    for (const id of ids) {
      const anchor = this.#s.get<{ rowid: number }>(
        "SELECT rowid FROM messages WHERE id = ? AND agent_id = ?",
        id,
        agentId,
      );
      if (anchor === undefined) continue;
      const before = this.#s.all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.agent_id = ? AND m.rowid < ? ORDER BY m.rowid DESC LIMIT ?`,
        agentId,
        anchor.rowid,
        radius,
      );
      const after = this.#s.all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.agent_id = ? AND m.rowid > ? ORDER BY m.rowid ASC LIMIT ?`,
        agentId,
        anchor.rowid,
        radius,
      );
      out.set(id, [...before.reverse(), ...after].map(toMessage));
    }
    return out;
  }

  async count(agentId: string): Promise<number> {
    return (
      this.#s.get<{ n: number }>("SELECT COUNT(*) AS n FROM messages WHERE agent_id = ?", agentId)?.n ?? 0
    );
  }
}
