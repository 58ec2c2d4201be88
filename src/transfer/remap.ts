import type { IdGenerator } from "../core/ids.ts";
import type { ExportDocument } from "./format.ts";

/**
 * Fresh ids for everything a document names (for `newIds`): the agent, memories, messages, episodes,
 * experience records and insights. Ids are generated oldest first, so the copies list in the same
 * order as the originals (ids are time-ordered). Commit ids are not here: they address content.
 */
export function freshIds(doc: ExportDocument, generateId: IdGenerator): Map<string, string> {
  const ids = new Map<string, string>();
  ids.set(doc.agent.id, generateId("agent"));
  const oldestFirst = (items: readonly { id: string }[]) => items.map((item) => item.id).sort();
  for (const id of oldestFirst(doc.memories)) ids.set(id, generateId("memory"));
  // The conversation's order is its own (backfilled messages may carry older times).
  for (const message of doc.messages) ids.set(message.id, generateId("message"));
  for (const id of oldestFirst(doc.episodes)) ids.set(id, generateId("episode"));
  for (const id of oldestFirst(doc.experience.records)) ids.set(id, generateId("experience"));
  for (const id of oldestFirst(doc.insights)) ids.set(id, generateId("insight"));
  return ids;
}

/**
 * A copy of `value` in which every string that is exactly an id of the map is replaced by its new
 * id: references between the document's items (a summary's `throughMessageId`, a memory's
 * provenance, sleep-time links between memories) follow their targets. Other strings, object keys
 * and ids of things outside the document stay as they are.
 */
export function remapIds<T>(value: T, ids: ReadonlyMap<string, string>): T {
  if (ids.size === 0) return value;
  return walk(value, ids) as T;
}

function walk(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === "string") return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => walk(item, ids));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const mapped = walk(item, ids);
    // A key named __proto__ (JSON may hold one) must stay a key, not become the prototype.
    if (key === "__proto__")
      Object.defineProperty(out, key, {
        value: mapped,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = mapped;
  }
  return out;
}
