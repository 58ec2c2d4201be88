import type { IndexedMessage } from "../store.ts";
import type { Sql } from "./pg-database.ts";

/**
 * Writes an imported conversation in order, indexed as `append` indexes messages, inside `tx`.
 * @throws ConflictError on an id that exists.
 */
export async function importMessages(_tx: Sql, _messages: Iterable<IndexedMessage>): Promise<void> {
  throw new Error("importMessages is not implemented on PostgreSQL yet");
}
