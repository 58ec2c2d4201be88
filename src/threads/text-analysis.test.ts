import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { indexTerms, joinedTerms } from "../core/text.ts";
import { extractEntities } from "../graph/entity-extractor.ts";
import { startOnThread } from "./helper-thread.ts";
import { analyseTexts } from "./text-analysis.ts";
import { outputOnceExited } from "./thread-test-support.ts";

const texts = Array.from(
  { length: 120 },
  (_, i) =>
    `Note ${i}: Ada Lovelace met Bea in Lisbon on 3 May 2021 and joined "The Analytical Society" — Ørsted, naïve café ${"running ".repeat(i % 4)}`,
);
texts.push("", "a", "the of and", "\ud800 lone surrogate", "Zoë went to São Paulo.");

describe("text analysis on the helper thread", () => {
  it("gives each text the terms and entities it gets inline", () => {
    const analyses = analyseTexts(texts);
    // Asked in any order; each is the text's own analysis.
    for (const i of [5, 0, texts.length - 1, ...texts.keys()]) {
      const text = texts[i] as string;
      assert.equal(analyses.terms(i, text), indexTerms(text).join(" "));
      assert.deepEqual(analyses.facts(i, text), extractEntities(text));
    }
    assert.equal(analyses.terms(texts.length - 5, ""), "");
  });

  it("analyses here a text the caller changed, and small batches inline, alike", () => {
    const analyses = analyseTexts(texts);
    const other = "Grace Hopper lives in Arlington.";
    assert.equal(analyses.terms(3, other), "grace hopper live arlington");
    assert.deepEqual(analyses.facts(3, other), extractEntities(other));
    const small = analyseTexts(texts.slice(0, 3));
    assert.equal(small.terms(1, texts[1] as string), joinedTerms(texts[1] as string));
    assert.deepEqual(small.facts(1, texts[1] as string), extractEntities(texts[1] as string));
  });

  it("settles asynchronously, after which its results are the same", async () => {
    const analyses = analyseTexts(texts);
    await analyses.settled();
    assert.equal(analyses.terms(7, texts[7] as string), joinedTerms(texts[7] as string));
    assert.deepEqual(analyses.facts(7, texts[7] as string), extractEntities(texts[7] as string));
    // Inline batches settle at once.
    await analyseTexts(texts.slice(0, 2)).settled();
  });

  it("gives null for a task that fails on the thread, so that the caller computes the result", async () => {
    const failing = startOnThread("hashVectors", { texts: ["a"], dimensions: -1 });
    assert.ok(failing !== null, "the thread runs here");
    assert.equal(failing.wait(), null);
    assert.equal(await failing.settled(), null, "and stays failed");
    // The thread goes on serving.
    const next = startOnThread("entities", { texts: ["Ada met Bea."] });
    assert.deepEqual(next?.wait(), [extractEntities("Ada met Bea.")]);
  });

  it("hands a task to a thread that is up only, starting one that is not for later tasks", () => {
    const here = (file: string) => JSON.stringify(new URL(file, import.meta.url).href);
    const script = `
      import { startOnReadyThread } from ${here("./helper-thread.ts")};
      import { extractEntities } from ${here("../graph/entity-extractor.ts")};
      const input = { texts: ["Ada met Bea in Lisbon."] };
      const first = startOnReadyThread("entities", input);
      let later = null;
      for (let i = 0; i < 500 && later === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        later = startOnReadyThread("entities", input);
      }
      const same = JSON.stringify(later?.wait()) === JSON.stringify([extractEntities(input.texts[0])]);
      console.log(first === null, same);
    `;
    assert.equal(outputOnceExited(script), "true true");
  });

  it("lets the process exit once its tasks are done, whether or not they were waited for", () => {
    const script = `
      import { analyseTexts } from ${JSON.stringify(new URL("./text-analysis.ts", import.meta.url).href)};
      const texts = Array.from({ length: 500 }, (_, i) => "Ada met Bea in Lisbon, note " + i);
      analyseTexts(texts);
      const analyses = analyseTexts(texts);
      console.log(analyses.terms(499, texts[499]), analyses.facts(0, texts[0]).entities.length);
    `;
    assert.equal(outputOnceExited(script), "ada met bea lisbon note 499 3");
  });
});
