import type { AgentRuntime } from "../agent/agent-runtime.ts";
import { EarlierMessages } from "../agent/messaging/earlier-messages.ts";
import type { TurnEvent, TurnResult } from "../agent/turn-events.ts";
import { EngramError, toEngramError } from "../core/errors.ts";
import type { Group, GroupMember } from "../core/group-types.ts";
import type { Agent } from "../core/types.ts";
import { type ContentPart, contentText } from "../images/content-parts.ts";
import type { GroupEvent, GroupTurnResult, ReusedTurn } from "./group-events.ts";
import type { groupMessageInput } from "./group-input.ts";
import type { EarlierRun, RunStep } from "./group-retry.ts";
import type { Exchange } from "./sleeptime-refine.ts";

type GroupMessage = Omit<ReturnType<typeof groupMessageInput.parse>, "retryOf">;

/** One message to a group, with everything it runs on already loaded and checked. */
export interface GroupRun {
  runtime: AgentRuntime;
  group: Group;
  /** The group's agents, by id. */
  agents: ReadonlyMap<string, Agent>;
  input: GroupMessage;
  /** The message's run: a new one, or the one a retry names. */
  runId: string;
  /** What the earlier attempts of a retried message recorded; null for a new message. */
  earlier: EarlierRun | null;
  emit(event: GroupEvent): void;
  abortSignal: AbortSignal | undefined;
  /** `sleeptime`: starts the background agent's refinement of the shared blocks after the primary's turn. */
  refine(primary: Agent, background: Agent, exchange: Exchange): void;
}

/** What one call of a message comes to, so far. */
interface Outcome {
  turns: TurnResult[];
  reused: ReusedTurn[];
}

/**
 * Runs a message through the group's pattern. A retry runs only the steps that failed or did not
 * run: a step an earlier attempt answered is reused, with its answer, as long as every step before
 * it was too (a later step heard what the ones before it said).
 * @throws EngramError as the failed turn's, with the group and the run in `details`.
 */
export async function runGroup(run: GroupRun): Promise<GroupTurnResult> {
  const outcome: Outcome = { turns: [], reused: [] };
  const tagged = { ...run, emit: (event: GroupEvent) => run.emit(withRun(event, run)) };
  try {
    const answer =
      run.group.pattern === "supervisor"
        ? await supervise(tagged, outcome)
        : run.group.pattern === "round-robin"
          ? await roundRobin(tagged, outcome)
          : await primaryTurn(tagged, outcome);
    return { groupId: run.group.id, runId: run.runId, answer, ...outcome };
  } catch (error) {
    const failure = toEngramError(error);
    throw new EngramError(failure.code, failure.message, {
      cause: failure,
      details: { ...failure.details, groupId: run.group.id, runId: run.runId },
    });
  }
}

/**
 * The supervisor answers, reaching the members (its workers) only, through its messaging tools. On
 * a retry, a message its failed turns sent already gets the earlier result without running again.
 */
async function supervise(run: GroupRun, outcome: Outcome): Promise<string> {
  const manager = agentOf(run, run.group.managerId as string);
  const done = answeredStep(run, 0, manager.id);
  if (done !== undefined) return reuse(outcome, done);
  const messageTargets = run.group.members.map((member) => {
    const agent = agentOf(run, member.agentId);
    return { id: agent.id, name: agent.name, responder: member.responder ?? undefined };
  });
  const earlierMessages = new EarlierMessages(run.earlier?.sent ?? []);
  const turn = await run.runtime.send(
    manager.id,
    run.input,
    turnOptions(run, 0, { messageTargets, earlierMessages }),
  );
  outcome.turns.push(turn);
  for (const m of earlierMessages.taken)
    outcome.reused.push({
      step: null,
      agentId: m.agentId,
      turnId: m.turnId,
      answer: m.mode === "wait" ? m.answer : null,
    });
  return turn.answer;
}

/**
 * The members speak in turn, up to `maxTurns` turns. Each hears what was said since it last spoke:
 * one message as it is, from its speaker; several as one transcript, a line per speaker.
 */
async function roundRobin(run: GroupRun, outcome: Outcome): Promise<string> {
  const { input, group } = run;
  // The first speaker hears the message as sent (images too); later ones hear its text.
  const said: { name: string | undefined; content: string | ContentPart[] }[] = [
    { name: input.name, content: input.content },
  ];
  const heard = new Map<string, number>();
  let reusing = true;
  let answer = "";
  for (let i = 0; i < (group.maxTurns ?? group.members.length); i++) {
    const member = group.members[i % group.members.length] as GroupMember;
    const agent = agentOf(run, member.agentId);
    const done = reusing ? answeredStep(run, i, agent.id) : undefined;
    if (done !== undefined) answer = reuse(outcome, done);
    else {
      reusing = false;
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
        turnOptions(run, i, {}),
      );
      outcome.turns.push(turn);
      answer = turn.answer;
    }
    said.push({ name: agent.name, content: answer });
    heard.set(agent.id, said.length);
  }
  return answer;
}

/** The primary answers; then the background agent refines its memory, after the turn. */
async function primaryTurn(run: GroupRun, outcome: Outcome): Promise<string> {
  const member = run.group.members[0] as GroupMember;
  const primary = agentOf(run, member.agentId);
  // A reused answer was refined after the attempt that gave it.
  const done = answeredStep(run, 0, primary.id);
  if (done !== undefined) return reuse(outcome, done);
  const turn = await run.runtime.send(
    primary.id,
    { ...run.input, responder: member.responder ?? undefined },
    turnOptions(run, 0, {}),
  );
  outcome.turns.push(turn);
  run.refine(primary, agentOf(run, run.group.managerId as string), {
    content: contentText(run.input.content),
    userId: run.input.userId,
    turn,
  });
  return turn.answer;
}

/** The latest turn of an earlier attempt that answered this step, by this agent. */
function answeredStep(
  run: GroupRun,
  step: number,
  agentId: string,
): (RunStep & { answer: string }) | undefined {
  return run.earlier?.steps.findLast(
    (s): s is RunStep & { answer: string } => s.step === step && s.agentId === agentId && s.answer !== null,
  );
}

function reuse(outcome: Outcome, step: RunStep & { answer: string }): string {
  outcome.reused.push({ step: step.step, agentId: step.agentId, turnId: step.turnId, answer: step.answer });
  return step.answer;
}

function turnOptions(run: GroupRun, step: number, extra: Parameters<AgentRuntime["send"]>[2]) {
  return {
    ...extra,
    group: { groupId: run.group.id, runId: run.runId, step },
    onEvent: run.emit,
    abortSignal: run.abortSignal,
  };
}

/** A turn's `error` event, naming the group and the run, so a stream's reader can retry it. */
function withRun(event: GroupEvent, run: GroupRun): GroupEvent {
  if (event.type !== "error") return event;
  const error: Extract<TurnEvent, { type: "error" }>["error"] = {
    ...event.error,
    details: { ...event.error.details, groupId: run.group.id, runId: run.runId },
  };
  return { ...event, error };
}

function agentOf(run: GroupRun, id: string): Agent {
  return run.agents.get(id) as Agent;
}
