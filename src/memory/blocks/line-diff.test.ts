import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { diffLines } from "./line-diff.ts";

const apply = (lines: ReturnType<typeof diffLines>, side: "before" | "after") =>
  lines
    .filter((l) => l.op === "equal" || l.op === (side === "before" ? "delete" : "insert"))
    .map((l) => l.text);

describe("diffLines", () => {
  it("marks a changed line as a delete and an insert", () => {
    assert.deepEqual(diffLines("a\nb\nc", "a\nB\nc"), [
      { op: "equal", text: "a" },
      { op: "delete", text: "b" },
      { op: "insert", text: "B" },
      { op: "equal", text: "c" },
    ]);
  });

  it("treats an empty text as no lines", () => {
    assert.deepEqual(diffLines("", "x"), [{ op: "insert", text: "x" }]);
    assert.deepEqual(diffLines("x", ""), [{ op: "delete", text: "x" }]);
    assert.deepEqual(diffLines("", ""), []);
  });

  it("reconstructs both sides and is minimal for any pair of texts", () => {
    const text = fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 12 }).map((l) => l.join("\n"));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const lines = diffLines(before, after);
        assert.deepEqual(apply(lines, "before"), before === "" ? [] : before.split("\n"));
        assert.deepEqual(apply(lines, "after"), after === "" ? [] : after.split("\n"));
        // Minimal: kept lines equal the longest common subsequence.
        const kept = lines.filter((l) => l.op === "equal").length;
        assert.equal(
          kept,
          lcs(before === "" ? [] : before.split("\n"), after === "" ? [] : after.split("\n")),
        );
      }),
    );
  });
});

function lcs(a: string[], b: string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = table[i] as number[];
      const prev = table[i - 1] as number[];
      row[j] =
        a[i - 1] === b[j - 1]
          ? (prev[j - 1] as number) + 1
          : Math.max(prev[j] as number, row[j - 1] as number);
    }
  }
  return (table[a.length] as number[])[b.length] as number;
}
