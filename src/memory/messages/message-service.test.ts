import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { queryTerms } from "../../retrieval/query-terms.ts";
import { MESSAGE_FIELDS, type MessageField, type MessageWeights } from "../../store/store.ts";
import { createTestEngram } from "../../test/index.ts";

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"];

/**
 * Which messages (by position) each column of the index finds each word in. Each turn is by a
 * speaker of its own unless `speakers` names them.
 */
async function columns(
  batches: number[],
  users: readonly (string | undefined)[] = [],
  sessions: readonly (string | undefined)[] = [],
  speakers: readonly string[] = WORDS.map((word) => `speaker of ${word}`),
) {
  const engram = createTestEngram();
  const agent = await engram.agents.create({ name: "a" });
  const ids: string[] = [];
  let next = 0;
  for (const size of batches) {
    const batch = WORDS.slice(next, next + size).map((word, i) => ({
      role: "user" as const,
      content: word,
      name: speakers[next + i],
      userId: users[next + i],
      sessionId: sessions[next + i],
    }));
    next += size;
    ids.push(...(await engram.messages.appendMany(agent.id, batch)).map((m) => m.id));
  }
  const out: Record<string, Partial<Record<MessageField, number[]>>> = {};
  for (const word of WORDS) {
    out[word] = {};
    for (const field of ["prev", "next", "window"] as const) {
      const weights = Object.fromEntries(
        MESSAGE_FIELDS.map((f) => [f, f === field ? 1 : 0]),
      ) as MessageWeights;
      const hits = await engram.store.messages.searchText(
        { agentId: agent.id },
        { terms: queryTerms(word), weights },
        20,
      );
      (out[word] as Record<string, number[]>)[field] = hits.map((h) => ids.indexOf(h.item.id)).sort();
    }
  }
  return out;
}

describe("messages are indexed with their neighbours", () => {
  it("the same way whether they arrive one by one, in batches or all at once", async () => {
    const together = await columns([WORDS.length]);
    // "alpha" is message 0: message 1's previous turn, and in the window of messages 2 and 3.
    assert.deepEqual(together.alpha, { prev: [1], next: [], window: [2, 3] });
    assert.deepEqual(together.echo, { prev: [5], next: [3], window: [1, 2, 6, 7] });
    assert.deepEqual(await columns([1, 3, 3, 2]), together);
    assert.deepEqual(await columns(WORDS.map(() => 1)), together);
  });

  it("with the turn before and after only when another speaker said it", async () => {
    const speakers = ["Ada", "Ada", "Bo", "Bo", "Ada"];
    const together = await columns([5], [], [], speakers);
    // Ada's two turns are no exchange: "alpha" is no turn's previous one, "bravo" no turn's next.
    assert.deepEqual(together.alpha, { prev: [], next: [], window: [2, 3] });
    assert.deepEqual(together.bravo, { prev: [2], next: [], window: [3, 4] });
    assert.deepEqual(together.charlie, { prev: [], next: [1], window: [0, 4] });
    assert.deepEqual(together.delta, { prev: [4], next: [], window: [0, 1] });
    assert.deepEqual(together.echo, { prev: [], next: [3], window: [1, 2] });
    assert.deepEqual(await columns([1, 1, 1, 1, 1], [], [], speakers), together);
    // A speaker is a name, else a role: a user's turns alone are one speaker's.
    const alone = await columns([3], [], [], []);
    assert.deepEqual(alone.bravo, { prev: [], next: [], window: [] });
  });

  it("within their own conversation: another end user's turns between them are not their neighbours", async () => {
    // Ada's and Bo's turns alternate; then two turns of no user.
    const users = ["ada", "bo", "ada", "bo", "ada", "bo", "ada", undefined, undefined];
    const together = await columns([WORDS.length], users);
    // Ada's turns are 0, 2, 4, 6: "alpha" (0) is the turn before 2, and in the window of 4 and 6.
    assert.deepEqual(together.alpha, { prev: [2], next: [], window: [4, 6] });
    assert.deepEqual(together.echo, { prev: [6], next: [2], window: [0] });
    // Bo's are 1, 3, 5.
    assert.deepEqual(together.bravo, { prev: [3], next: [], window: [5] });
    assert.deepEqual(together.delta, { prev: [5], next: [1], window: [] });
    // The turns of no user are a conversation of their own.
    assert.deepEqual(together.golf, { prev: [], next: [4], window: [0, 2] });
    assert.deepEqual(together.hotel, { prev: [8], next: [], window: [] });
    assert.deepEqual(await columns([1, 3, 3, 2], users), together);
    assert.deepEqual(
      await columns(
        WORDS.map(() => 1),
        users,
      ),
      together,
    );
  });

  it("within the conversation of no user, however many users' turns came between", async () => {
    // A turn of no user, seven turns of two users, then the next turn of no user in the same session.
    const users = [undefined, "ada", "bo", "ada", "bo", "ada", "bo", "ada", undefined];
    const sessions = ["s1", ...Array<undefined>(7).fill(undefined), "s1"];
    const oneByOne = await columns(
      WORDS.map(() => 1),
      users,
      sessions,
    );
    assert.deepEqual(oneByOne.alpha, { prev: [8], next: [], window: [] });
    assert.deepEqual(oneByOne.india, { prev: [], next: [0], window: [] });
    assert.deepEqual(await columns([WORDS.length], users, sessions), oneByOne);
  });

  it("within one session of one user, however the user's sessions interleave", async () => {
    // Ada's turns alternate between two sessions, with Bo's turns between; then Ada in session 1.
    const users = ["ada", "bo", "ada", "bo", "ada", "bo", "ada", "ada", "ada"];
    const sessions = ["s1", undefined, "s2", undefined, "s1", undefined, "s2", "s1", "s1"];
    const together = await columns([WORDS.length], users, sessions);
    // Ada's session 1 is turns 0, 4, 7, 8; her session 2 is 2 and 6.
    assert.deepEqual(together.alpha, { prev: [4], next: [], window: [7, 8] });
    assert.deepEqual(together.echo, { prev: [7], next: [0], window: [8] });
    assert.deepEqual(together.charlie, { prev: [6], next: [], window: [] });
    assert.deepEqual(await columns([1, 3, 3, 2], users, sessions), together);
    assert.deepEqual(
      await columns(
        WORDS.map(() => 1),
        users,
        sessions,
      ),
      together,
    );
  });
});
