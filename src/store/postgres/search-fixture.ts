import type { Agent, Memory, Message, NewEvent, Project } from "../../core/types.ts";
import { messageIndexer } from "../rows/message-fields.ts";
import { seededRandom } from "../sqlite/ivf.ts";
import type { IndexedMessage, MemoryWrite, Store } from "../store.ts";

/**
 * A generated corpus for comparing the backends' full-text search: memories and messages over a
 * vocabulary whose words occur with very different frequencies (a few in most documents, so that
 * their IDF hits FTS5's floor; many in a handful), with tags, metadata, users, kinds and sessions.
 * The same seed gives the same corpus.
 */

const WORDS = `apple river mountain quantum violin harbor copper lantern meadow falcon glacier orchid
  prism saddle tundra velvet walnut zephyr anchor beacon canyon dune ember fjord grove heron island
  jasmine kelp lagoon marble nebula oasis pebble quartz reef summit thistle umber valley willow yarrow
  zenith basil cedar dahlia elm fern ginger hazel iris juniper kale lotus mint nutmeg olive pepper`
  .split(/\s+/)
  .filter(Boolean);

const TAGS = ["travel", "work", "family", "health", "music", "food"];

/** A word drawn with a skewed (roughly Zipf) distribution: the first words are by far the likeliest. */
function word(next: () => number): string {
  return WORDS[Math.floor(WORDS.length * next() ** 3)] as string;
}

function sentence(next: () => number, min: number, max: number): string {
  const length = min + Math.floor(next() * (max - min + 1));
  return Array.from({ length }, () => word(next)).join(" ");
}

const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const pad = (n: number) => String(n).padStart(6, "0");

export interface SearchCorpus {
  project: Project;
  agent: Agent;
  memories: MemoryWrite[];
  messages: IndexedMessage[];
  /** Every query word, from the most common to the rarest. */
  words: readonly string[];
  tags: readonly string[];
}

function event(
  project: Project,
  agentId: string | null,
  kind: string,
  targetId: string,
  n: number,
): NewEvent {
  return {
    id: `evt_${kind}_${targetId}_${pad(n)}`,
    projectId: project.id,
    agentId,
    actor: "user",
    kind,
    targetType: "memory",
    targetId,
    before: null,
    after: null,
    createdAt: at(n),
  };
}

/** A memory write (version and event included) of `memory`. */
export function memoryWrite(
  project: Project,
  memory: Memory,
  operation: "create" | "update",
  n: number,
): MemoryWrite {
  return {
    memory,
    version: {
      memoryId: memory.id,
      version: memory.version,
      operation,
      actor: "user",
      memory,
      createdAt: at(n),
    },
    event: { ...event(project, memory.agentId, `memory.${operation}d`, memory.id, n), after: memory },
  };
}

/** A corpus of `size` memories and `size` messages for one agent. */
export function searchCorpus(seed: number, size: number): SearchCorpus {
  const next = seededRandom(seed);
  const project: Project = {
    id: `prj_${seed}`,
    name: `search-${seed}`,
    metadata: {},
    createdAt: at(0),
    updatedAt: at(0),
  };
  const agent: Agent = {
    id: `agt_${seed}`,
    projectId: project.id,
    name: "searcher",
    model: null,
    instructions: "",
    metadata: {},
    defaultBranch: "main",
    createdAt: at(0),
    updatedAt: at(0),
  };
  const memories = Array.from({ length: size }, (_, i): MemoryWrite => {
    const tags = TAGS.filter(() => next() < 0.2);
    const metadata =
      i % 3 === 0
        ? {
            topic: word(next),
            n: i % 7,
            labels: [word(next), word(next)],
            vip: i % 2 === 0,
            flags: [i % 4, i % 8 === 0, i % 9 === 0 ? null : "x"],
            nested: { level: i % 2 === 0 ? "deep" : "shallow" },
          }
        : i % 3 === 1
          ? { topic: word(next), n: String(i % 7) }
          : {};
    const memory: Memory = {
      id: `mem_${seed}_${pad(i)}`,
      agentId: agent.id,
      // Cy has a few memories: with the shared ones (of no user), few enough to be ranked alone.
      userId: i % 4 === 0 ? "ada" : i % 4 === 1 ? "bob" : i % 13 === 0 ? "cy" : null,
      kind: i % 5 === 0 ? "note" : "fact",
      // Some memories have no words at all: they still count as documents of length 0.
      text: i % 50 === 7 ? "the and of" : sentence(next, 3, 40),
      tags,
      importance: Math.round(next() * 100) / 100,
      validFrom: null,
      validTo: null,
      key: null,
      provenance: { messageIds: [], externalIds: [] },
      metadata,
      version: 1,
      accessCount: 0,
      lastAccessedAt: null,
      archivedAt: null,
      createdAt: at(i),
      updatedAt: at(i),
    };
    return memoryWrite(project, memory, "create", i);
  });
  const contents = Array.from({ length: size }, () => sentence(next, 2, 25));
  const log = contents.map(
    (content, i): Message => ({
      id: `msg_${seed}_${pad(i)}`,
      agentId: agent.id,
      userId: i % 3 === 0 ? "ada" : null,
      role: i % 2 === 0 ? "user" : "assistant",
      name: i % 2 === 0 ? (["Ada", "Bob", "Cyd"][i % 3] as string) : null,
      sessionId: `s${Math.floor(i / 40)}`,
      content,
      provenance: { messageIds: [], externalIds: [] },
      metadata: i % 4 === 0 ? { caption: sentence(next, 1, 4), n: i % 5 } : {},
      // A session a day, so that the date column differs between sessions.
      createdAt: new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 40), 0, 0, i % 40)).toISOString(),
    }),
  );
  // Indexed as engram indexes them: each with its neighbours in its own conversation.
  const index = messageIndexer(log);
  const messages = log.map((_, i) => index(i));
  return { project, agent, memories, messages, words: WORDS, tags: TAGS };
}

/** Creates the corpus's project (unless it exists) and agent, with no history, through `store`. */
export async function createCorpusAgent(store: Store, project: Project, agent: Agent): Promise<void> {
  if ((await store.projects.get(project.id)) === null) {
    await store.projects.create(project, {
      ...event(project, null, "project.created", project.id, 0),
      targetType: "project",
    });
  }
  await store.agents.create(agent, { commits: [], blobs: [], branches: [] }, [
    { ...event(project, agent.id, "agent.created", agent.id, 0), targetType: "agent" },
  ]);
}
