import { messageIndexTerms } from "../rows/index-terms.ts";
import type { IndexedMessage } from "../store.ts";
import { agentKey, namespaced } from "./fts.ts";

/** A message's full-text row: its rowid, then its columns' terms (`messageFtsValues`). */
export const INSERT_MESSAGE_FTS = `INSERT INTO messages_fts (rowid, terms, caption_terms, prev_terms, next_terms, window_terms, date_terms)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;

/** A message's columns as `INSERT_MESSAGE_FTS` takes them: each column's terms in its agent's namespace. */
export function messageFtsValues(item: IndexedMessage): string[] {
  const key = agentKey(item.message.agentId);
  return messageIndexTerms(item).map((terms) => namespaced(key, terms));
}
