import { sha256 } from "../../core/hash.ts";

/**
 * Full-text scope tokens. Each indexed row carries a token for its agent and one for its user, so a
 * match is restricted to one agent (and user) inside FTS5 itself, before any ranking work. SQL
 * filters on the joined row still check the real ids: the tokens are for speed, not for safety.
 */
export function agentToken(agentId: string): string {
  return `a${sha256(agentId).slice(0, 20)}`;
}

export function userToken(userId: string | null): string {
  return userId === null ? "unone" : `u${sha256(userId).slice(0, 20)}`;
}

export function scopeOf(agentId: string, userId: string | null): string {
  return `${agentToken(agentId)} ${userToken(userId)}`;
}

/** Quotes plain tokens for an FTS5 query; tokens must already be letters and digits only. */
export function ftsOr(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replaceAll('"', "")}"`).join(" OR ");
}

/** The scope part of a match expression: the agent, and optionally a user (plus user-less rows). */
export function scopeMatch(agentId: string, userId: string | undefined, includeShared: boolean): string {
  const agent = `scope : "${agentToken(agentId)}"`;
  if (userId === undefined) return agent;
  const users = includeShared ? `("${userToken(userId)}" OR "${userToken(null)}")` : `"${userToken(userId)}"`;
  return `${agent} AND scope : ${users}`;
}
