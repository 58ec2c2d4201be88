import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { jaccard, numbersDiffer, similarityTerms, similarPairs } from "./near-duplicates.ts";

describe("near-duplicates", () => {
  it("compares stemmed words without stop words, keeping negations", () => {
    assert.deepEqual([...similarityTerms("Ada likes green tea")], ["ada", "like", "green", "tea"]);
    assert.equal(jaccard(similarityTerms("Ada likes tea"), similarityTerms("ada liked TEA.")), 1);
    assert.ok(jaccard(similarityTerms("Ada likes tea"), similarityTerms("Ada does not like tea")) < 1);
    assert.equal(jaccard(similarityTerms("the of"), similarityTerms("the of")), 0);
  });

  it("sees a changed number as a changed detail", () => {
    assert.equal(numbersDiffer(similarityTerms("meeting at 3 pm"), similarityTerms("meeting at 4 pm")), true);
    assert.equal(
      numbersDiffer(similarityTerms("meeting at 3 pm"), similarityTerms("meeting at 3 pm sharp")),
      false,
    );
  });

  it("finds exactly the pairs a brute-force comparison finds", () => {
    const word = fc.constantFrom(
      "ada",
      "tea",
      "paris",
      "berlin",
      "likes",
      "lives",
      "blue",
      "red",
      "cat",
      "dog",
      "7",
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { maxLength: 6 }), { maxLength: 25 }),
        fc.constantFrom(0.2, 0.3, 0.5, 0.8, 1),
        (texts, threshold) => {
          const sets = texts.map((words) => new Set(words));
          const expected: string[] = [];
          for (let a = 0; a < sets.length; a++)
            for (let b = a + 1; b < sets.length; b++) {
              const similarity = jaccard(sets[a] as Set<string>, sets[b] as Set<string>);
              if (similarity >= threshold) expected.push(`${a}-${b}`);
            }
          const found = similarPairs(sets, threshold).map((p) => `${p.a}-${p.b}`);
          assert.deepEqual([...found].sort(), expected.sort());
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it("orders pairs most similar first", () => {
    const sets = ["a b c d", "a b c e", "a b c d", "x y"].map((t) => new Set(t.split(" ")));
    assert.deepEqual(
      similarPairs(sets, 0.5).map((p) => [p.a, p.b, p.similarity]),
      [
        [0, 2, 1],
        [0, 1, 0.6],
        [1, 2, 0.6],
      ],
    );
  });
});
