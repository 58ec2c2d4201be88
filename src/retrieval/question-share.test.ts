import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { questionShare } from "./question-share.ts";

describe("questionShare", () => {
  it("is 1 for a question, 0 for a statement, and the asking words' share for a mix", () => {
    assert.equal(questionShare("Do you still paint landscapes?"), 1);
    assert.equal(questionShare("I painted a horse last week."), 0);
    // "painted horse last week" (4 terms) state; "paint landscapes" (2 terms) ask.
    assert.equal(questionShare("I painted a horse last week. Do you paint landscapes?"), 2 / 6);
  });

  it("reads a question mark inside closing quotes or brackets, and one that ends a sentence mid-text", () => {
    assert.equal(questionShare('She asked "where is the station?"'), 1);
    assert.equal(questionShare("Was it the blue one (the cheap one?)"), 1);
    // "sign said" asks; "nothing" states.
    assert.equal(questionShare("The sign said what? Nothing at all."), 2 / 3);
    // "café open" asks; "yes", "opens nine" state.
    assert.equal(questionShare("Is the café open? Yes! It opens at nine."), 2 / 5);
  });

  it("is 0 for text without index terms", () => {
    assert.equal(questionShare(""), 0);
    assert.equal(questionShare("Why? How?"), 0);
  });
});
