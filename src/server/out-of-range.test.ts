import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testApp } from "./test-support.ts";

describe("values out of range over HTTP", () => {
  it("a contextWindow out of range is 400 saying the range, not that it is no number", async () => {
    const t = testApp();
    const agent = await t.agent();
    const small = await t.get(`/v1/agents/${agent.id}/context?contextWindow=500`);
    assert.equal(small.status, 400);
    assert.equal(small.body.error.message, "invalid query: contextWindow: must be at least 1024");
    const large = await t.get(`/v1/agents/${agent.id}/context?contextWindow=99999999999`);
    assert.equal(large.status, 400);
    assert.equal(large.body.error.message, "invalid query: contextWindow: must be at most 10,000,000");
    const word = await t.get(`/v1/agents/${agent.id}/context?contextWindow=abc`);
    assert.equal(word.body.error.message, "invalid query: contextWindow: must be a number");
    assert.deepEqual(t.internalErrors, []);
  });

  it("a validFrom whose offset carries it past the year 9999 is 400 naming it, and nothing is written", async () => {
    const t = testApp();
    const agent = await t.agent();
    const before = await t.state(agent.id);
    const reply = await t.post(`/v1/agents/${agent.id}/memories`, {
      memories: [
        { text: "Ada lives in Rome", key: "user.city", userId: "ada" },
        {
          text: "Ada lives on Pluto",
          key: "user.city",
          userId: "ada",
          validFrom: "9999-12-31T23:00:00-05:00",
        },
      ],
    });
    assert.equal(reply.status, 400);
    assert.equal(
      reply.body.error.message,
      "invalid request body: memories.1.validFrom: must fall in the years 0000 to 9999 in UTC (its offset carries it out of them)",
    );
    assert.deepEqual(await t.state(agent.id), before);
    const list = await t.get(`/v1/agents/${agent.id}/memories?validAt=0000-01-01T00:30:00%2B01:00`);
    assert.equal(list.status, 400);
    assert.match(
      list.body.error.message,
      /^invalid query: validAt: must fall in the years 0000 to 9999 in UTC/,
    );
    assert.deepEqual(t.internalErrors, []);
  });
});
