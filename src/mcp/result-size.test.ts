import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { MAX_RESULT_TEXT } from "../core/input-limits.ts";
import { call, failure, useMcpTestbed } from "./test-support.ts";

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

  it("lets a message cut short be read whole with message_read, piece by piece, and only the agent's own", async () => {
    const agent = await t.engram.agents.create({ name: "reader" });
    const other = await t.engram.agents.create({ name: "other" });
    // Astral characters all through, so that pieces must not split a surrogate pair.
    const content = `Grace Hopper ${"🙂 cobol ".repeat(1_500)}end`;
    const [message] = await t.engram.messages.appendMany(agent.id, [{ role: "user", content }]);
    const [theirs] = await t.engram.messages.appendMany(other.id, [{ role: "user", content: "secret" }]);
    const client = await t.connect("reader");

    const found = await call(client, "conversation_search", { query: "Grace Hopper cobol" });
    assert.equal(found.results[0].truncated, true);
    let whole = "";
    let pieces = 0;
    for (let offset: number | null = 0; offset !== null; pieces++) {
      const piece = await call(client, "message_read", { id: message?.id, offset });
      assert.equal(piece.offset, offset);
      assert.equal(piece.chars, content.length);
      assert.ok(piece.message.content.length <= MAX_RESULT_TEXT);
      assert.equal(piece.message.content, piece.message.content.toWellFormed());
      whole += piece.message.content;
      offset = piece.nextOffset;
    }
    assert.equal(whole, content);
    // A piece one short of 4,000 (not to split a pair) may make one piece more than the least.
    const least = Math.ceil(content.length / MAX_RESULT_TEXT);
    assert.ok(pieces === least || pieces === least + 1, `${pieces} pieces for ${content.length} characters`);

    // An offset inside a surrogate pair starts at its first half.
    const inside = content.indexOf("🙂") + 1;
    const mid = await call(client, "message_read", { id: message?.id, offset: inside });
    assert.equal(mid.offset, inside - 1);
    assert.ok(mid.message.content.startsWith("🙂"));

    assert.match(
      await failure(client, "message_read", { id: message?.id, offset: content.length + 1 }),
      /offset: \d+ is past the message's end/,
    );
    assert.match(await failure(client, "message_read", { id: theirs?.id }), /not found/);
    assert.equal(
      (await call(client, "message_read", { id: theirs?.id, agent: "other" })).message.content,
      "secret",
    );
  });
});

describe("block_read", () => {
  it("cuts a long block at the bound, never inside a surrogate pair, and reads on at one commit", async () => {
    const agent = await t.engram.agents.create({ name: "keeper" });
    // The bound falls between the halves of the first emoji.
    const value = `${"a".repeat(MAX_RESULT_TEXT - 1)}${"🙂 notes ".repeat(1_000)}end`;
    await t.engram.blocks.set(agent.id, "notes", value, { limit: 20_000 });
    const client = await t.connect("keeper");

    const first = await call(client, "block_read", { label: "notes" });
    assert.equal(first.block.value.length, MAX_RESULT_TEXT - 1);
    assert.ok(/^a+$/.test(first.block.value));
    assert.equal(first.offset, 0);
    assert.equal(first.nextOffset, MAX_RESULT_TEXT - 1);
    assert.equal(first.chars, value.length);
    assert.equal(first.block.size, [...value].length);

    // An edit between pieces does not mix versions: reading on at the first piece's commit.
    await t.engram.blocks.set(agent.id, "notes", "rewritten");
    let whole = first.block.value;
    for (let offset: number | null = first.nextOffset; offset !== null; ) {
      const piece = await call(client, "block_read", { label: "notes", offset, at: first.commit });
      assert.equal(piece.offset, offset);
      assert.equal(piece.commit, first.commit);
      assert.ok(piece.block.value.length <= MAX_RESULT_TEXT);
      assert.equal(piece.block.value, piece.block.value.toWellFormed());
      whole += piece.block.value;
      offset = piece.nextOffset;
    }
    assert.equal(whole, value);

    const mid = await call(client, "block_read", {
      label: "notes",
      offset: MAX_RESULT_TEXT,
      at: first.commit,
    });
    assert.equal(mid.offset, MAX_RESULT_TEXT - 1);
    assert.ok(mid.block.value.startsWith("🙂"));
    assert.match(
      await failure(client, "block_read", { label: "notes", offset: value.length + 1, at: first.commit }),
      /offset: \d+ is past the block's end/,
    );

    const short = await call(client, "block_read", { label: "notes" });
    assert.deepEqual(
      { value: short.block.value, offset: short.offset, nextOffset: short.nextOffset, chars: short.chars },
      { value: "rewritten", offset: 0, nextOffset: null, chars: 9 },
    );
  });
});

describe("block_list and block_edit", () => {
  /** The value block_read gives piece by piece from `offset` at `commit`, joined to `start`. */
  async function readOn(client: Parameters<typeof call>[0], start: string, offset: number, commit: string) {
    let whole = start;
    for (let next: number | null = offset; next !== null; ) {
      const piece = await call(client, "block_read", { label: "notes", offset: next, at: commit });
      whole += piece.block.value;
      next = piece.nextOffset;
    }
    return whole;
  }

  it("cut a long value at the bound, saying so and where block_read reads on", async () => {
    const agent = await t.engram.agents.create({ name: "lister" });
    const value = `${"b".repeat(MAX_RESULT_TEXT - 1)}${"🙂 notes ".repeat(2_000)}end`;
    await t.engram.blocks.set(agent.id, "notes", value, { limit: 30_000 });
    await t.engram.blocks.set(agent.id, "human", "Name: Ada");
    const client = await t.connect("lister");

    const listed = await call(client, "block_list");
    const notes = listed.blocks.find((b: { label: string }) => b.label === "notes");
    assert.deepEqual(
      { length: notes.value.length, truncated: notes.truncated, chars: notes.chars, next: notes.nextOffset },
      { length: MAX_RESULT_TEXT - 1, truncated: true, chars: value.length, next: MAX_RESULT_TEXT - 1 },
    );
    assert.equal(notes.size, [...value].length);
    const human = listed.blocks.find((b: { label: string }) => b.label === "human");
    assert.deepEqual([human.value, human.truncated, human.nextOffset], ["Name: Ada", undefined, undefined]);
    assert.equal(await readOn(client, notes.value, notes.nextOffset, listed.commit), value);

    const edited = await call(client, "block_edit", {
      edits: [{ op: "append", label: "notes", text: "more" }],
    });
    const [after] = edited.blocks;
    assert.equal(after.label, "notes");
    assert.equal(after.truncated, true);
    assert.ok(after.value.length <= MAX_RESULT_TEXT);
    assert.equal(after.chars, value.length + "\nmore".length);
    assert.equal(await readOn(client, after.value, after.nextOffset, edited.commit), `${value}\nmore`);

    const size = await wireSize(client.callTool({ name: "block_list", arguments: {} }));
    assert.ok(size < 3 * MAX_RESULT_TEXT, `block_list answered ${size} characters`);
  });
});
