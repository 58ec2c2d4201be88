import type { SentMessage } from "../agent/messaging/earlier-messages.ts";
import { messageFilterSchema } from "../core/filter/filter-parse.ts";
import type { Group } from "../core/group-types.ts";
import type { Message } from "../core/types.ts";
import type { Store } from "../store/store.ts";

/** A turn an earlier attempt of a group's message ran, found by its user message's `metadata.group`. */
export interface RunStep {
  step: number;
  agentId: string;
  turnId: string;
  /** The message the turn was given. */
  content: string;
  /** Its answer; null when the turn failed. */
  answer: string | null;
}

/** What the earlier attempts of a group's message recorded. */
export interface EarlierRun {
  /** Every turn they ran as a step of the message, oldest first. */
  steps: RunStep[];
  /** What the supervisor's failed turns sent its workers, and what came of it. */
  sent: SentMessage[];
}

/**
 * Reads what the earlier attempts of the run `runId` recorded in the conversations of the group's
 * agents with `userId` (or with no user): its steps' turns and, for a supervisor group, the messages
 * its failed turns sent the workers.
 */
export async function earlierRun(
  store: Store,
  group: Group,
  runId: string,
  userId: string | undefined,
): Promise<EarlierRun> {
  const conversation = { userId: userId ?? null };
  const agentIds = [group.managerId, ...group.members.map((m) => m.agentId)].filter((id) => id !== null);
  const steps: RunStep[] = [];
  for (const agentId of agentIds) {
    const asked = await allMessages(store, agentId, {
      ...conversation,
      role: "user",
      "metadata.group.groupId": group.id,
      "metadata.group.runId": runId,
    });
    for (const message of asked) steps.push(await stepOf(store, message));
  }
  steps.sort((a, b) => a.turnId.localeCompare(b.turnId));
  const failed = steps.filter((s) => s.answer === null && s.agentId === group.managerId);
  const sent: SentMessage[] = [];
  if (group.pattern === "supervisor")
    for (const turn of failed)
      for (const member of group.members) {
        const received = await allMessages(store, member.agentId, {
          ...conversation,
          role: "user",
          "metadata.from.turnId": turn.turnId,
        });
        for (const message of received) sent.push(await sentOf(store, message));
      }
  return { steps, sent };
}

async function stepOf(store: Store, message: Message): Promise<RunStep> {
  const turnId = String(message.metadata.turnId);
  const group = message.metadata.group as { step: number };
  return {
    step: group.step,
    agentId: message.agentId,
    turnId,
    content: message.content,
    answer: await answerOf(store, message.agentId, turnId),
  };
}

async function sentOf(store: Store, message: Message): Promise<SentMessage> {
  const turnId = String(message.metadata.turnId);
  const from = message.metadata.from as { mode: SentMessage["mode"] };
  return {
    agentId: message.agentId,
    content: message.content,
    mode: from.mode,
    turnId,
    answer: await answerOf(store, message.agentId, turnId),
  };
}

/** A turn's answer as persisted, or null when it failed (its error record) or gave none. */
async function answerOf(store: Store, agentId: string, turnId: string): Promise<string | null> {
  const written = await allMessages(store, agentId, { "metadata.turnId": turnId });
  if (written.some((m) => m.role === "system" && m.metadata.error !== undefined)) return null;
  const answer = written.findLast((m) => m.role === "assistant" && m.metadata.toolCalls === undefined);
  return answer?.content ?? null;
}

async function allMessages(
  store: Store,
  agentId: string,
  where: Record<string, unknown>,
): Promise<Message[]> {
  const filter = messageFilterSchema.parse(where);
  const out: Message[] = [];
  for (;;) {
    const page = await store.messages.list({ agentId, filter }, { after: out.at(-1)?.id, limit: 200 });
    out.push(...page);
    if (page.length < 200) return out;
  }
}
