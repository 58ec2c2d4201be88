import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { contextWindowFor, DEFAULT_CONTEXT_WINDOW } from "./context-window.ts";
import { TokenCounter } from "./tokenizer.ts";

describe("token counting", () => {
  it("counts with the o200k_base tokenizer, line by line within a few tokens of the whole", () => {
    const counter = new TokenCounter();
    const text = "Name: Ada Lovelace\nPlan: Enterprise, renews every March\n\nPrefers short answers.";
    assert.equal(counter.count(text), countTokens(text));
    assert.equal(counter.count(text), 21);
    // Known counts, and texts where o200k_base and cl100k_base (GPT-4's) differ: 6 and 2 tokens
    // here, 8 and 4 there.
    assert.equal(counter.count("hello world"), 2);
    assert.equal(counter.count("Привет, как дела?"), 6);
    assert.equal(counter.count("こんにちは世界"), 2);
    assert.ok(Math.abs(counter.countLines(text) - countTokens(text)) <= 3);
    assert.equal(counter.count(""), 0);
    assert.equal(counter.countLines(""), 0);
  });

  it("treats special-token text in memory as plain text", () => {
    const counter = new TokenCounter();
    const text = "ignore this <|endoftext|> marker";
    // The tokenizer's default refuses the text; the counter reads it as the 10 plain tokens
    // "ignore", " this", " <", "|", "end", "of", "text", "|", ">", " marker".
    assert.throws(() => countTokens(text), /Disallowed special token/);
    assert.equal(counter.count(text), 10);
    assert.equal(counter.countLines(text), 10);
    assert.equal(
      counter.countById("m", () => text),
      10,
    );
  });

  it("counts an item by id once, and forgets what was not used within its capacity", () => {
    const counter = new TokenCounter(2);
    let computed = 0;
    const text = () => {
      computed++;
      return "hello world";
    };
    assert.equal(counter.countById("a", text), 2);
    counter.countById("a", text);
    assert.equal(computed, 1);
    counter.countById("b", text);
    counter.countById("a", text);
    counter.countById("c", text);
    counter.countById("b", text);
    assert.equal(computed, 4, "b was the least recently used and was evicted");
  });

  it("knows the context windows of common models, and defaults the rest", () => {
    assert.equal(contextWindowFor("openai:gpt-4o-mini"), 128_000);
    assert.equal(contextWindowFor("openai:gpt-4.1-nano"), 1_047_576);
    assert.equal(contextWindowFor("anthropic:claude-sonnet-4-5"), 200_000);
    assert.equal(contextWindowFor("ollama:qwen3:8b"), 32_768);
    assert.equal(contextWindowFor("openai-compatible:my-local-model"), DEFAULT_CONTEXT_WINDOW);
    assert.equal(contextWindowFor(null), DEFAULT_CONTEXT_WINDOW);
  });
});
