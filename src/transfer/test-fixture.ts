import { stepMessages } from "../agent/turn-messages.ts";
import type { Agent, Memory, Message } from "../core/types.ts";
import type { Engram } from "../engram.ts";

/** What `agentWhoLearned` made, for tests to look up. */
export interface LearnedAgent {
  agent: Agent;
  messages: Message[];
  /** The memory updated twice (three versions), which names another in its sleep-time links. */
  telescope: Memory;
  sourdough: Memory;
  /** An archived memory: listed and exported, never found by search. */
  archived: Memory;
  summary: Message;
  runningEpisodeId: string;
}

const TURN_USAGE = { inputTokens: 12, outputTokens: 5, totalTokens: 17 };

/**
 * An agent that has learned a little of everything an export carries: block history on two
 * branches; a conversation of two users with a tool call, its result and a summary; memories current,
 * archived and updated; insights; experience records from a finished and a running episode.
 */
export async function agentWhoLearned(engram: Engram, name = "learner"): Promise<LearnedAgent> {
  const agent = await engram.agents.create({ name, model: "openai:gpt-4o-mini", metadata: { k: [1, 2] } });
  await engram.blocks.set(agent.id, "human", "Ada");
  await engram.history.createBranch(agent.id, "idea");
  await engram.blocks.set(agent.id, "persona", "curious", { branch: "idea", author: "agent" });
  await engram.blocks.set(agent.id, "human", "Ada Lovelace");

  const messages = await engram.messages.appendMany(agent.id, [
    { role: "user", userId: "ada", content: "Which telescope shows the Andromeda galaxy best?" },
    { role: "assistant", userId: "ada", content: "A 200 mm dobsonian reflector shows it well." },
    {
      role: "user",
      userId: "bob",
      content: "When should I feed my sourdough starter?",
      sessionId: "kitchen",
    },
    {
      role: "assistant",
      userId: "bob",
      content: "Twice a day, morning and evening.",
      sessionId: "kitchen",
      metadata: { caption: "a jar of bubbling starter" },
    },
  ]);
  const toolTurn = stepMessages(
    [
      {
        text: "",
        toolCalls: [
          { toolCallId: "call_1", toolName: "memory_search", input: { query: "telescope" }, invalid: false },
        ],
        toolResults: [
          { toolCallId: "call_1", toolName: "memory_search", output: "Ada owns a dobsonian", isError: false },
        ],
        usage: TURN_USAGE,
        finishReason: "tool-calls",
        finishedAt: "2026-01-01T00:00:05.000Z",
      },
      {
        text: "You already own a dobsonian telescope.",
        toolCalls: [],
        toolResults: [],
        usage: TURN_USAGE,
        finishReason: "stop",
        finishedAt: "2026-01-01T00:00:06.000Z",
      },
    ],
    { turnId: "trn_01jvzzzzzzzzzzzzzzzzzzzzzz", userId: "ada", sessionId: undefined, model: "mock" },
  );
  messages.push(
    ...(await engram.messages.appendMany(agent.id, [
      { role: "user", userId: "ada", content: "Do I need a new telescope?" },
      ...toolTurn,
    ])),
  );
  const first = messages[0] as Message;
  const summary = await engram.messages.append(agent.id, {
    role: "system",
    userId: "ada",
    content: "Summary: Ada asked which telescope shows Andromeda; a dobsonian does.",
    metadata: {
      summary: {
        scope: "ada",
        throughMessageId: (messages[1] as Message).id,
        covered: 2,
        previousSummaryId: null,
      },
      turnId: "trn_01jvzzzzzzzzzzzzzzzzzzzzzy",
      usage: TURN_USAGE,
    },
  });
  messages.push(summary);
  messages.push(
    await engram.messages.append(agent.id, {
      role: "user",
      userId: "ada",
      content: "And which eyepiece for Saturn's rings?",
      createdAt: "2026-01-02T20:00:00.000Z",
      provenance: { messageIds: [first.id], externalIds: ["chat-7"] },
    }),
  );

  const { value: added } = await engram.memories.addMany(agent.id, [
    {
      text: "Ada owns a 200 mm dobsonian telescope",
      tags: ["astronomy"],
      userId: "ada",
      importance: 0.7,
      validFrom: "2025-06-01T00:00:00.000Z",
      provenance: { messageIds: [(messages[1] as Message).id], externalIds: ["ext-1"] },
    },
    { text: "Bob feeds his sourdough starter twice a day", kind: "observation", userId: "bob" },
    { text: "Ada lived in Paris", kind: "fact", userId: "ada", metadata: { source: "chat" } },
  ]);
  const [first_, sourdough, archivedBefore] = added as [Memory, Memory, Memory];
  await engram.memories.update(agent.id, first_.id, {
    text: "Ada owns a 200 mm dobsonian telescope and a small refractor",
    tags: ["astronomy", "gear"],
  });
  const { value: telescope } = await engram.memories.update(agent.id, first_.id, {
    importance: 0.9,
    metadata: { sleeptime: { related: [sourdough.id] } },
  });
  const archived = await engram.memories.archive(agent.id, archivedBefore.id);
  // Retrievals are counted on the memories they return.
  await engram.search(agent.id, { query: "sourdough starter" });

  await engram.insights.apply(agent.id, [
    { op: "add", text: "Check the weather before planning an observation" },
    { op: "add", text: "Point north first when looking for Andromeda" },
  ]);
  await engram.experience.recordEpisode(agent.id, {
    task: "find the Andromeda galaxy",
    steps: [
      {
        observation: "a dark sky",
        availableActions: ["point north", "point south"],
        action: "point north",
        reward: 0,
      },
      { observation: "a faint smudge", availableActions: ["focus", "wait"], action: "focus", reward: 1 },
    ],
    finalObservation: "Andromeda in view",
    success: true,
    metadata: { night: 1 },
  });
  const running = await engram.experience.startEpisode(agent.id, { task: "find the Andromeda galaxy" });
  await engram.experience.recordStep(agent.id, running.id, {
    observation: "a dark sky",
    availableActions: ["point north", "point south"],
    action: "point south",
    reward: -1,
  });
  return { agent, messages, telescope, sourdough, archived, summary, runningEpisodeId: running.id };
}
