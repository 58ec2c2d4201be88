import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { displayWidth } from "./display-width.ts";
import { oneLine } from "./output.ts";

describe("oneLine", () => {
  it("keeps the first line whole when it fits, and cuts a longer one with an ellipsis", () => {
    assert.equal(oneLine("short\nsecond line"), "short");
    assert.equal(oneLine("a".repeat(72)), "a".repeat(72));
    assert.equal(oneLine("a".repeat(73)), `${"a".repeat(71)}…`);
    assert.equal(oneLine("abcdef", 4), "abc…");
  });

  it("never splits an emoji at the cut, so no half of a surrogate pair is printed", () => {
    const cut = oneLine(`${"a".repeat(70)}🙂b`, 72);
    assert.equal(cut, `${"a".repeat(70)}…`);
    assert.doesNotMatch(cut, /\p{Surrogate}/u);
    const family = oneLine(`${"a".repeat(69)}👩‍👩‍👧 and more`, 72);
    assert.equal(family, `${"a".repeat(69)}👩‍👩‍👧…`);
    assert.equal(oneLine("e\u0301".repeat(10), 5), `${"e\u0301".repeat(4)}…`, "a mark stays with its letter");
  });

  it("measures wide text in terminal columns: CJK takes two each", () => {
    const cut = oneLine("東".repeat(50), 60);
    assert.equal(cut, `${"東".repeat(29)}…`);
    assert.equal(displayWidth(cut), 59);
    assert.equal(oneLine("東".repeat(30), 60), "東".repeat(30));
    assert.equal(
      oneLine("a東".repeat(20), 6),
      "a東a…",
      "a wide character that leaves no column for the ellipsis is left out",
    );
    assert.equal(oneLine("e\u0301".repeat(72)), "e\u0301".repeat(72), "combining marks take no column");
  });
});
