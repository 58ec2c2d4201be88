import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { MAX_RESULT_TEXT } from "./memory-tools.ts";
import { call, useMcpTestbed } from "./test-support.ts";

const t = useMcpTestbed();

/** The size of a tool result as it goes over the wire, text and structured content together. */
async function wireSize(result: Promise<unknown>): Promise<number> {
  return JSON.stringify((await result) as CallToolResult).length;
}

describe("the MCP server's results", () => {
  it("stay small when long messages match: each text is cut and says so", async () => {
    const agent = await t.engram.agents.create({ name: "helper" });
    // Distinct words, so that search does not fold the messages together as near-duplicates.
    const chars = 5 * MAX_RESULT_TEXT;
    const long = (i: number) =>
      `Ada Lovelace likes tea. ${Array.from({ length: chars / 4 }, (_, j) => `w${i}x${j}`).join(" ")}`.slice(
        0,
        chars,
      );
    await t.engram.messages.appendMany(agent.id, [
      ...Array.from({ length: 12 }, (_, i) => ({ role: "user" as const, content: long(i) })),
      { role: "user", content: "short tea" },
    ]);
    const client = await t.connect("helper");

    const found = await call(client, "conversation_search", { query: "tea", limit: 20 });
    assert.equal(found.results.length, 13);
    for (const r of found.results) {
      if (r.content === "short tea") {
        assert.equal(r.truncated, undefined);
        continue;
      }
      assert.equal(r.content.length, MAX_RESULT_TEXT);
      assert.ok(r.content.startsWith("Ada Lovelace likes tea. w"));
      assert.equal(r.truncated, true);
      assert.equal(r.chars, chars);
    }
    const size = await wireSize(
      client.callTool({ name: "conversation_search", arguments: { query: "tea", limit: 20 } }),
    );
    // Whole, the twelve texts would be 240,000 characters, sent twice.
    assert.ok(size < 150_000, `conversation_search answered ${size} characters`);

    const entity = await call(client, "entity_lookup", { name: "Ada Lovelace" });
    const texts = entity.mentions.filter((m: { text?: string }) => m.text !== undefined);
    assert.ok(texts.length > 0);
    for (const m of texts) assert.ok(m.text.length <= MAX_RESULT_TEXT, `a mention text of ${m.text.length}`);
    const lookup = await wireSize(
      client.callTool({ name: "entity_lookup", arguments: { name: "Ada Lovelace" } }),
    );
    assert.ok(lookup < 100_000, `entity_lookup answered ${lookup} characters`);
  });
});
