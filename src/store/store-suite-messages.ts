import assert from "node:assert/strict";
import { it } from "node:test";
import type { Message } from "../core/types.ts";
import type { SuiteKit } from "./store-suite-jobs.ts";

/** The message store's reads of the log's order: part of `runStoreSuite`. */
export function messageStoreCases(kit: SuiteKit): void {
  const { id, at, withStore, seed } = kit;
  const message = (agentId: string, content: string, n: number): Message => ({
    id: id("msg"),
    agentId,
    userId: null,
    role: n % 2 === 0 ? "user" : "assistant",
    name: null,
    sessionId: "s1",
    content,
    provenance: { messageIds: [], externalIds: [] },
    metadata: {},
    createdAt: at(n),
  });
  const append = (store: Parameters<Parameters<SuiteKit["withStore"]>[0]>[0], messages: Message[]) =>
    store.messages.append(
      messages.map((m) => ({
        message: m,
        fields: { text: m.content, caption: "", prev: "", next: "", window: "", date: "" },
      })),
      [],
      [],
    );

  it("finds the message appended right after each one, within the agent's own log", async () => {
    await withStore(async (store) => {
      const a = await seed(store);
      const b = await seed(store);
      const [a0, a1, a2] = [
        message(a.agent.id, "one", 0),
        message(a.agent.id, "two", 1),
        message(a.agent.id, "three", 2),
      ];
      const b0 = message(b.agent.id, "other", 1);
      // Another agent's message lands between a0 and a1 in the shared log: it is not a0's successor.
      await append(store, [a0]);
      await append(store, [b0]);
      await append(store, [a1, a2]);
      const next = await store.messages.following(a.agent.id, [
        a0.id,
        a1.id,
        a2.id,
        b0.id,
        "msg_unknown",
        a0.id,
      ]);
      assert.deepEqual(
        [...next].map(([after, m]) => [after, m.id]).sort(),
        [
          [a0.id, a1.id],
          [a1.id, a2.id],
        ].sort(),
      );
      assert.deepEqual(next.get(a0.id), a1, "the whole message, as read by get");
      assert.equal((await store.messages.following(a.agent.id, [])).size, 0);
      assert.equal((await store.messages.following(b.agent.id, [a0.id])).size, 0);
    });
  });

  it("finds the next turn of each message's own conversation, past other users' and sessions' turns", async () => {
    await withStore(async (store) => {
      const { agent } = await seed(store);
      const turn = (userId: string | null, sessionId: string | null, n: number): Message => ({
        ...message(agent.id, `${userId} ${sessionId} ${n}`, n),
        userId,
        sessionId,
      });
      const log = [
        turn("ada", "s1", 0),
        turn("bo", "s1", 1),
        turn(null, null, 2),
        turn("ada", "s2", 3),
        turn(null, "s1", 4),
        turn("ada", "s1", 5),
        turn(null, null, 6),
      ];
      await append(store, log.slice(0, 4));
      await append(store, log.slice(4));
      const next = await store.messages.following(
        agent.id,
        log.map((m) => m.id),
      );
      assert.deepEqual(
        [...next]
          .map(([after, m]) => [
            log.findIndex((l) => l.id === after),
            log.indexOf(log.find((l) => l.id === m.id) as Message),
          ])
          .sort(),
        [
          [0, 5],
          [2, 6],
        ],
      );
    });
  });

  it("reads the latest messages of each of several conversations, only the agent's, in the log's order", async () => {
    await withStore(async (store) => {
      const a = await seed(store);
      const b = await seed(store);
      const of = (agentId: string, userId: string | null, sessionId: string | null, n: number): Message => ({
        ...message(agentId, `${userId} ${sessionId} ${n}`, n),
        userId,
        sessionId,
      });
      // Ada's turns in two sessions and Bo's alternate with turns of no user; Ada also speaks to
      // another agent.
      const log = [0, 1, 2, 3, 4, 5].flatMap((n) => [
        of(a.agent.id, "ada", n % 2 === 0 ? "s1" : "s2", n),
        of(a.agent.id, "bo", null, n),
        of(a.agent.id, null, null, n),
      ]);
      await append(store, log.slice(0, 9));
      await append(store, [of(b.agent.id, "ada", "s1", 9)]);
      await append(store, log.slice(9));
      const latest = await store.messages.latestInConversations(
        a.agent.id,
        [
          { userId: "ada", sessionId: "s1" },
          { userId: "bo", sessionId: null },
          { userId: "nobody", sessionId: null },
          { userId: "bo", sessionId: "s1" },
          { userId: null, sessionId: null },
          { userId: null, sessionId: "s1" },
        ],
        2,
      );
      assert.deepEqual(
        latest.map((m) => m.content),
        ["ada s1 2", "ada s1 4", "bo null 4", "null null 4", "bo null 5", "null null 5"],
      );
      assert.deepEqual(latest[0], await store.messages.get(a.agent.id, latest[0]?.id ?? ""));
      assert.deepEqual(await store.messages.latestInConversations(a.agent.id, [], 2), []);
      assert.deepEqual(
        (await store.messages.latestInConversations(b.agent.id, [{ userId: "ada", sessionId: "s1" }], 5)).map(
          (m) => m.content,
        ),
        ["ada s1 9"],
      );
    });
  });

  it("tells whether the agent has messages of an end user other than one, on either side of them", async () => {
    await withStore(async (store) => {
      const a = await seed(store);
      const b = await seed(store);
      const of = (agentId: string, userId: string | null, n: number): Message => ({
        ...message(agentId, `${userId} ${n}`, n),
        userId,
      });
      const others = (agentId: string, userId: string) => store.messages.otherUserExists(agentId, userId);
      assert.equal(await others(a.agent.id, "bo"), false, "no messages");
      // Messages of no user, and another agent's users, are not the agent's other users.
      await append(store, [of(a.agent.id, "bo", 0), of(a.agent.id, null, 1), of(a.agent.id, "bo", 2)]);
      await append(store, [of(b.agent.id, "ada", 3), of(b.agent.id, "cy", 4)]);
      assert.equal(await others(a.agent.id, "bo"), false);
      assert.equal(await others(a.agent.id, "ada"), true, "bo sorts after ada");
      assert.equal(await others(a.agent.id, "cy"), true, "bo sorts before cy");
      await append(store, [of(a.agent.id, "ada", 5)]);
      assert.equal(await others(a.agent.id, "bo"), true, "ada sorts before bo");
      assert.equal(await others(b.agent.id, "ada"), true);
    });
  });
}
