import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { indexTerms } from "../core/text.ts";
import { extractEntities } from "../graph/entity-extractor.ts";
import { startOnThread } from "./helper-thread.ts";
import { analyseText, analyseTexts } from "./text-analysis.ts";

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
      const analysis = analyses.at(i, text);
      assert.equal(analysis.terms, indexTerms(text).join(" "));
      assert.deepEqual(analysis.facts, extractEntities(text));
    }
    assert.equal(analyses.at(texts.length - 5, "").terms, "");
  });

  it("analyses here a text the caller changed, and small batches inline, alike", () => {
    const analyses = analyseTexts(texts);
    assert.deepEqual(
      analyses.at(3, "Grace Hopper lives in Arlington."),
      analyseText("Grace Hopper lives in Arlington."),
    );
    const small = analyseTexts(texts.slice(0, 3));
    assert.deepEqual(small.at(1, texts[1] as string), analyseText(texts[1] as string));
    assert.deepEqual(
      analyseText("Bea moved to Lisbon").facts.entities.map((e) => e.name),
      ["Bea", "Lisbon"],
    );
  });

  it("gives null for a task that fails on the thread, so that the caller computes the result", async () => {
    const failing = startOnThread("hashVectors", { texts: ["a"], dimensions: -1 });
    assert.ok(failing !== null, "the thread runs here");
    assert.equal(failing.wait(), null);
    assert.equal(await failing.settled(), null, "and stays failed");
    // The thread goes on serving.
    const next = startOnThread("analyseTexts", { texts: ["Ada met Bea."] });
    assert.deepEqual(next?.wait(), [analyseText("Ada met Bea.")]);
  });

  it("lets the process exit once its tasks are done, whether or not they were waited for", () => {
    const script = `
      import { analyseTexts } from ${JSON.stringify(new URL("./text-analysis.ts", import.meta.url).href)};
      const texts = Array.from({ length: 500 }, (_, i) => "Ada met Bea in Lisbon, note " + i);
      analyseTexts(texts);
      const analyses = analyseTexts(texts);
      console.log(analyses.at(499, texts[499]).terms);
    `;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(run.error, undefined, "it exits by itself");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "ada met bea lisbon note 499");
  });
});
