import type { AgentRuntime } from "../agent/agent-runtime.ts";
import type { TurnResult } from "../agent/turn-events.ts";
import type { Group, GroupMember } from "../core/group-types.ts";
import type { Agent } from "../core/types.ts";
import { type ContentPart, contentText } from "../images/content-parts.ts";
import type { GroupEvent, GroupTurnResult } from "./group-events.ts";
import type { groupMessageInput } from "./group-input.ts";
import type { Exchange } from "./sleeptime-refine.ts";

type GroupMessage = ReturnType<typeof groupMessageInput.parse>;

/** One message to a group, with everything it runs on already loaded and checked. */
export interface GroupRun {
  runtime: AgentRuntime;
  group: Group;
  /** The group's agents, by id. */
  agents: ReadonlyMap<string, Agent>;
  input: GroupMessage;
  emit(event: GroupEvent): void;
  abortSignal: AbortSignal | undefined;
  /** `sleeptime`: starts the background agent's refinement of the shared blocks after the primary's turn. */
  refine(primary: Agent, background: Agent, exchange: Exchange): void;
}

/** Runs a message through the group's pattern. */
export async function runGroup(run: GroupRun): Promise<GroupTurnResult> {
  const turns =
    run.group.pattern === "supervisor"
      ? [await supervise(run)]
      : run.group.pattern === "round-robin"
        ? await roundRobin(run)
        : [await primaryTurn(run)];
  return { groupId: run.group.id, answer: turns.at(-1)?.answer ?? "", turns };
}

/** The supervisor answers, reaching the members (its workers) only, through its messaging tools. */
function supervise(run: GroupRun): Promise<TurnResult> {
  const manager = agentOf(run, run.group.managerId as string);
  const messageTargets = run.group.members.map((member) => {
    const agent = agentOf(run, member.agentId);
    return { id: agent.id, name: agent.name, responder: member.responder ?? undefined };
  });
  return run.runtime.send(manager.id, run.input, turnOptions(run, { messageTargets }));
}

/**
 * The members speak in turn, up to `maxTurns` turns. Each hears what was said since it last spoke:
 * one message as it is, from its speaker; several as one transcript, a line per speaker.
 */
async function roundRobin(run: GroupRun): Promise<TurnResult[]> {
  const { input, group } = run;
  // The first speaker hears the message as sent (images too); later ones hear its text.
  const said: { name: string | undefined; content: string | ContentPart[] }[] = [
    { name: input.name, content: input.content },
  ];
  const heard = new Map<string, number>();
  const turns: TurnResult[] = [];
  for (let i = 0; i < (group.maxTurns ?? group.members.length); i++) {
    const member = group.members[i % group.members.length] as GroupMember;
    const agent = agentOf(run, member.agentId);
    const news = said.slice(heard.get(agent.id) ?? 0);
    const one = news.length === 1 ? news[0] : undefined;
    const message =
      one !== undefined
        ? one
        : {
            name: undefined,
            content: news.map((m) => `${m.name ?? "user"}: ${contentText(m.content)}`).join("\n\n"),
          };
    const turn = await run.runtime.send(
      agent.id,
      {
        ...message,
        userId: input.userId,
        sessionId: input.sessionId,
        responder: member.responder ?? undefined,
      },
      turnOptions(run, {}),
    );
    turns.push(turn);
    said.push({ name: agent.name, content: turn.answer });
    heard.set(agent.id, said.length);
  }
  return turns;
}

/** The primary answers; then the background agent refines its memory, after the turn. */
async function primaryTurn(run: GroupRun): Promise<TurnResult> {
  const member = run.group.members[0] as GroupMember;
  const primary = agentOf(run, member.agentId);
  const turn = await run.runtime.send(
    primary.id,
    { ...run.input, responder: member.responder ?? undefined },
    turnOptions(run, {}),
  );
  run.refine(primary, agentOf(run, run.group.managerId as string), {
    content: contentText(run.input.content),
    userId: run.input.userId,
    turn,
  });
  return turn;
}

function turnOptions(run: GroupRun, extra: Parameters<AgentRuntime["send"]>[2]) {
  return { ...extra, onEvent: run.emit, abortSignal: run.abortSignal };
}

function agentOf(run: GroupRun, id: string): Agent {
  return run.agents.get(id) as Agent;
}
