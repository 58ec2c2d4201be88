import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { displayWidth, padDisplayEnd } from "./display-width.ts";
import { fields, table } from "./output.ts";

describe("displayWidth", () => {
  it("counts CJK, kana, Hangul and fullwidth forms two columns each", () => {
    assert.equal(displayWidth("東京"), 4);
    assert.equal(displayWidth("カタカナ"), 8);
    assert.equal(displayWidth("한국어"), 6);
    assert.equal(displayWidth("ＡＢ"), 4);
    assert.equal(displayWidth("𠀋"), 2, "an ideograph outside the BMP");
    assert.equal(displayWidth("a東b"), 4);
  });

  it("counts an emoji two columns, however many code points make it", () => {
    assert.equal(displayWidth("🙂"), 2);
    assert.equal(displayWidth("👩‍👩‍👧"), 2, "a family joined by zero-width joiners");
    assert.equal(displayWidth("👍🏽"), 2, "with a skin tone");
    assert.equal(displayWidth("🇯🇵"), 2, "a flag");
    assert.equal(displayWidth("❤️"), 2, "a text symbol asked to show as emoji");
    assert.equal(displayWidth("❤"), 1, "the same symbol as text");
  });

  it("counts combining marks and zero-width characters none", () => {
    assert.equal(displayWidth("Zoe\u0308"), 3);
    assert.equal(displayWidth("e\u0301\u0323"), 1);
    assert.equal(displayWidth("a\u200Bb"), 2, "a zero-width space");
    assert.equal(displayWidth("\u0301"), 0, "a mark with nothing to combine with");
    assert.equal(displayWidth(""), 0);
    assert.equal(displayWidth("plain ascii"), 11);
  });

  it("pads to a width in columns", () => {
    assert.equal(padDisplayEnd("東京", 6), "東京  ");
    assert.equal(padDisplayEnd("Zoe\u0308", 5), "Zoe\u0308  ");
    assert.equal(padDisplayEnd("東京", 3), "東京");
  });
});

/** The display column at which each of `cells` starts in `line`, found left to right. */
function columns(line: string, cells: readonly string[]): number[] {
  let from = 0;
  return cells.map((cell) => {
    const at = line.indexOf(cell, from);
    assert.ok(at >= 0, `${JSON.stringify(cell)} in ${JSON.stringify(line)}`);
    from = at + cell.length;
    return displayWidth(line.slice(0, at));
  });
}

describe("table", () => {
  it("lines columns up on a terminal with CJK, emoji and combining marks in the cells", () => {
    const header = ["NAME", "MOOD", "CITY", "ID"];
    const rows = [
      ["helper", "ok", "Paris", "agt_1"],
      ["東京の助手", "🙂", "東京", "agt_2"],
      ["Zoe\u0308", "👩‍👩‍👧", "Zu\u0308rich", "agt_3"],
      ["한국어", "❤️", "서울", "agt_4"],
    ];
    const lines = table(header, rows).split("\n");
    const starts = [header, ...rows].map((row, i) => columns(lines[i] ?? "", row));
    for (const start of starts) assert.deepEqual(start, starts[0], lines.join("\n"));
    // Each column is as wide as its widest cell, and two spaces apart.
    assert.deepEqual(starts[0], [0, 12, 18, 26]);
  });

  it("aligns the values of fields after keys of any width", () => {
    const lines = fields([
      ["name", "a"],
      ["名前", "b"],
      ["nai\u0308ve", "c"],
    ]).split("\n");
    assert.deepEqual(
      lines.map((line) => displayWidth(line.slice(0, -1))),
      [7, 7, 7],
    );
  });
});
