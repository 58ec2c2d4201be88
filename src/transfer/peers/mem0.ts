import { MAX_USER_ID } from "../../core/input-limits.ts";
import { isObject } from "../../core/json-object.ts";
import { DEFAULT_BLOCKS } from "../../memory/agents/agent-service.ts";
import { BLOCK_DEFAULTS } from "../../memory/blocks/schemas.ts";
import { memoryTags, memoryUserId } from "../../memory/memories/schemas.ts";
import { counted, invalidPeer, type PeerImport, type PeerMemory, peerMemoryText, peerTime } from "./build.ts";

const WHAT = "Mem0 export";

/**
 * The fields of a Mem0 memory that become engram's own fields, and those not carried (a search's
 * `score`, the platform's `input`: the messages the memory was formed from). Every other field (id,
 * hash, user_id, agent_id, run_id, actor_id, role, attributed_to, memory_type, entities …) is kept
 * under `metadata.mem0`, so nothing Mem0 knew of a memory is lost.
 */
const NOT_KEPT = new Set(["memory", "metadata", "categories", "created_at", "updated_at", "score", "input"]);

/**
 * Whether a value has the shape of Mem0's `get_all`/`search` result (`results`) or is a list of its
 * memories (one with `memory` is enough: a malformed one then gets an error naming its field).
 */
export function looksLikeMem0(value: unknown): boolean {
  if (isObject(value)) return Array.isArray(value.results);
  return Array.isArray(value) && value.some((item) => isObject(item) && "memory" in item);
}

function mem0List(value: unknown): { items: unknown[]; prefix: string } | null {
  if (Array.isArray(value)) return { items: value, prefix: "" };
  if (isObject(value) && Array.isArray(value.results)) return { items: value.results, prefix: "results." };
  return null;
}

/**
 * A Mem0 export (`{"results": […]}` as `get_all` and `search` return it, the platform's paginated
 * `{count, next, results}`, or a bare list of memories) as an agent holding those memories, with the
 * default blocks. Each memory keeps its text, user, metadata, categories (as tags), times and
 * expiration (as `validTo`); its Mem0 id goes to `provenance.externalIds` and `metadata.mem0`.
 */
export function fromMem0(value: unknown, agentName: string, now: string): PeerImport {
  const list = mem0List(value);
  if (list === null)
    throw invalidPeer(WHAT, 'must be {"results": [...]} or a list of memories, each with "memory"');
  const notes: string[] = [];
  const memories = list.items.map((item, i) => mem0Memory(item, `${list.prefix}${i}`, now, notes));
  if (isObject(value) && Array.isArray(value.relations) && value.relations.length > 0)
    notes.push(`relations: ${counted(value.relations.length, "graph relation")} not imported`);
  if (isObject(value) && typeof value.next === "string")
    notes.push("next: the export is one page of several; only this page was imported");
  return {
    agent: {
      name: agentName,
      model: null,
      instructions: "",
      metadata: { importedFrom: "mem0" },
      createdAt: now,
      blocks: DEFAULT_BLOCKS.map((b) => ({
        label: b.label,
        value: b.value ?? "",
        description: b.description ?? "",
        limit: BLOCK_DEFAULTS.limit,
        readOnly: false,
      })),
      memories,
      messages: [],
    },
    notes,
  };
}

function mem0Memory(item: unknown, path: string, now: string, notes: string[]): PeerMemory {
  if (!isObject(item)) throw invalidPeer(WHAT, `${path}: must be an object (a memory)`);
  const text = peerMemoryText(item.memory, `${path}.memory`, WHAT, "memory");
  const userId = item.user_id ?? null;
  if (userId !== null && !memoryUserId.safeParse(userId).success)
    throw invalidPeer(WHAT, `${path}.user_id: must be a string of 1-${MAX_USER_ID} characters`);
  const categories = item.categories ?? [];
  const tags = memoryTags.safeParse(categories);
  if (!tags.success) throw invalidPeer(WHAT, `${path}.categories: must be a list of up to 32 short words`);
  const metadata = item.metadata ?? {};
  if (!isObject(metadata)) throw invalidPeer(WHAT, `${path}.metadata: must be an object`);
  if ("mem0" in metadata) notes.push(`${path}.metadata.mem0: replaced by the memory's Mem0 fields`);
  const mem0 = Object.fromEntries(Object.entries(item).filter(([k, v]) => v != null && !NOT_KEPT.has(k)));
  const createdAt = peerTime(item.created_at, `${path}.created_at`, WHAT, now);
  return {
    text,
    kind: "fact",
    userId: userId as string | null,
    tags: [...new Set(tags.data)],
    validTo:
      item.expiration_date == null
        ? null
        : peerTime(item.expiration_date, `${path}.expiration_date`, WHAT, now),
    externalId: typeof item.id === "string" && item.id !== "" ? `mem0:${item.id}` : null,
    metadata: { ...metadata, mem0 },
    createdAt,
    updatedAt: peerTime(item.updated_at, `${path}.updated_at`, WHAT, createdAt),
  };
}
