import type { MemoryFilter, MessageFilter } from "../store.ts";
import { compileFilter, MEMORY_FILTER_TABLE, MESSAGE_FILTER_TABLE } from "./filter-sql.ts";
import type { Bind, SqlDialect } from "./sql-dialect.ts";

/**
 * The SQL conditions (on alias `m`) of memory and message filters, the same on every backend but for
 * the dialect. The first condition is always the agent's: a query never crosses agents.
 */

/** The conditions of a memory filter, joined by AND. */
export function memoryConditions(filter: MemoryFilter, dialect: SqlDialect, bind: Bind): string {
  const where = [`m.agent_id = ${bind(filter.agentId)}`];
  const archived = filter.archived ?? "exclude";
  if (archived !== "include")
    where.push(archived === "only" ? "m.archived_at IS NOT NULL" : "m.archived_at IS NULL");
  if (filter.userId !== undefined) {
    const user = bind(filter.userId);
    where.push(
      filter.includeShared === false ? `m.user_id = ${user}` : `(m.user_id = ${user} OR m.user_id IS NULL)`,
    );
  }
  if (filter.kinds !== undefined && filter.kinds.length > 0) {
    where.push(`m.kind IN (${filter.kinds.map((kind) => bind(kind)).join(", ")})`);
  }
  for (const tag of filter.tags ?? []) where.push(dialect.hasElement("m.tags", bind(tag)));
  if (filter.createdAfter !== undefined)
    where.push(`m.created_ms >= ${bind(Date.parse(filter.createdAfter))}`);
  if (filter.createdBefore !== undefined)
    where.push(`m.created_ms < ${bind(Date.parse(filter.createdBefore))}`);
  if (filter.validAt !== undefined) {
    const from = bind(filter.validAt);
    const to = bind(filter.validAt);
    where.push(
      `(m.valid_from IS NULL OR m.valid_from <= ${from}) AND (m.valid_to IS NULL OR m.valid_to > ${to})`,
    );
  }
  if (filter.ids !== undefined) where.push(dialect.inList("m.id", filter.ids, bind));
  if (filter.filter !== undefined)
    where.push(compileFilter(filter.filter, MEMORY_FILTER_TABLE, dialect, bind));
  return where.join(" AND ");
}

/** The conditions of a message filter, joined by AND. */
export function messageConditions(filter: MessageFilter, dialect: SqlDialect, bind: Bind): string {
  const where = [`m.agent_id = ${bind(filter.agentId)}`];
  if (filter.userId !== undefined) where.push(`m.user_id = ${bind(filter.userId)}`);
  if (filter.sessionId !== undefined) where.push(`m.session_id = ${bind(filter.sessionId)}`);
  if (filter.roles !== undefined && filter.roles.length > 0) {
    where.push(`m.role IN (${filter.roles.map((role) => bind(role)).join(", ")})`);
  }
  if (filter.after !== undefined) where.push(`m.created_ms >= ${bind(Date.parse(filter.after))}`);
  if (filter.before !== undefined) where.push(`m.created_ms < ${bind(Date.parse(filter.before))}`);
  if (filter.ids !== undefined) where.push(dialect.inList("m.id", filter.ids, bind));
  if (filter.filter !== undefined)
    where.push(compileFilter(filter.filter, MESSAGE_FILTER_TABLE, dialect, bind));
  return where.join(" AND ");
}
