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

  it("an empty span of times is 400 naming its end; an offset's + sent unencoded is named as such", async () => {
    const t = testApp();
    const agent = await t.agent();
    await t.post(`/v1/agents/${agent.id}/memories`, { text: "Ada lives in Rome" });
    const memories = await t.get(
      `/v1/agents/${agent.id}/memories?createdAfter=2026-02-01&createdBefore=2026-01-01`,
    );
    assert.equal(memories.status, 400);
    assert.equal(
      memories.body.error.message,
      "invalid memory list: createdBefore: must be later than createdAfter (2026-02-01T00:00:00.000Z): no time is at or after one and before the other",
    );
    const messages = await t.get(`/v1/agents/${agent.id}/messages?after=2026-01-01&before=2026-01-01`);
    assert.equal(messages.status, 400);
    assert.match(messages.body.error.message, /^invalid message list: before: must be later than after /);
    const search = await t.post(`/v1/agents/${agent.id}/search`, {
      query: "Rome",
      after: "2026-03-01T00:00:00Z",
      before: "2026-02-01T00:00:00Z",
    });
    assert.equal(search.status, 400);
    assert.match(search.body.error.message, /^invalid search: before: must be later than after /);
    const plus = await t.get(`/v1/agents/${agent.id}/memories?validAt=2026-01-01T10:00:00+02:00`);
    assert.equal(plus.status, 400);
    assert.match(
      plus.body.error.message,
      /validAt: .*a space stands where the offset's \+ was: in a URL's query, send \+ as %2B$/,
    );
    const encoded = await t.get(`/v1/agents/${agent.id}/memories?validAt=2026-01-01T10:00:00%2B02:00`);
    assert.equal(encoded.status, 200);
    assert.deepEqual(t.internalErrors, []);
  });
});
