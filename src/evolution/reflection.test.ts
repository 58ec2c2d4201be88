import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderBlocks, renderInstructions } from "../agent/context-render.ts";
import { InvalidInputError } from "../core/errors.ts";
import { diffContexts, type LearnedContext, systemPrompt, withComponent } from "./learned-context.ts";
import { mergeContexts, parseRevision, reflectionPrompt, type Trace } from "./reflection.ts";

const seed: LearnedContext = {
  instructions: "Be brief.",
  blocks: [
    { label: "persona", description: "who the agent is", value: "A tutor.", limit: 100, readOnly: false },
    { label: "policy", description: "", value: "Never guess.", limit: 100, readOnly: true },
  ],
  insights: ["Check units."],
};

const trace = (passed: boolean, input: string): Trace => ({
  task: { id: input, kind: "text", input, checker: "exact", expected: "x", params: {}, split: "train" },
  attempt: {
    taskId: input,
    score: passed ? 1 : 0,
    passed,
    output: `answer to ${input}`,
    feedback: passed ? "correct" : "expected x",
  },
});

describe("learned context and reflection", () => {
  it("renders the context as the runtime renders it: instructions, blocks with sizes, numbered rules", () => {
    assert.equal(
      systemPrompt(seed),
      [
        "<instructions>\nBe brief.\n</instructions>",
        "",
        "<memory_blocks>",
        renderBlocks([], []).split("\n")[1],
        '<block label="persona" chars="8/100">\n<description>who the agent is</description>\n<value>\nA tutor.\n</value>\n</block>',
        '<block label="policy" chars="12/100" read_only="true">\n<value>\nNever guess.\n</value>\n</block>',
        "</memory_blocks>",
        "",
        "<insights>\nRules learned from experience, best supported first:\n1. Check units.\n</insights>",
      ].join("\n"),
    );
    // An empty context is what the runtime shows an agent with nothing learned yet.
    assert.equal(
      systemPrompt({ instructions: "", blocks: [], insights: [] }),
      `${renderInstructions("")}\n\n${renderBlocks([], [])}`,
    );
  });

  it("replaces components, parsing rules and refusing values over a block's limit", () => {
    const rules = withComponent(seed, "insights", "1. Check units.\n- Show work\n\n* check units");
    assert.deepEqual(rules.insights, ["Check units.", "Show work"]);
    assert.throws(() => withComponent(seed, "block:persona", "x".repeat(101)), InvalidInputError);
    const created = withComponent(seed, "block:exemplars", "Input: a\nAnswer: b");
    assert.equal(created.blocks.at(-1)?.label, "exemplars");
    assert.deepEqual(
      diffContexts(seed, created).map((c) => c.component),
      ["block:exemplars"],
    );
  });

  it("asks for a revision with failures first and reads it from a fenced block", () => {
    const prompt = reflectionPrompt(seed, "block:persona", [trace(true, "easy"), trace(false, "hard")]);
    assert.match(prompt, /Revise one part of it: the memory block "persona" \(who the agent is\)\./);
    assert.ok(prompt.indexOf("## Example 1 (failed, score 0)\nTask:\nhard") > 0);
    assert.ok(prompt.indexOf("## Example 2 (passed, score 1)\nTask:\neasy") > prompt.indexOf("Example 1"));
    assert.match(prompt, /```\nA tutor\.\n```/);
    assert.equal(
      parseRevision("Sure:\n```text\nA patient tutor.\nAsks questions.\n```\nDone."),
      "A patient tutor.\nAsks questions.",
    );
    assert.equal(parseRevision("  A patient tutor. "), "A patient tutor.");
  });

  it("merges two descendants component by component (GEPA's merge)", () => {
    const a = withComponent(seed, "instructions", "Be brief and exact.");
    const b = withComponent(seed, "block:persona", "A patient tutor.");
    const merged = mergeContexts(seed, a, b);
    assert.equal(merged?.instructions, "Be brief and exact.");
    assert.equal(merged?.blocks[0]?.value, "A patient tutor.");
    assert.equal(mergeContexts(seed, a, a), null, "nothing to gain");
    assert.equal(mergeContexts(seed, a, seed), null);
  });
});
