import assert from "node:assert/strict";
import { it } from "node:test";
import { indexTerms } from "../core/text.ts";
import type { Memory } from "../core/types.ts";
import { type SuiteKit, suiteFixtures } from "./store-suite-jobs.ts";

/**
 * The memory list's part of `runStoreSuite`: both orders from a cursor, the limit, archived and agent
 * scoping; a filtered full-text search's page when the best matches fail the filter; `getMany`.
 */
export function memoryListCases(kit: SuiteKit): void {
  const { at, withStore, seed } = kit;
  const { memory, write } = suiteFixtures(kit);
  /** Forty users' memories sharing the words "apple river", then Ada's two. */
  const othersAndAda = (agent: Parameters<typeof memory>[0]): Memory[] => [
    ...Array.from({ length: 40 }, (_, i) => ({
      ...memory(agent, `apple river note ${i}`),
      userId: `user${i}`,
    })),
    { ...memory(agent, "apple river"), userId: "ada" },
    { ...memory(agent, "apple and a long list of other words"), userId: "ada" },
  ];

  it("lists an agent's memories newest or oldest first from a cursor, leaving out archived ones and other agents'", async () => {
    await withStore(async (store) => {
      const a = await seed(store);
      const b = await seed(store);
      // Ids are made in order, so m1 < m2 < … ; another agent's memory sits between them.
      const [m1, m2, m3] = [memory(a.agent, "one"), memory(a.agent, "two"), memory(a.agent, "three")];
      const other = memory(b.agent, "other");
      const [m4, m5] = [memory(a.agent, "four"), memory(a.agent, "five")];
      const archived: Memory = { ...m3, archivedAt: at(1) };
      // Written out of id order: the list's order is the ids', not the writes'.
      for (const [project, m] of [
        [a.project, m4],
        [a.project, m1],
        [b.project, other],
        [a.project, m5],
        [a.project, archived],
        [a.project, m2],
      ] as const)
        await store.memories.insert([write(project, m, "create")]);
      const ids = async (options: Parameters<typeof store.memories.list>[1], agentId = a.agent.id) =>
        (await store.memories.list({ agentId }, options)).map((m) => m.text);

      assert.deepEqual(await ids({ limit: 10 }), ["five", "four", "two", "one"], "newest first by default");
      assert.deepEqual(await ids({ limit: 2, after: m4.id }), ["two", "one"]);
      assert.deepEqual(await ids({ limit: 2, oldestFirst: true }), ["one", "two"]);
      assert.deepEqual(
        await ids({ limit: 2, oldestFirst: true, after: m2.id }),
        ["four", "five"],
        "ids above the cursor, the archived one left out",
      );
      assert.deepEqual(await ids({ limit: 10, oldestFirst: true, after: m5.id }), []);
      // A cursor need not name an existing memory: the other agent's id keeps its place.
      assert.deepEqual(await ids({ limit: 10, oldestFirst: true, after: other.id }), ["four", "five"]);
      assert.deepEqual(
        (
          await store.memories.list(
            { agentId: a.agent.id, archived: "include" },
            { limit: 3, oldestFirst: true },
          )
        ).map((m) => m.text),
        ["one", "two", "three"],
      );
      assert.deepEqual(await ids({ limit: 10, oldestFirst: true }, b.agent.id), ["other"]);
      assert.deepEqual(await ids({ limit: 10, oldestFirst: true, after: m1.id }, b.agent.id), ["other"]);
    });
  });

  it("fills a filtered full-text page when the best matches fail the filter, best first", async () => {
    await withStore(async (store) => {
      const a = await seed(store);
      // Short texts rank above long ones; these carry no tag.
      const untagged = Array.from({ length: 30 }, (_, i) => memory(a.agent, `apple ${i}`));
      // Tagged ones rank by length: fewer filler words, higher score.
      const filler = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");
      const tagged = Array.from({ length: 15 }, (_, i) => ({
        ...memory(a.agent, `apple pie ${filler(i + 1)}`),
        tags: ["keep"],
      }));
      for (const m of [...untagged, ...tagged]) await store.memories.insert([write(a.project, m, "create")]);
      const terms = indexTerms("apple");
      const texts = async (limit: number, tags?: string[]) =>
        (await store.memories.searchText({ agentId: a.agent.id, tags }, terms, limit)).map(
          (hit) => hit.item.text,
        );

      const all = await texts(10);
      assert.equal(all.length, 10);
      assert.ok(
        all.every((text) => !text.startsWith("apple pie")),
        "unfiltered, the untagged rank first",
      );
      assert.deepEqual(
        await texts(10, ["keep"]),
        tagged.slice(0, 10).map((m) => m.text),
        "the ten best that pass, though thirty rank above them",
      );
      assert.deepEqual(
        await texts(20, ["keep"]),
        tagged.map((m) => m.text),
        "every match that passes, fewer than the page",
      );
    });
  });

  it("ranks one user's memories alone as the agent-wide ranking filtered to them would, archived ones never", async () => {
    await withStore(async (store) => {
      const a = await seed(store);
      // Many users' memories share the words; Ada has three, one of them archived.
      const others = othersAndAda(a.agent);
      const ada = others.splice(-2);
      ada.push({ ...memory(a.agent, "apple river apple"), userId: "ada", archivedAt: at(1) });
      const shared = memory(a.agent, "apple river shared");
      await store.memories.insert([...others, ...ada, shared].map((m) => write(a.project, m, "create")));
      const search = async (extra: Record<string, unknown>, query = "apple river") =>
        (
          await store.memories.searchText(
            { agentId: a.agent.id, userId: "ada", includeShared: false, ...extra },
            indexTerms(query),
            10,
          )
        ).map((hit) => [hit.item.text, hit.score] as const);
      const mine = await search({});
      assert.deepEqual(
        mine.map(([text]) => text),
        ["apple river", "apple and a long list of other words"],
      );
      // The same scores as the agent-wide ranking gives those memories.
      const everyone = new Map(
        (await store.memories.searchText({ agentId: a.agent.id }, indexTerms("apple river"), 100)).map(
          (hit) => [hit.item.text, hit.score],
        ),
      );
      for (const [text, score] of mine) assert.ok(Math.abs(score - (everyone.get(text) ?? 0)) < 1e-9, text);
      assert.deepEqual(await search({ archived: "only" }), [], "archived memories are not searched");
      assert.deepEqual(
        (await search({ archived: "include" })).map(([text]) => text),
        mine.map(([text]) => text),
      );
      assert.deepEqual(await search({}, "nothing here"), []);
      assert.deepEqual(await search({ userId: "nobody" }), []);
    });
  });

  it("ranks one user's memories with the agent's shared ones as the agent-wide ranking filtered to them would", async () => {
    await withStore(async (store) => {
      const a = await seed(store);
      // Many users' memories share the words; Ada has two, the agent three shared ones (of no user).
      const others = othersAndAda(a.agent);
      const ada = others.splice(-2);
      const shared = [
        memory(a.agent, "apple river shared"),
        { ...memory(a.agent, "river shared as a note"), kind: "note" },
        { ...memory(a.agent, "apple river apple shared"), archivedAt: at(1) },
      ];
      await store.memories.insert([...others, ...ada, ...shared].map((m) => write(a.project, m, "create")));
      const everyone = new Map(
        (await store.memories.searchText({ agentId: a.agent.id }, indexTerms("apple river"), 100)).map(
          (hit) => [hit.item.text, hit.score],
        ),
      );
      const search = async (extra: Record<string, unknown>) =>
        (
          await store.memories.searchText(
            { agentId: a.agent.id, userId: "ada", ...extra },
            indexTerms("apple river"),
            10,
          )
        ).map((hit) => [hit.item.text, hit.score] as const);
      const visible = await search({});
      assert.deepEqual(visible.map(([text]) => text).sort(), [
        "apple and a long list of other words",
        "apple river",
        "apple river shared",
        "river shared as a note",
      ]);
      for (const [text, score] of visible)
        assert.ok(Math.abs(score - (everyone.get(text) ?? 0)) < 1e-9, text);
      assert.deepEqual(
        visible.map(([, score]) => score),
        [...visible.map(([, score]) => score)].sort((x, y) => y - x),
        "best first",
      );
      // The filter holds for the shared ones too.
      assert.deepEqual(
        (await search({ kinds: ["note"] })).map(([text]) => text),
        ["river shared as a note"],
      );
      assert.deepEqual(await search({ archived: "only" }), [], "archived memories are not searched");
      // A user with no memories of their own still finds the shared ones.
      assert.deepEqual((await search({ userId: "nobody" })).map(([text]) => text).sort(), [
        "apple river shared",
        "river shared as a note",
      ]);
    });
  });

  it("gets many memories by id in the order asked, leaving out missing ones and other agents'", async () => {
    await withStore(async (store) => {
      const a = await seed(store);
      const b = await seed(store);
      const [one, two, three] = [memory(a.agent, "one"), memory(a.agent, "two"), memory(a.agent, "three")];
      const other = memory(b.agent, "other");
      await store.memories.insert([one, two, three].map((m) => write(a.project, m, "create")));
      await store.memories.insert([write(b.project, other, "create")]);
      const texts = async (ids: string[]) =>
        (await store.memories.getMany(a.agent.id, ids)).map((m) => m.text);
      assert.deepEqual(await texts([three.id, "mem_none", one.id, other.id, two.id]), [
        "three",
        "one",
        "two",
      ]);
      assert.deepEqual(await texts([two.id, two.id]), ["two", "two"], "an id asked twice is answered twice");
      assert.deepEqual(await texts([]), []);
    });
  });
}
