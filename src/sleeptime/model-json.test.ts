import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { parseModelJson } from "./model-json.ts";

const schema = z.object({ memories: z.array(z.object({ text: z.string() })) });

describe("parseModelJson", () => {
  it("takes the JSON object out of a fenced answer", () => {
    const answer = 'Here:\n```json\n{"memories":[{"text":"likes tea 🍵"}]}\n```';
    assert.deepEqual(parseModelJson(answer, schema, "reflect"), { memories: [{ text: "likes tea 🍵" }] });
  });

  it("finds unusable an answer that storage could not keep as given, naming where", () => {
    assert.throws(
      () => parseModelJson('{"memories":[{"text":"tea \\ud800"}]}', schema, "reflect"),
      /sleep-time reflect: the model's answer is unusable: memories\.0\.text: contains a lone surrogate \(U\+D800\) at index 4/,
    );
    const deep = `{"memories":[{"text":"t","x":${"[".repeat(10_000)}${"]".repeat(10_000)}}]}`;
    assert.throws(
      () => parseModelJson(deep, schema, "reflect"),
      /memories\.0\.x\.0\.0\.0…: nested deeper than 128 levels/,
    );
  });
});
