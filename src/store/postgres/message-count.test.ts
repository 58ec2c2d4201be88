import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createEngram, type Engram } from "../../engram.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres, type TestPostgres } from "./test-server.ts";

const append = (engram: Engram, agentId: string, n: number) =>
  engram.messages.appendMany(
    agentId,
    Array.from({ length: n }, (_, i) => ({ role: "user" as const, content: `turn ${i}` })),
  );

/**
 * The message count conversation search weighs its feedback terms by, on PostgreSQL: counted again
 * once a tenth of it may have been appended, by this server or another (a message is indexed when
 * appended and again when later turns change its neighbours: up to three more per append here).
 */
describe("an agent's message count for ranking, on PostgreSQL", postgresSkip(), () => {
  let server: TestPostgres;
  let one: Engram;
  let two: Engram;

  before(async () => {
    server = await sharedTestPostgres();
    const database = `${server.url}?schema=${freshSchemaName()}`;
    one = createEngram({ database, embedder: null, env: {} });
    await one.ready();
    two = createEngram({ database, embedder: null, env: {} });
    await two.ready();
  });

  after(async () => {
    await one?.close();
    await two?.close();
    await server?.stop();
  });

  it("is counted again once a tenth of it may have been appended since, here or by another server", async () => {
    const agent = await one.agents.create({ name: "a" });
    await append(one, agent.id, 100);
    assert.equal(await one.store.messages.countForRanking(agent.id), 100);
    // Two messages: five indexed (the two, and three earlier turns again), under a tenth of 100.
    await append(one, agent.id, 2);
    assert.equal(await one.store.messages.countForRanking(agent.id), 100, "2 of 100: not yet");
    await append(two, agent.id, 5);
    assert.equal(await one.store.messages.countForRanking(agent.id), 107, "seen from the other server");
    assert.equal(await one.store.messages.count(agent.id), 107);
    assert.equal(await two.store.messages.countForRanking(agent.id), 107);
  });
});
