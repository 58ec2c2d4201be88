import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { failure, state, useMcpTestbed } from "./test-support.ts";

const t = useMcpTestbed();

/** `{"x":[[…]]}`: an object nested `depth` levels, counting itself. */
function nested(depth: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = 1; i < depth; i++) value = [value];
  return { x: value };
}

const step = { observation: "o", availableActions: ["a"], action: "a", reward: 1 };

describe("MCP tool arguments", () => {
  it("refuses a lone surrogate in any argument as a tool error naming the field, and changes nothing", async () => {
    const agent = await t.engram.agents.create({ name: "helper" });
    const client = await t.connect("helper");
    const before = await state(t.engram, agent.id);
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        "memory_insert",
        { text: "note \ud800" },
        /invalid_input: .*text: contains a lone surrogate \(U\+D800\) at index 5/,
      ],
      [
        "memory_insert",
        { text: "x", tags: ["\udc00"] },
        /tags\.0: contains a lone surrogate \(U\+DC00\) at index 0/,
      ],
      [
        "block_edit",
        { edits: [{ op: "append", label: "persona", text: "kind" }], message: "note \ud800" },
        /message: contains a lone surrogate \(U\+D800\) at index 5/,
      ],
      [
        "message_append",
        { role: "user", content: "hi \ud83d" },
        /content: contains a lone surrogate \(U\+D83D\) at index 3/,
      ],
      [
        "episode_record",
        { task: "t", steps: [step], metadata: { "k\ud800": 1 } },
        /a key contains a lone surrogate \(U\+D800\) at index 1 at metadata/,
      ],
    ];
    for (const [tool, args, message] of cases) assert.match(await failure(client, tool, args), message, tool);
    assert.deepEqual(await state(t.engram, agent.id), before);
  });

  it("refuses metadata nested deeper than the limit, however deep, and changes nothing", async () => {
    const agent = await t.engram.agents.create({ name: "helper" });
    const client = await t.connect("helper");
    const before = await state(t.engram, agent.id);
    for (const depth of [65, 5000]) {
      const text = await failure(client, "episode_record", {
        task: "t",
        steps: [step],
        metadata: nested(depth),
      });
      assert.match(text, /nested deeper than 64 levels at metadata/, `depth ${depth}`);
    }
    assert.deepEqual(await state(t.engram, agent.id), before);
  });
});
