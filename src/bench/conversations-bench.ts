import { InvalidInputError } from "../core/errors.ts";
import { createEngram } from "../engram.ts";
import type { MessageInput } from "../memory/messages/message-service.ts";
import { benchDatabase } from "./bench-database.ts";
import { clockMs, type Percentiles, percentiles, round } from "./stats.ts";
import { seededRandom } from "./synthetic-corpus.ts";

/**
 * Many end users' conversations in one agent, as a busy assistant's log holds them: each user's
 * turns interleaved with everyone else's, most of them small talk about orders and deliveries that
 * every user shares, and two turns of each user stating a fact of their own (a delivery address, an
 * order number). Then users ask for their own facts (conversation search with `userId`, top 1), and
 * their latest messages are listed, as a context reads them. The words asked about are in one turn
 * of every user, so past a few thousand users an agent-wide search cannot afford to score them.
 * With `replies`, an assistant answers each user turn with one of a few stock replies ("Let me look
 * into it for you."), as a support bot's log holds them.
 */

export interface ConversationsBenchOptions {
  /** End users (default 6,000). */
  users?: number;
  /** Turns per user (default 10). */
  turns?: number;
  /** Users asked (default 200, at most `users`). */
  asked?: number;
  /** An assistant's stock reply after every user turn (default false). */
  replies?: boolean;
  seed?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
  /** A PostgreSQL server's URL: the bench runs on a fresh schema there (dropped at the end), not SQLite. */
  database?: string | undefined;
}

export interface ConversationsBenchResult {
  users: number;
  turns: number;
  messages: number;
  asked: number;
  replies: boolean;
  seed: number;
  store: "sqlite" | "postgres";
  appendSeconds: number;
  /** Share of "what is my delivery address?" whose top result is the user's own address turn. */
  addressAccuracy: number;
  /** Share of "what was my order number?" whose top result is the user's own order turn. */
  orderAccuracy: number;
  /** Results that were another user's message (must be 0). */
  othersResults: number;
  searchMs: Percentiles;
  /** Reading a user's 20 latest messages. */
  listMs: Percentiles;
}

const SMALL_TALK = [
  "Has my order shipped yet?",
  "Can you change the delivery time to the morning?",
  "Thanks, that works for me.",
  "Is the delivery free for this order?",
  "Please keep me posted about the order.",
  "What is the weather like for the delivery day?",
  "Could you check the address on the invoice?",
  "Great, thank you for the help.",
];
const REPLIES = [
  "Sure, one moment.",
  "Done, anything else?",
  "I have noted that.",
  "Let me look into it for you.",
  "You are welcome.",
];
const STREETS = ["Rose", "Oak", "Harbour", "Mill", "Station", "Elm", "Bridge", "Castle", "Garden"];

/** Runs the bench on a throwaway database. */
export async function runConversationsBench(
  options: ConversationsBenchOptions = {},
): Promise<ConversationsBenchResult> {
  const users = options.users ?? 6_000;
  const turns = options.turns ?? 10;
  // Two turns state facts; a third keeps them from being all the user said.
  if (!Number.isSafeInteger(turns) || turns < 3)
    throw new InvalidInputError("turns: must be an integer of at least 3");
  const asked = Math.min(users, options.asked ?? 200);
  const replies = options.replies ?? false;
  const seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  // Each user's two facts, and the rounds they are said in.
  const facts = Array.from({ length: users }, (_, u) => {
    const addressRound = Math.floor(random() * turns);
    let orderRound = Math.floor(random() * turns);
    while (orderRound === addressRound) orderRound = Math.floor(random() * turns);
    return {
      address: `My delivery address is ${1 + Math.floor(random() * 200)} ${pick(STREETS)} Street, flat ${u}.`,
      order: `My order number is ${100_000 + u * 7}.`,
      addressRound,
      orderRound,
    };
  });
  const fresh = benchDatabase("conversations", options.database);
  const engram = createEngram({ database: fresh.database, embedder: null, env: {} });
  try {
    const agent = await engram.agents.create({ name: "many users" });
    const total = users * turns * (replies ? 2 : 1);
    const appendStart = clockMs();
    let pending: MessageInput[] = [];
    let done = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      await engram.messages.appendMany(agent.id, pending);
      done += pending.length;
      pending = [];
      options.onProgress?.(done, total, "append");
    };
    for (let round = 0; round < turns; round++) {
      for (let u = 0; u < users; u++) {
        const fact = facts[u] as (typeof facts)[number];
        const content =
          round === fact.addressRound
            ? fact.address
            : round === fact.orderRound
              ? fact.order
              : pick(SMALL_TALK);
        pending.push({ role: "user", content, userId: `user-${u}` });
        if (replies) pending.push({ role: "assistant", content: pick(REPLIES), userId: `user-${u}` });
        if (pending.length >= 1_000) await flush();
      }
    }
    await flush();
    const appendSeconds = (clockMs() - appendStart) / 1000;

    const searchSamples: number[] = [];
    const listSamples: number[] = [];
    let address = 0;
    let order = 0;
    let others = 0;
    for (let i = 0; i < asked; i++) {
      const u = Math.floor((i * users) / asked);
      const userId = `user-${u}`;
      const fact = facts[u] as (typeof facts)[number];
      for (const [query, expected] of [
        ["What is my delivery address?", fact.address],
        ["What was my order number?", fact.order],
      ] as const) {
        const t0 = clockMs();
        const { results } = await engram.search(agent.id, {
          query,
          userId,
          sources: ["messages"],
          k: 5,
          recordAccess: false,
        });
        searchSamples.push(clockMs() - t0);
        others += results.filter((r) => r.message?.userId !== userId).length;
        if (results[0]?.text === expected) {
          if (expected === fact.address) address++;
          else order++;
        }
      }
      const t1 = clockMs();
      await engram.messages.list(agent.id, { userId, limit: 20, newestFirst: true });
      listSamples.push(clockMs() - t1);
      options.onProgress?.(i + 1, asked, "ask");
    }
    return {
      users,
      turns,
      messages: total,
      asked,
      replies,
      seed,
      store: fresh.kind,
      appendSeconds: round(appendSeconds),
      addressAccuracy: round(address / asked),
      orderAccuracy: round(order / asked),
      othersResults: others,
      searchMs: percentiles(searchSamples),
      listMs: percentiles(listSamples),
    };
  } finally {
    await engram.close();
    await fresh.drop();
  }
}

export function formatConversationsBench(r: ConversationsBenchResult): string {
  return [
    `${r.users} users × ${r.turns} turns${r.replies ? ", each answered by a stock reply" : ""} (${r.messages} messages, interleaved), ${r.asked} users asked, seed ${r.seed}, on ${r.store}`,
    `own fact first: delivery address ${r.addressAccuracy.toFixed(3)}, order number ${r.orderAccuracy.toFixed(3)}; other users' messages among the results: ${r.othersResults}`,
    `search p50 / p95 ${r.searchMs.p50} / ${r.searchMs.p95} ms; a user's 20 latest messages p50 / p95 ${r.listMs.p50} / ${r.listMs.p95} ms`,
    `append ${r.appendSeconds.toFixed(2)} s (batches of 1,000)`,
  ].join("\n");
}
