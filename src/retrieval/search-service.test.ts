import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { createIdGenerator } from "../core/ids.ts";
import { createEngram } from "../engram.ts";
import { createHashEmbedder } from "../models/hash-embedder.ts";
import { createTestEngram } from "../test/index.ts";

const dir = mkdtempSync(join(tmpdir(), "engram-search-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("search", () => {
  it("lets recency, importance and access order close matches, never lift a much weaker one over the best", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "standing" });
    await engram.memories.add(agent.id, {
      text: "Ada's company renews its contract every March",
      kind: "fact",
      importance: 0.9,
    });
    await engram.memories.add(agent.id, { text: "Ada asked for invoices by email" });
    await engram.memories.add(agent.id, { text: "Ada lives in Lisbon", kind: "fact", importance: 0.5 });
    await engram.memories.add(agent.id, { text: "Bob prefers phone calls" });
    // Every fact names Ada; only one says where she lives: it matches about three times as well.
    const { results } = await engram.search(agent.id, { query: "where does Ada live", recordAccess: false });
    assert.equal(results[0]?.text, "Ada lives in Lisbon");
    const contract = results.find((r) => r.text.includes("contract"));
    assert.ok(contract !== undefined && contract.components.match < 1, "a weaker match is weighed by it");
    assert.equal(results[0]?.components.match, 1);
    // Two facts that match alike: importance still decides, as before.
    await engram.memories.add(agent.id, { text: "Bob lives in Oslo", importance: 0.2 });
    await engram.memories.add(agent.id, { text: "Bob lives in Rome", importance: 0.9 });
    const bob = await engram.search(agent.id, { query: "where does Bob live", recordAccess: false });
    assert.deepEqual(
      bob.results.slice(0, 2).map((r) => r.text),
      ["Bob lives in Rome", "Bob lives in Oslo"],
    );
  });

  it("ranks one user's facts by every word, though a word is in more of the agent's memories than a search scores", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "many users" });
    // 5,100 users who each live somewhere: "live" is in more memories than the posting budget
    // (5,000), so an agent-wide search leaves it out and ranks by the name alone.
    const names = ["Ada", "Bea", "Cleo", "Dan", "Eve"];
    for (let start = 0; start < 5_100; start += 1_000) {
      await engram.memories.addMany(
        agent.id,
        Array.from({ length: Math.min(1_000, 5_100 - start) }, (_, i) => ({
          text: `${names[(start + i) % names.length]} lives in City${start + i}.`,
          userId: `user-${start + i}`,
        })),
      );
    }
    await engram.memories.addMany(agent.id, [
      { text: "Ada works at Acme.", userId: "ada" },
      { text: "Ada's partner is Bea.", userId: "ada" },
      { text: "Ada lives in Lisbon.", userId: "ada" },
      { text: "Ada's favourite food is curry.", userId: "ada" },
      { text: "Everyone here lives near the sea.", kind: "note" },
    ]);
    const search = (query: string) =>
      engram.search(agent.id, { query, userId: "ada", k: 3, recordAccess: false, weights: { recency: 0 } });
    assert.equal((await search("Where does Ada live?")).results[0]?.text, "Ada lives in Lisbon.");
    assert.equal((await search("Where does Ada work?")).results[0]?.text, "Ada works at Acme.");
    // Memories of no user are still found for the user, as before.
    const near = await search("who lives near the sea");
    assert.ok(near.results.some((r) => r.text === "Everyone here lives near the sea."));
    // Another user's facts never come back.
    assert.ok(
      near.results.every((r) => r.text !== "Ada lives in City0." && r.text !== "Bea lives in City1."),
    );
  });

  it("ranks one user's conversation by every word, though a word is in more of the agent's messages than a search scores", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "many customers" });
    // 5,100 customers who each gave an address: "delivery" and "address" are in more messages than
    // the posting budget, so an agent-wide search leaves both out.
    for (let start = 0; start < 5_100; start += 1_000) {
      await engram.messages.appendMany(
        agent.id,
        Array.from({ length: Math.min(1_000, 5_100 - start) }, (_, i) => ({
          role: "user" as const,
          content: `My delivery address is ${start + i} Main Street.`,
          userId: `user-${start + i}`,
        })),
      );
    }
    await engram.messages.appendMany(agent.id, [
      { role: "user", content: "I ordered a lamp last week.", userId: "ada" },
      { role: "assistant", content: "The lamp ships on Monday.", userId: "ada" },
      { role: "user", content: "Please send it to my delivery address, 12 Rose Lane.", userId: "ada" },
      { role: "assistant", content: "Noted.", userId: "ada" },
    ]);
    const { results } = await engram.search(agent.id, {
      query: "what is my delivery address?",
      userId: "ada",
      sources: ["messages"],
      k: 3,
      recordAccess: false,
    });
    assert.equal(results[0]?.text, "Please send it to my delivery address, 12 Rose Lane.");
    // Found by its words, not as the latest of Ada's messages.
    assert.ok((results[0]?.components.bm25 ?? 0) > 0);
    // Only Ada's own messages, never another customer's.
    assert.ok(results.every((r) => r.message?.userId === "ada"));
  });

  it("ranks by BM25 with stemming and explains each result", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(agent.id, [
      { text: "Ada is running a marathon in April" },
      { text: "Ada likes green tea" },
      { text: "The office moved to Berlin" },
    ]);
    const { results } = await engram.search(agent.id, { query: "Who runs marathons?" });
    assert.equal(results[0]?.text, "Ada is running a marathon in April");
    const c = results[0]?.components;
    assert.equal(c?.lexicalRank, 1);
    assert.ok((c?.bm25 ?? 0) > 0);
    assert.equal(c?.vectorRank, null);
    assert.ok((results[0]?.score ?? 0) > (results[1]?.score ?? 0) || results.length === 1);
  });

  it("applies kind, tag, user and validity filters", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(agent.id, [
      { text: "coffee order: flat white", userId: "u1", tags: ["drinks"] },
      { text: "coffee order: espresso", userId: "u2", tags: ["drinks"] },
      { text: "coffee machine is on floor 2", kind: "note" },
      { text: "coffee budget was 100", validFrom: "2024-01-01T00:00:00Z", validTo: "2025-01-01T00:00:00Z" },
    ]);
    const texts = async (input: Record<string, unknown>) =>
      (await engram.search(agent.id, { query: "coffee", ...input })).results.map((r) => r.text).sort();
    assert.deepEqual(await texts({ userId: "u1", includeShared: false }), ["coffee order: flat white"]);
    assert.deepEqual(await texts({ userId: "u1", includeSuperseded: true }), [
      "coffee budget was 100",
      "coffee machine is on floor 2",
      "coffee order: flat white",
    ]);
    assert.deepEqual(await texts({ kinds: ["note"] }), ["coffee machine is on floor 2"]);
    assert.deepEqual(await texts({ tags: ["drinks"], userId: "u2" }), ["coffee order: espresso"]);
    assert.ok(!(await texts({ validAt: "2025-06-01T00:00:00Z" })).includes("coffee budget was 100"));
    assert.ok((await texts({ validAt: "2024-06-01T00:00:00Z" })).includes("coffee budget was 100"));
    await assert.rejects(engram.search(agent.id, { query: "x", kinds: ["Bad Kind"] }), /kinds\.0/);
    await assert.rejects(engram.search(agent.id, { query: "x", k: 0 }), /k:/);
    await assert.rejects(engram.search(agent.id, { query: "x", after: "not a date" }), /after/);
  });

  it("with includeSuperseded, the fact true now comes before the history the text ranks alike, the newest first", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const fact = (city: string, validFrom: string) =>
      engram.memories.add(agent.id, {
        text: `Ada lives in ${city}`,
        key: "user.city",
        userId: "ada",
        validFrom,
      });
    await fact("Berlin", "2025-01-01T00:00:00.000Z");
    await fact("Lisbon", "2025-03-01T00:00:00.000Z");
    await fact("Porto", "2025-02-01T00:00:00.000Z");
    const texts = async (input: Record<string, unknown>) =>
      (await engram.search(agent.id, { query: "where does Ada live", userId: "ada", ...input })).results.map(
        (r) => r.text,
      );
    assert.deepEqual(await texts({ includeSuperseded: true }), [
      "Ada lives in Lisbon",
      "Ada lives in Porto",
      "Ada lives in Berlin",
    ]);
    assert.deepEqual(await texts({}), ["Ada lives in Lisbon"]);
    assert.deepEqual(await texts({ validAt: "2025-02-15T00:00:00.000Z" }), ["Ada lives in Porto"]);
  });

  it("suppresses near-duplicates so the top k holds distinct facts", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.addMany(agent.id, [
      { text: "The user's dog is called Rex" },
      { text: "The user's dog is called Rex." },
      { text: "the user's dog is called rex" },
      { text: "The user walks the dog every morning" },
    ]);
    const response = await engram.search(agent.id, { query: "dog", k: 5 });
    assert.equal(response.results.length, 2);
    assert.equal(response.suppressed.length, 2);
    const all = await engram.search(agent.id, { query: "dog", k: 5, dedupeThreshold: 1 });
    assert.equal(all.results.length, 2);
  });

  it("counts accesses of returned memories and boosts by importance", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const [low, high] = (
      await engram.memories.addMany(agent.id, [
        { text: "meeting notes about the budget", importance: 0.1 },
        { text: "meeting notes about the budget review", importance: 1 },
      ])
    ).value;
    const { results } = await engram.search(agent.id, {
      query: "budget",
      weights: { importance: 1 },
      dedupeThreshold: 1,
    });
    assert.equal(results[0]?.id, high?.id);
    assert.equal((await engram.memories.get(agent.id, low?.id ?? "")).accessCount, 1);
    await engram.search(agent.id, { query: "budget", recordAccess: false });
    assert.equal((await engram.memories.get(agent.id, low?.id ?? "")).accessCount, 1);
  });

  it("returns recent items for a query with no searchable words", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, { text: "something" });
    const response = await engram.search(agent.id, { query: "!!! ???" });
    assert.equal(response.results.length, 1);
    assert.equal(response.results[0]?.components.lexicalRank, null);
  });

  it("falls back to recency for words too common to rank, and still finds nothing for absent ones", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    for (let batch = 0; batch < 6; batch++) {
      await engram.memories.addMany(
        agent.id,
        Array.from({ length: 1000 }, (_, i) => ({ text: `the dog note number ${batch * 1000 + i}` })),
      );
    }
    const common = await engram.search(agent.id, { query: "dog", k: 3, recordAccess: false });
    // The newest batch (all created at the same instant) comes first.
    assert.equal(common.results.length, 3);
    assert.ok(
      common.results.every((r) => Number(r.text.split(" ").at(-1)) >= 5000),
      JSON.stringify(common.results.map((r) => r.text)),
    );
    assert.ok(common.results.every((r) => r.components.lexicalRank === null));
    assert.deepEqual((await engram.search(agent.id, { query: "xyzzy", recordAccess: false })).results, []);
    const rare = await engram.search(agent.id, { query: "dog 4321", k: 1, recordAccess: false });
    assert.equal(rare.results[0]?.text, "the dog note number 4321");
  });

  it("never throws on arbitrary query text (but a NUL, refused as input) and never returns another user's memories", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    const users = ["alice", "bob", "carol"];
    const words = [
      "tea",
      "coffee",
      "NEAR",
      "AND",
      "OR",
      "NOT",
      '"',
      "*",
      "(",
      ")",
      ":",
      "^",
      "-",
      "résumé",
      "日本",
    ];
    const inputs = [];
    for (let i = 0; i < 60; i++) {
      inputs.push({
        text: `${words[i % words.length]} ${words[(i * 7) % words.length]} note ${i}`,
        userId: users[i % users.length] as string,
      });
    }
    await engram.memories.addMany(agent.id, inputs);
    const other = await engram.agents.create({ name: "other" });
    await engram.memories.add(other.id, { text: "tea coffee note", userId: "alice" });
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(
            fc.string({ maxLength: 200 }),
            fc.string({ unit: "binary", maxLength: 60 }),
            fc.constantFrom(...words).map((w) => `${w} ${w}"`),
          )
          // A NUL is refused by input validation (no backend stores one), before search.
          .map((query) => query.replaceAll("\u0000", "")),
        fc.constantFrom(...users),
        async (query, userId) => {
          const response = await engram.search(agent.id, {
            query,
            userId,
            includeShared: false,
            k: 20,
            recordAccess: false,
          });
          for (const result of response.results) {
            assert.equal(result.memory?.userId, userId);
            assert.equal(result.memory?.agentId, agent.id);
          }
        },
      ),
      { numRuns: 150 },
    );
    const huge = "tea ".repeat(2600);
    const response = await engram.search(agent.id, { query: huge, userId: "bob", includeShared: false });
    assert.ok(response.results.every((r) => r.memory?.userId === "bob"));
  });
});

describe("hybrid search with embeddings", () => {
  it("fuses vector and lexical rankings and finds paraphrases lexical search misses", async () => {
    const engram = createTestEngram();
    const hybrid = createEngram({
      path: join(dir, "hybrid.db"),
      embedder: createHashEmbedder(64),
      generateId: createIdGenerator(),
    });
    await engram.close();
    const agent = await hybrid.agents.create({ name: "a" });
    await hybrid.memories.addMany(agent.id, [
      { text: "quarterly revenue grew strongly" },
      { text: "the cat sleeps on the sofa" },
    ]);
    const { results, warnings } = await hybrid.search(agent.id, { query: "revenue grew", k: 2 });
    assert.deepEqual(warnings, []);
    assert.equal(results[0]?.text, "quarterly revenue grew strongly");
    assert.equal(results[0]?.components.vectorRank, 1);
    assert.ok((results[0]?.components.vectorDistance ?? 1) < 0.6);
    const vectorOnly = await hybrid.search(agent.id, {
      query: "grew revenue",
      weights: { lexical: 0 },
      k: 1,
    });
    assert.equal(vectorOnly.results[0]?.components.vectorRank, 1);
    await hybrid.close();
  });

  it("refuses to start with a model whose dimension differs from the stored vectors", async () => {
    const path = join(dir, "dims.db");
    const first = createEngram({ path, embedder: createHashEmbedder(32) });
    await first.ready();
    await first.close();
    const second = createEngram({
      path,
      embedder: { id: "hash:32", embed: async (t) => t.map(() => new Float32Array(16).fill(0.25)) },
    });
    await assert.rejects(second.ready(), /32-dimension vectors, but the embedding model gives 16/);
    await second.close();
    const third = createEngram({ path, embedder: createHashEmbedder(48) });
    await assert.rejects(third.ready(), /made by embedding model hash:32, but hash:48 is configured/);
    await third.close();
  });

  it("stores the memory and warns when the embedding model fails", async () => {
    const failing = createEngram({
      path: ":memory:",
      embedder: {
        id: "broken",
        embed: async () => {
          throw new Error("connection refused");
        },
      },
    });
    const agent = await failing.agents.create({ name: "a" });
    const result = await failing.memories.addMany(agent.id, [{ text: "kept anyway" }]);
    assert.match(result.warnings[0] ?? "", /connection refused/);
    const response = await failing.search(agent.id, { query: "kept" });
    assert.equal(response.results[0]?.text, "kept anyway");
    assert.match(response.warnings[0] ?? "", /vector search skipped/);
    await failing.close();
  });

  it("embeds the query once, while the full-text search runs, for memories and messages alike", async () => {
    const hash = createHashEmbedder(32);
    const log: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const engram = createEngram({
      path: ":memory:",
      env: {},
      embedder: {
        id: hash.id,
        // A model behind an API, slow to answer the query.
        embed: async (texts) => {
          if (texts.includes("zebra crossing")) {
            log.push("embed");
            await gate;
          }
          return hash.embed(texts);
        },
      },
    });
    const agent = await engram.agents.create({ name: "a" });
    const zebra = await engram.memories.add(agent.id, { text: "a zebra crossing" });
    await engram.messages.append(agent.id, { role: "user", content: "the zebra crossing is closed" });
    const memories = engram.store.memories;
    const searchText = memories.searchText.bind(memories);
    memories.searchText = async (...args) => {
      log.push("searchText");
      return searchText(...args);
    };
    const response = engram.search(agent.id, { query: "zebra crossing", sources: ["memories", "messages"] });
    for (let i = 0; i < 1000 && !log.includes("searchText"); i++) await new Promise((r) => setImmediate(r));
    // The full-text search ran while the model had not answered yet, after the query was sent to it.
    assert.deepEqual(log, ["embed", "searchText"]);
    release();
    const { results, warnings } = await response;
    assert.deepEqual(warnings, []);
    assert.equal(log.filter((entry) => entry === "embed").length, 1, "embedded once for both sources");
    assert.equal(results[0]?.id, zebra.id);
    assert.ok(results.some((r) => r.source === "message" && r.components.vectorDistance !== null));
    await engram.close();
  });

  it("finds words that a search before they were written found nowhere", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.memories.add(agent.id, { text: "hello world" });
    assert.equal((await engram.search(agent.id, { query: "zebra" })).results.length, 0);
    const zebra = await engram.memories.add(agent.id, { text: "a zebra crossing" });
    assert.equal((await engram.search(agent.id, { query: "zebra" })).results[0]?.id, zebra.id);
    await engram.memories.update(agent.id, zebra.id, { text: "an okapi crossing" });
    assert.equal((await engram.search(agent.id, { query: "okapi" })).results[0]?.id, zebra.id);
  });
});
