import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startOnThread } from "../threads/helper-thread.ts";
import { extractEntities } from "./entity-extractor.ts";
import { isOrdinaryWord } from "./ordinary-words.ts";

describe("ordinary words", () => {
  it("holds the words the list has lower-case, not the names it has capitalised or lacks", () => {
    for (const word of ["invoices", "refunds", "prefers", "will", "follow-up"])
      assert.ok(isOrdinaryWord(word), word);
    for (const word of ["john", "berlin", "caroline", "rose", "bea", "ada", "jean-luc", "Invoices"])
      assert.ok(!isOrdinaryWord(word), word);
  });

  it("is read on the helper thread too, which extracts what the caller would", () => {
    const texts = [
      "Invoices go out on the 5th of each month",
      "Refunds over 500 EUR go to a human.",
      "Bea moved.",
    ];
    const task = startOnThread("entities", { texts });
    assert.ok(task !== null, "the thread runs here");
    assert.deepEqual(
      task.wait(),
      texts.map((text) => extractEntities(text)),
    );
  });
});
