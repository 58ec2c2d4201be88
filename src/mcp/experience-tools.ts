import { adviceInput, episodeInput } from "../experience/schemas.ts";
import { defineTool } from "./tool.ts";

const advice = adviceInput.shape;

export const experienceAdvice = defineTool({
  name: "experience_advice",
  title: "Ask experience for advice",
  description:
    "Advice from the agent's experience memory for a task in a situation: from the most similar " +
    "situations met before, the action that paid off best (encouraged) and the one that did worst " +
    "(discouraged), with their learned values. Record episodes with episode_record to build it up.",
  fields: {
    task: advice.task.describe("The task being attempted."),
    observation: advice.observation.describe("What the agent sees now."),
    availableActions: advice.availableActions.describe("The actions possible now; only these are advised."),
    k: advice.k.describe("How many similar past situations to draw on (default 3)."),
    exploration: advice.exploration.describe(
      "When no action has paid off yet: suggest the least-tried one (default), the first untried one, or none.",
    ),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, { session, agentId }) {
    const result = await session.engram.experience.advise(agentId, args);
    return { text: result.text, items: result.items };
  },
});

const episode = episodeInput.shape;

export const episodeRecord = defineTool({
  name: "episode_record",
  title: "Record an episode",
  description:
    "Records one finished attempt at a task, step by step (observation, actions available, action " +
    "taken, reward), and updates the agent's experience memory from it (n-step Q-learning), so later " +
    "experience_advice can draw on it.",
  fields: {
    task: episode.task.describe("The task attempted."),
    steps: episode.steps.describe(
      "The steps in order; each action must be one of that step's availableActions, rewards are numbers.",
    ),
    finalObservation: episode.finalObservation.describe("What the agent saw at the end."),
    success: episode.success.describe("Whether the task succeeded."),
    metadata: episode.metadata.describe("Any JSON object to keep with the episode."),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, { session, agentId }) {
    const recorded = await session.engram.experience.recordEpisode(agentId, args);
    return {
      episode: {
        id: recorded.id,
        task: recorded.task,
        steps: recorded.steps.length,
        totalReward: recorded.totalReward,
        success: recorded.success,
        createdAt: recorded.createdAt,
      },
    };
  },
});

export const insightsList = defineTool({
  name: "insights_list",
  title: "List learned rules",
  description:
    "Lists the rules the agent has distilled from its successes and failures (insights), strongest first, with their support counts.",
  fields: {},
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(_args, { session, agentId }) {
    const insights = await session.engram.insights.list(agentId);
    return {
      insights: insights.map((i) => ({ id: i.id, text: i.text, count: i.count, updatedAt: i.updatedAt })),
    };
  },
});
