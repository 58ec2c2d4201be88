import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { testApp } from "./test-support.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../transfer/peers/fixtures/${name}`, import.meta.url), "utf8"));

describe("POST /v1/import from peers", () => {
  test("a raw Letta agent file becomes an agent, with the report beside it", async () => {
    const t = testApp();
    const reply = await t.post("/v1/import", fixture("letta-older.af"));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.name, "memgpt_agent");
    assert.equal(reply.body.instructions, "You are MemGPT.");
    assert.equal(reply.body.report.from, "letta");
    assert.equal(reply.body.report.counts.messages, 2);
    assert.ok(reply.body.report.notes.some((n: string) => n.includes("archival_memory_search")));
    const messages = await t.get(`/v1/agents/${reply.body.id}/messages`);
    assert.deepEqual(
      messages.body.items.map((m: { role: string; content: string }) => [m.role, m.content]),
      [
        ["user", "Hi, I'm Chad."],
        ["assistant", "Hello Chad!"],
      ],
    );
  });

  test("a Mem0 list, raw with ?from=mem0&name=, or wrapped with from and name in the body", async () => {
    const t = testApp();
    const raw = await t.post("/v1/import?from=mem0&name=prefs", fixture("mem0-list.json"));
    assert.equal(raw.status, 201, JSON.stringify(raw.body));
    assert.equal(raw.body.name, "prefs");
    const wrapped = await t.post("/v1/import", {
      document: fixture("mem0-get-all.json"),
      from: "mem0",
      name: "travel",
    });
    assert.equal(wrapped.status, 201, JSON.stringify(wrapped.body));
    const memories = await t.get(`/v1/agents/${wrapped.body.id}/memories?userId=alice`);
    assert.deepEqual(
      memories.body.items.map((m: { text: string }) => m.text),
      ["Likes to play cricket on weekends"],
    );
    const taken = await t.post("/v1/import?name=prefs", fixture("mem0-list.json"));
    assert.equal(taken.status, 409);
    assert.match(taken.body.error.message, /prefs/);
  });

  test("malformed files are 400 naming the field, and write nothing", async () => {
    const t = testApp();
    const mem0 = fixture("mem0-get-all.json");
    delete mem0.results[0].memory;
    const noText = await t.post("/v1/import", mem0);
    assert.equal(noText.status, 400);
    assert.match(noText.body.error.message, /invalid Mem0 export: results\.0\.memory: required/);
    const letta = fixture("letta-current.af");
    delete letta.blocks[1].label;
    const noLabel = await t.post("/v1/import", { document: letta });
    assert.equal(noLabel.status, 400);
    assert.match(noLabel.body.error.message, /invalid Letta agent file: blocks\.1\.label: required/);
    const unknown = await t.post("/v1/import", { hello: "world" });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /engram export .*Letta agent file .*Mem0 export/);
    const badFrom = await t.post("/v1/import?from=zep", fixture("mem0-list.json"));
    assert.equal(badFrom.status, 400);
    assert.match(badFrom.body.error.message, /from/);
    assert.deepEqual((await t.get("/v1/agents")).body.items, []);
  });
});
