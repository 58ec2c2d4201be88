import type { IdGenerator } from "../core/ids.ts";
import { feedbackEpisodeId } from "../feedback/feedback-schemas.ts";
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
  const newAgentId = ids.get(doc.agent.id) as string;
  for (const id of oldestFirst(doc.episodes)) ids.set(id, generateId("episode"));
  // Feedback's episode is named after its agent and turn, so that a turn is rated once: the copy's
  // turns (whose ids stay) are its own to rate once.
  for (const episode of doc.episodes) {
    const { source, turnId } = episode.metadata;
    if (source === "feedback" && typeof turnId === "string")
      ids.set(episode.id, feedbackEpisodeId(newAgentId, turnId));
  }
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
  // Its own stack rather than recursion: metadata in the document may nest deep.
  const root: { value: unknown } = { value };
  const stack: { from: unknown; into: object; key: string | number }[] = [
    { from: value, into: root, key: "value" },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { from, into, key } = item;
    let copy: unknown;
    if (typeof from === "string") copy = ids.get(from) ?? from;
    else if (Array.isArray(from)) {
      const out: unknown[] = new Array(from.length);
      for (let i = 0; i < from.length; i++) stack.push({ from: from[i], into: out, key: i });
      copy = out;
    } else if (from !== null && typeof from === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(from)) {
        // The key is placed now, so the copy keeps the original's key order; its value comes later.
        define(out, k, undefined);
        stack.push({ from: child, into: out, key: k });
      }
      copy = out;
    } else copy = from;
    define(into, key, copy);
  }
  return root.value as T;
}

/** Sets a property; a key named __proto__ (JSON may hold one) stays a key, not the prototype. */
function define(into: object, key: string | number, value: unknown): void {
  Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
}
