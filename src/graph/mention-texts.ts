import { NotFoundError } from "../core/errors.ts";
import type { EntityMention } from "../core/graph-types.ts";
import type { Engram } from "../engram.ts";

/**
 * The text of an entity's first `limit` mentions (the latest, as `entities.get` lists them), by
 * item id, read one at a time. An item gone since, or a project memory the agent wrote (the
 * project's, not the agent's to read here), is left out.
 */
export async function mentionTexts(
  engram: Pick<Engram, "memories" | "messages">,
  agentId: string,
  mentions: readonly EntityMention[],
  limit: number,
): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const m of mentions.slice(0, limit)) {
    try {
      texts.set(
        m.id,
        m.source === "memory"
          ? (await engram.memories.get(agentId, m.id)).text
          : (await engram.messages.get(agentId, m.id)).content,
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return texts;
}
