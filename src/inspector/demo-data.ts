import type { Engram } from "../engram.ts";
import { createTestEngram, scriptedModel } from "../test/index.ts";

/** What `seedInspectorDemo` made, for tests and the benchmark to open. */
export interface InspectorDemo {
  /** The agent with a bit of everything: blocks, history by every author, memories, a turn, learning. */
  agentId: string;
  /** An agent with `commits` commits, for the history page at scale (absent when `commits` is 0). */
  busyAgentId: string | null;
  /** An agent in another project, which a key of the first project must not see. */
  otherAgentId: string;
  /** A key of the demo's project, and one of it that is revoked. */
  key: string;
  revokedKey: string;
}

/**
 * Fills a database for the inspector's browser tests and benchmark: one agent whose history has
 * commits by `user`, `agent`, `sleeptime` and `evolver`, memories (one updated, one archived, a keyed
 * fact closed by a later one, and the entity graph they make), a turn
 * with a tool call run by a scripted model (so its recorded context is there), episodes with rising
 * rewards, experience, insights and a queued sleep-time job; optionally a second agent with many
 * commits; a third agent in another project; API keys.
 */
export async function seedInspectorDemo(
  path: string,
  options: { commits?: number } = {},
): Promise<InspectorDemo> {
  const model = scriptedModel(
    [
      { toolCalls: [{ name: "memory_append", input: { label: "human", text: "Drinks green tea." } }] },
      { text: "Noted: green tea it is." },
    ],
    { record: false },
  );
  const engram = createTestEngram({ path, model });
  try {
    return await seed(engram, options.commits ?? 0);
  } finally {
    await engram.close();
  }
}

async function seed(engram: Engram, commits: number): Promise<InspectorDemo> {
  const project = await engram.projects.create({ name: "demo" });
  const agent = await engram.agents.create({
    name: "helper",
    project: project.name,
    instructions: "You are a concise assistant. Keep the human block up to date.",
  });
  await engram.blocks.set(agent.id, "persona", "I am helper, a concise assistant.", {
    limit: 400,
    message: "Persona",
  });
  await engram.blocks.set(agent.id, "human", "Name: Ada.\nCity: London.", {
    limit: 120,
    message: "First facts",
  });
  await engram.blocks.set(agent.id, "human", "Name: Ada.\nCity: Lisbon.", { message: "Ada moved to Lisbon" });
  await engram.runtime.send(agent.id, {
    content: "I drink green tea, remember that.",
    userId: "ada",
    sessionId: "s1",
  });
  await engram.blocks.set(agent.id, "rules", "Answer in one paragraph.", {
    author: "sleeptime",
    message: "Consolidated: prefers short answers",
  });
  await engram.blocks.set(agent.id, "rules", "Answer in one paragraph.\nAsk before long lists.", {
    author: "evolver",
    message: "Evolution round 1: accepted candidate",
  });

  await engram.memories.add(agent.id, {
    text: "Ada lives in Lisbon",
    kind: "fact",
    tags: ["place"],
    userId: "ada",
    importance: 0.8,
  });
  const tea = await engram.memories.add(agent.id, {
    text: "Ada likes tea",
    kind: "preference",
    tags: ["drink"],
    userId: "ada",
  });
  await engram.memories.update(agent.id, tea.id, { text: "Ada likes green tea" });
  const old = await engram.memories.add(agent.id, {
    text: "Ada lived in London",
    kind: "fact",
    userId: "ada",
    importance: 0.2,
  });
  await engram.memories.archive(agent.id, old.id);
  await engram.memories.add(agent.id, { text: "Tea is best at 80 degrees", kind: "note", tags: ["drink"] });
  // A keyed fact and the one that closed it: history on the memory page, a relation over time in the graph.
  await engram.memories.add(agent.id, {
    text: "Ada works at Acme",
    kind: "fact",
    key: "user.employer",
    userId: "ada",
    validFrom: "2024-01-01T00:00:00.000Z",
  });
  await engram.memories.add(agent.id, {
    text: "Ada works at Globex",
    kind: "fact",
    key: "user.employer",
    userId: "ada",
    validFrom: "2025-06-01T00:00:00.000Z",
  });

  for (let i = 0; i < 8; i++) {
    const success = i >= 3;
    await engram.experience.recordEpisode(agent.id, {
      task: "make tea",
      steps: [
        {
          observation: "kettle cold",
          availableActions: ["boil", "pour"],
          action: success ? "boil" : "pour",
          reward: success ? 1 : -1,
        },
      ],
      success,
    });
  }
  await engram.insights.apply(agent.id, [
    { op: "add", text: "Boil the water before pouring." },
    { op: "add", text: "Ask how strong the tea should be." },
  ]);
  const [first] = await engram.insights.list(agent.id);
  if (first !== undefined) await engram.insights.apply(agent.id, [{ op: "agree", id: first.id }]);
  await engram.sleeptime.enqueue(agent.id, { jobs: ["forget"] });

  let busyAgentId: string | null = null;
  if (commits > 0) {
    const busy = await engram.agents.create({ name: "busy", project: project.name });
    for (let i = 1; i <= commits; i++) {
      const authors = ["user", "agent", "sleeptime", "evolver"] as const;
      await engram.blocks.set(busy.id, "log", `Entry ${i}`, {
        author: authors[i % 4],
        message: `Change ${i}`,
      });
    }
    busyAgentId = busy.id;
  }

  const other = await engram.projects.create({ name: "other" });
  const otherAgent = await engram.agents.create({ name: "secret-agent", project: other.name });
  const key = await engram.keys.create({ project: project.name, name: "inspector" });
  const revoked = await engram.keys.create({ project: project.name, name: "old" });
  await engram.keys.revoke(revoked.apiKey.id);
  return {
    agentId: agent.id,
    busyAgentId,
    otherAgentId: otherAgent.id,
    key: key.key,
    revokedKey: revoked.key,
  };
}
