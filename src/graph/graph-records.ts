import { isConversation } from "../core/conversation.ts";
import type { AgentGraph, GraphFacts, GraphRecord } from "../core/graph-types.ts";
import type { Memory, Message } from "../core/types.ts";
import { mergeRecords } from "../store/graph-batch.ts";
import { extractEntities } from "./entity-extractor.ts";

/**
 * What a memory says about entities, found without a model (`facts`: what `extractEntities` found
 * in its text already, as a write's analysis does).
 */
export function memoryRecord(memory: Memory, facts: GraphFacts = extractEntities(memory.text)): GraphRecord {
  return {
    source: "memory",
    id: memory.id,
    userId: memory.userId,
    at: memory.validFrom ?? memory.createdAt,
    closedAt: memory.validTo,
    ...facts,
  };
}

/**
 * Whether a message says something the graph learns from: conversation (not a failed turn's record),
 * and neither a tool's result (JSON, its speaker the tool) nor an assistant step that only calls
 * tools (its text the rendered calls), which name no one.
 */
export function saysSomething(message: Message): boolean {
  return isConversation(message) && message.role !== "tool" && message.metadata.callsOnly !== true;
}

/** What a message says about entities, found without a model: its speaker is one of them. */
export function messageRecord(message: Message): GraphRecord {
  if (!saysSomething(message)) return emptyRecord("message", message.id, message.userId, message.createdAt);
  const caption = message.metadata.caption;
  const text = typeof caption === "string" ? `${message.content}\n${caption}` : message.content;
  return {
    source: "message",
    id: message.id,
    userId: message.userId,
    at: message.createdAt,
    closedAt: null,
    ...extractEntities(text, { speaker: message.name }),
  };
}

/** A record that names nothing: recording it drops what an item (e.g. a deleted memory) said before. */
export function emptyRecord(
  source: "memory" | "message",
  id: string,
  userId: string | null,
  at: string,
): GraphRecord {
  return { source, id, userId, at, closedAt: null, entities: [], relations: [] };
}

/**
 * Merges duplicate entities: a one-word name that is the first or last word of exactly one longer
 * person's name in the same user's graph ("Ada" and "Ada Lovelace") becomes that person.
 */
export function mergeDuplicates(records: readonly GraphRecord[]): GraphRecord[] {
  const longNames = new Map<string, Set<string>>();
  for (const r of records) {
    for (const e of r.entities) {
      const words = e.key.split(" ");
      if (e.type !== "person" || words.length < 2) continue;
      for (const word of [words[0], words.at(-1)]) {
        const id = `${r.userId ?? ""}\u0000${word}`;
        const set = longNames.get(id) ?? new Set();
        set.add(e.key);
        longNames.set(id, set);
      }
    }
  }
  const alias = (userId: string | null, key: string) => {
    const set = longNames.get(`${userId ?? ""}\u0000${key}`);
    return set !== undefined && set.size === 1 && !key.includes(" ") ? ([...set][0] ?? key) : key;
  };
  return records.map((r) => {
    const entities = new Map<string, GraphRecord["entities"][number]>();
    for (const e of r.entities) {
      const key = alias(r.userId, e.key);
      if (!entities.has(key)) entities.set(key, key === e.key ? e : { ...e, key, type: "person" });
    }
    const relations = new Map<string, GraphRecord["relations"][number]>();
    for (const rel of r.relations) {
      const a = alias(r.userId, rel.source);
      const b = alias(r.userId, rel.target);
      if (a === b) continue;
      const [source, target] = rel.type === "co_occurs" && b < a ? [b, a] : [a, b];
      relations.set(`${source}\u0000${target}\u0000${rel.type}`, { source, target, type: rel.type });
    }
    return { ...r, entities: [...entities.values()], relations: [...relations.values()] };
  });
}

/** A whole graph from records, as a rebuild or consolidation stores it. */
export function graphFromRecords(records: readonly GraphRecord[]): AgentGraph {
  const batch = mergeRecords(records);
  const mentions = new Map<string, number>();
  for (const m of batch.mentions)
    mentions.set(`${m.user}\u0000${m.key}`, (mentions.get(`${m.user}\u0000${m.key}`) ?? 0) + 1);
  const user = (key: string) => (key === "" ? null : key);
  return {
    entities: batch.entities.map((e) => ({
      key: e.key,
      name: e.name,
      type: e.type,
      userId: user(e.user),
      mentions: mentions.get(`${e.user}\u0000${e.key}`) ?? 0,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
    })),
    relations: batch.relations.map((r) => ({
      source: r.source,
      target: r.target,
      type: r.type,
      userId: user(r.user),
      weight: r.weight,
      validFrom: r.validFrom,
      validTo: r.validTo,
      provenance: r.provenance,
    })),
    mentions: batch.mentions.map((m) => ({
      key: m.key,
      userId: user(m.user),
      source: m.source as "memory" | "message",
      id: m.id,
      at: m.at,
    })),
  };
}
