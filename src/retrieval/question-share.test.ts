import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isQuestion, questionShare } from "./question-share.ts";

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

describe("isQuestion", () => {
  it("is true for a query that ends a sentence with a question mark or opens with a question word", () => {
    assert.equal(isQuestion("Where does Ada live?"), true);
    assert.equal(isQuestion('Did she say "annual billing?" at all'), true);
    assert.equal(isQuestion("what did Ada say about billing"), true);
    assert.equal(isQuestion("  How   long was the trip"), true);
  });

  it("is false for words to find", () => {
    assert.equal(isQuestion("annual billing"), false);
    assert.equal(isQuestion("Ada's city"), false);
    assert.equal(isQuestion("whatever happened"), false);
    assert.equal(isQuestion("example.com/?q=1"), false);
    assert.equal(isQuestion(""), false);
  });
});
