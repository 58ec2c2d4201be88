import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { MAX_MESSAGE_CHARS } from "../memory/messages/message-service.ts";
import { MAX_RESULT_TEXT } from "./memory-tools.ts";
import { call, useMcpTestbed } from "./test-support.ts";

const t = useMcpTestbed();

/** The size of a tool result as it goes over the wire, text and structured content together. */
async function wireSize(result: Promise<unknown>): Promise<number> {
  return JSON.stringify((await result) as CallToolResult).length;
}

describe("the MCP server's results", () => {
  it("stay far below a megabyte when long messages match: each text is cut and says so", async () => {
    const agent = await t.engram.agents.create({ name: "helper" });
    // Distinct words, so that search does not fold the messages together as near-duplicates.
    const long = (i: number) =>
      `Ada Lovelace likes tea. ${Array.from({ length: 20_000 }, (_, j) => `w${i}x${j}`).join(" ")}`.slice(
        0,
        MAX_MESSAGE_CHARS,
      );
    for (let i = 0; i < 50; i++) await t.engram.messages.append(agent.id, { role: "user", content: long(i) });
    await t.engram.messages.append(agent.id, { role: "user", content: "short tea" });
    const client = await t.connect("helper");

    const found = await call(client, "conversation_search", { query: "tea", limit: 50 });
    assert.equal(found.results.length, 50);
    for (const r of found.results) {
      if (r.content === "short tea") {
        assert.equal(r.truncated, undefined);
        continue;
      }
      assert.equal(r.content.length, MAX_RESULT_TEXT);
      assert.ok(r.content.startsWith("Ada Lovelace likes tea. w"));
      assert.equal(r.truncated, true);
      assert.equal(r.chars, MAX_MESSAGE_CHARS);
    }
    const size = await wireSize(
      client.callTool({ name: "conversation_search", arguments: { query: "tea", limit: 50 } }),
    );
    assert.ok(size < 1024 * 1024, `conversation_search answered ${size} characters`);

    const entity = await call(client, "entity_lookup", { name: "Ada Lovelace" });
    const texts = entity.mentions.filter((m: { text?: string }) => m.text !== undefined);
    assert.ok(texts.length > 0);
    for (const m of texts) assert.ok(m.text.length <= MAX_RESULT_TEXT, `a mention text of ${m.text.length}`);
    const lookup = await wireSize(
      client.callTool({ name: "entity_lookup", arguments: { name: "Ada Lovelace" } }),
    );
    assert.ok(lookup < 256 * 1024, `entity_lookup answered ${lookup} characters`);
  });
});
