import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { indexTerms } from "../core/text.ts";
import type { Engram } from "../engram.ts";
import type { MessageInput } from "../memory/messages/message-service.ts";
import type { Store } from "../store/store.ts";
import { POSTING_BUDGET } from "../store/term-choice.ts";
import { createTestEngram } from "../test/index.ts";
import { CONVERSATION_DEFAULTS, type ConversationRanking, rankMessages } from "./conversation-ranker.ts";

async function conversation(engram: Engram, turns: [string, string, string][]) {
  const agent = await engram.agents.create({ name: "c" });
  const inputs: MessageInput[] = turns.map(([session, name, content], i) => ({
    role: name === "Ada" ? "user" : "assistant",
    name,
    sessionId: session,
    content,
    createdAt: new Date(Date.UTC(2024, 4, 1 + Number(session.slice(1)), 10, 0, i)).toISOString(),
    provenance: { externalIds: [`t${i}`] },
  }));
  await engram.messages.appendMany(agent.id, inputs);
  return agent;
}

/**
 * The engine's store as a busy log's: the words of `texts` counted as in more messages than the
 * posting budget (as its stock phrases are), among `total` messages, without writing them all.
 */
function withCommonWords(store: Store, texts: readonly string[], total = 20 * POSTING_BUDGET): Store {
  const common = new Set(texts.flatMap((text) => indexTerms(text)));
  const fakes: Record<string, unknown> = {
    documentFrequencies: async (agentId: string, terms: readonly string[]) => {
      const df = await store.messages.documentFrequencies(agentId, terms);
      for (const term of terms) if (common.has(term)) df.set(term, POSTING_BUDGET + 1);
      return df;
    },
    countForRanking: async () => total,
  };
  const messages = new Proxy(store.messages, {
    get(target, property) {
      if (typeof property === "string" && property in fakes) return fakes[property];
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return new Proxy(store, {
    get: (target, property) => (property === "messages" ? messages : Reflect.get(target, property, target)),
  });
}

const ids = (response: Awaited<ReturnType<Engram["search"]>>) =>
  response.results.map((r) => r.message?.provenance.externalIds[0]);

describe("conversation search", () => {
  it("finds a short reply by the question it answers", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "Which city did you move to last spring?"],
      ["s1", "Bo", "Lisbon, and I love it."],
      ["s1", "Ada", "I prefer mountains to beaches."],
    ]);
    const response = await engram.search(agent.id, {
      query: "Which city did Bo move to?",
      sources: ["messages"],
      k: 3,
    });
    assert.ok(ids(response).slice(0, 2).includes("t1"), JSON.stringify(ids(response)));
    const top = response.results.find((r) => r.message?.provenance.externalIds[0] === "t1");
    assert.ok((top?.components.lexicalScore ?? 0) > 0);
  });

  it("puts the latest of turns that match alike first: a thing said again is found as last said", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "My favourite colour is teal."],
      ["s2", "Ada", "My favourite colour is teal."],
    ]);
    const response = await engram.search(agent.id, {
      query: "favourite colour",
      sources: ["messages"],
      k: 2,
      recordAccess: false,
    });
    // The earlier is left out as a near-duplicate of the later.
    assert.deepEqual(ids(response), ["t1"]);
    assert.equal(response.suppressed.length, 1);
  });

  it("credits a question's answer in its own conversation, however other users' turns came between", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "c" });
    const turn = (userId: string, role: "user" | "assistant", name: string, content: string, i: number) => ({
      role,
      name,
      userId,
      content,
      createdAt: new Date(Date.UTC(2024, 4, 1, 10, 0, i)).toISOString(),
      provenance: { externalIds: [`t${i}`] },
    });
    await engram.messages.appendMany(agent.id, [
      turn("ada", "user", "Ada", "Which city did you move to last spring?", 0),
      turn("bo", "user", "Bo", "Which city has the best coffee?", 1),
      turn("ada", "assistant", "Sam", "Lisbon, and I love it.", 2),
      turn("ada", "user", "Ada", "I prefer mountains to beaches.", 3),
      turn("bo", "assistant", "Sam", "Vienna, I would say.", 4),
    ]);
    const ranked = await rankMessages(
      engram.store,
      { agentId: agent.id, userId: "ada" },
      "Which city did Sam move to?",
      3,
    );
    const answer = ranked.find((r) => r.message.content === "Lisbon, and I love it.");
    const alone = await rankMessages(
      engram.store,
      { agentId: agent.id, userId: "ada" },
      "Which city did Sam move to?",
      3,
      {
        ...CONVERSATION_DEFAULTS,
        questions: { ...CONVERSATION_DEFAULTS.questions, answer: 0 },
      },
    );
    const uncredited = alone.find((r) => r.message.content === "Lisbon, and I love it.");
    assert.ok(answer !== undefined && uncredited !== undefined);
    assert.ok(answer.score > uncredited.score, `credited ${answer.score}, not ${uncredited.score}`);
  });

  it("keeps neighbours within a session", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "We should talk about the violin recital."],
      ["s2", "Bo", "Good morning!"],
    ]);
    const response = await engram.search(agent.id, { query: "violin recital", sources: ["messages"], k: 5 });
    assert.deepEqual(ids(response), ["t0"]);
  });

  it("favours the turns of the one speaker a question names", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "I started painting landscapes this year."],
      ["s1", "Bo", "I started painting portraits this year."],
    ]);
    const forBo = await engram.search(agent.id, {
      query: "What did Bo start painting?",
      sources: ["messages"],
      k: 2,
    });
    assert.equal(ids(forBo)[0], "t1");
    const forAda = await engram.search(agent.id, {
      query: "What did Ada start painting?",
      sources: ["messages"],
      k: 2,
    });
    assert.equal(ids(forAda)[0], "t0");
  });

  it("finds the turns that say a speaker's name when the query is the name alone", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "Can I move to annual billing?"],
      ["s1", "Sam", "Sure, Ada, I can switch you today."],
      ["s2", "Bob", "The weather is nice."],
      ["s3", "Cy", "Lunch is at noon."],
    ]);
    const found = await engram.search(agent.id, {
      query: "Ada",
      sources: ["messages"],
      graph: false,
      recordAccess: false,
    });
    assert.equal(ids(found)[0], "t1");
    assert.equal(found.results[0]?.components.lexicalRank, 1);
  });

  it("matches the date words of a turn", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "The concert was great."],
      ["s9", "Ada", "The concert was loud."],
    ]);
    const response = await engram.search(agent.id, {
      query: "the concert on 10 May 2024",
      sources: ["messages"],
      k: 2,
    });
    assert.equal(ids(response)[0], "t1");
  });

  it("expands the query with words shared by the best turns", async () => {
    const engram = createTestEngram();
    const agent = await conversation(engram, [
      ["s1", "Ada", "My sourdough starter needs feeding with rye flour."],
      ["s1", "Bo", "Rye flour makes a tangy starter."],
      ["s2", "Ada", "Bought more rye flour at the mill."],
      ["s3", "Bo", "The weather is sunny today."],
      ["s3", "Ada", "Let us go hiking."],
    ]);
    const response = await engram.search(agent.id, { query: "sourdough", sources: ["messages"], k: 5 });
    const found = ids(response);
    assert.equal(found[0], "t0");
    assert.ok(
      found.includes("t2"),
      `expansion should reach a turn sharing 'rye flour': ${JSON.stringify(found)}`,
    );
    assert.ok(!found.includes("t3"));
    // Words in more messages than are searched say nothing about the subject: no expansion by them.
    const common = withCommonWords(engram.store, ["rye flour"]);
    const expanded = (await rankMessages(common, { agentId: agent.id }, "sourdough", 5)).map(
      (r) => r.message.provenance.externalIds[0],
    );
    assert.equal(expanded[0], "t0");
    assert.ok(!expanded.includes("t2"), `no expansion by 'rye flour': ${JSON.stringify(expanded)}`);
  });

  describe("questions and their answers", () => {
    const noQuestions: ConversationRanking = {
      ...CONVERSATION_DEFAULTS,
      questions: { weight: 0, answer: 0, answered: 0, rare: 0 },
    };
    const rank = async (engram: Engram, agentId: string, query: string, options?: ConversationRanking) =>
      (await rankMessages(engram.store, { agentId }, query, 10, options)).map((r) => ({
        id: r.message.provenance.externalIds[0],
        score: r.score,
      }));

    it("ranks the answer above the question that names the subject", async () => {
      const engram = createTestEngram();
      const agent = await conversation(engram, [
        ["s1", "Ada", "Do you still play the cello in the city orchestra?"],
        ["s1", "Bo", "Yes, every Thursday evening, it keeps me sane."],
        ["s1", "Ada", "That sounds lovely."],
      ]);
      const query = "Where is the cello played?";
      const plain = await rank(engram, agent.id, query, noQuestions);
      assert.equal(plain[0]?.id, "t0", "without the stage, the question's own words win");
      const ranked = await rank(engram, agent.id, query);
      assert.equal(ranked[0]?.id, "t1", JSON.stringify(ranked));
      const response = await engram.search(agent.id, { query, sources: ["messages"], k: 3 });
      assert.equal(ids(response)[0], "t1");
      // A list of words to find is no question: the turn that holds them comes first.
      assert.equal((await rank(engram, agent.id, "cello played"))[0]?.id, "t0");
    });

    it("credits only the next turn of the same session, by another speaker", async () => {
      const engram = createTestEngram();
      const agent = await conversation(engram, [
        ["s1", "Ada", "The harbour ferry was late again."],
        ["s1", "Bo", "Did the harbour ferry leave from pier nine?"],
        ["s2", "Ada", "Pier nine is closed for repairs, the ferry leaves from pier two."],
        ["s2", "Bo", "Did you take the ferry?"],
        ["s2", "Bo", "The ferry was crowded."],
        ["s2", "Ada", "Is the harbour ferry running tomorrow?"],
        ["s2", "Bo", "Only in the morning, I checked the timetable."],
      ]);
      // Without the session stage, a turn's score is its own: the changes are the questions' alone.
      const session = { weight: 0, top: 3 };
      const query = "Which pier does the harbour ferry use?";
      const on = new Map(
        (await rank(engram, agent.id, query, { ...CONVERSATION_DEFAULTS, session })).map((r) => [
          r.id,
          r.score,
        ]),
      );
      const off = new Map(
        (await rank(engram, agent.id, query, { ...noQuestions, session })).map((r) => [r.id, r.score]),
      );
      assert.ok((on.get("t1") ?? 0) < (off.get("t1") ?? 0), "a question's own score is lowered");
      assert.equal(on.get("t0"), off.get("t0"), "a statement keeps its score");
      assert.ok((on.get("t6") ?? 0) > (off.get("t6") ?? 0), "the answer to t5 gains");
      // t1's next message (t2) opens another session; t3's (t4) is by the same speaker.
      assert.ok((off.get("t2") ?? 0) > 0 && (off.get("t4") ?? 0) > 0);
      assert.equal(on.get("t2"), off.get("t2"));
      assert.equal(on.get("t4"), off.get("t4"));
    });

    it("credits an answer as much as its words are rare: a stock reply takes little", async () => {
      const engram = createTestEngram();
      const turns: [string, string, string][] = [];
      for (let s = 1; s <= 6; s++) {
        turns.push([
          `s${s}`,
          "Ada",
          s <= 3 ? "Could you check the address on my invoice?" : "Thanks, see you.",
        ]);
        turns.push([
          `s${s}`,
          "Sam",
          s === 2 ? "It says 12 Rose Street, flat 4." : "Let me look into it for you.",
        ]);
      }
      const agent = await conversation(engram, turns);
      const session = { weight: 0, top: 3 };
      const query = "What is the address on my invoice?";
      const scores = async (rare: number) =>
        new Map(
          (
            await rank(engram, agent.id, query, {
              ...CONVERSATION_DEFAULTS,
              questions: { ...CONVERSATION_DEFAULTS.questions, rare },
              session,
            })
          ).map((r) => [r.id, r.score]),
        );
      const alike = await scores(0);
      const scaled = await scores(CONVERSATION_DEFAULTS.questions.rare);
      // t3 answers; t1 and t5 only acknowledge, with words that five of the twelve messages say.
      assert.equal(
        scaled.get("t3"),
        alike.get("t3"),
        "an answer of words no other message says keeps its credit",
      );
      for (const stock of ["t1", "t5"]) {
        assert.ok((scaled.get(stock) ?? 0) < (alike.get(stock) ?? 0), `${stock} takes less`);
        assert.ok((scaled.get(stock) ?? 0) < (scaled.get("t3") ?? 0), `${stock} ranks below the answer`);
      }
      // In a log where the reply's words are too common to search, it takes nothing at all.
      const common = withCommonWords(engram.store, ["Let me look into it for you."]);
      const ranked = async (answer: number) =>
        new Map(
          (
            await rankMessages(common, { agentId: agent.id }, query, 10, {
              ...CONVERSATION_DEFAULTS,
              questions: { ...CONVERSATION_DEFAULTS.questions, answer },
              session,
            })
          ).map((r) => [r.message.provenance.externalIds[0], r.score]),
        );
      const credited = await ranked(CONVERSATION_DEFAULTS.questions.answer);
      const none = await ranked(0);
      for (const stock of ["t1", "t5"])
        assert.equal(credited.get(stock), none.get(stock), `${stock} takes nothing`);
      assert.ok((credited.get("t3") ?? 0) > (none.get("t3") ?? 0), "the answer keeps its credit");
    });
  });
});
