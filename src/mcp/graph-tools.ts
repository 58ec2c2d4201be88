import { z } from "zod";
import { type EntityMention, nameInDetail, type Relation } from "../core/graph-types.ts";
import { resultText } from "../core/input-limits.ts";
import { mentionTexts } from "../graph/mention-texts.ts";
import { memoryUserId } from "../memory/memories/schemas.ts";
import type { McpSession } from "./session.ts";
import { defineTool } from "./tool.ts";

/** Mentions whose text the tool reads (one read each): enough to say what was said, and no more. */
const MENTION_TEXTS = 10;

export const entityLookup = defineTool({
  name: "entity_lookup",
  title: "Look up a person, place or thing",
  description:
    "Looks up one entity (a person, place, organisation, date or thing) in the agent's entity graph by " +
    "name, in any case: what it is related to, from when and until when (null: still holds), and the " +
    "latest memories and messages that name it, with their text. An unknown name is an error naming it.",
  fields: {
    name: z.string().min(1).max(200).describe('The name, in any case ("ada lovelace", "Acme").'),
    userId: memoryUserId
      .optional()
      .describe("The end user whose graph to read; omit for the agent's own (learned from no user's items)."),
    limit: z
      .number()
      .int()
      .min(1)
      .max(200)
      .default(20)
      .describe("Most relations to return, the latest first (default 20)."),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, { session, agentId }) {
    const detail = await session.engram.entities.get(
      agentId,
      args.name,
      args.userId === undefined ? {} : { userId: args.userId },
    );
    const { entity, relations, mentions } = detail;
    const latest = [...relations].reverse().slice(0, args.limit);
    return {
      entity: {
        name: entity.name,
        type: entity.type,
        userId: entity.userId,
        mentions: entity.mentions,
        firstSeen: entity.firstSeen,
        lastSeen: entity.lastSeen,
      },
      relations: latest.map((r) => relationView(r, entity.key, (key) => nameInDetail(detail, key))),
      relationsShown: `${latest.length} of ${relations.length}`,
      mentions: await mentionViews(session, agentId, mentions),
    };
  },
});

/**
 * A relation as a statement between names: `co_occurs` reads "named with", the entity looked up
 * first (it has no direction); `mentions` is a speaker naming an entity, and a model's relation
 * (`lives_in`) keeps its type, subject first.
 */
function relationView(r: Relation, key: string, name: (key: string) => string) {
  const turned = r.type === "co_occurs" && r.target === key;
  return {
    subject: name(turned ? r.target : r.source),
    relation: r.type === "co_occurs" ? "named with" : r.type,
    object: name(turned ? r.source : r.target),
    weight: r.weight,
    validFrom: r.validFrom,
    validTo: r.validTo,
  };
}

/** The latest mentions, the first few with the text that names the entity (cut as search results are). */
async function mentionViews(session: McpSession, agentId: string, mentions: readonly EntityMention[]) {
  const texts = await mentionTexts(session.engram, agentId, mentions, MENTION_TEXTS);
  return mentions.map((m) => {
    const text = texts.get(m.id);
    return { source: m.source, id: m.id, at: m.at, ...(text === undefined ? {} : resultText(text)) };
  });
}
