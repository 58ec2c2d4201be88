import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import type { ExperienceRecord } from "../core/types.ts";
import { EXPERIENCE_DEFAULTS, ExperienceTable } from "./experience-table.ts";
import { similarObservations } from "./observation-index.ts";
import { lexicalSimilarity } from "./similarity.ts";

const WORDS = ["red", "blue", "book", "table", "for", "two", "at", "eight", "the", "a"];
const sentence = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 }).map((w) => w.join(" "));

it("finds exactly the records a full scan with lexicalSimilarity finds, in the same order", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(sentence, { maxLength: 40 }),
      sentence,
      fc.constantFrom(0.1, 0.25, 0.5),
      (texts, query, min) => {
        let n = 0;
        const records: ExperienceRecord[] = texts.map((observation, i) => ({
          id: `exp_${String(i).padStart(4, "0")}`,
          agentId: "agt",
          task: i % 5 === 0 ? "other task" : "t",
          observation,
          actions: [],
          bestHistory: [],
          bestReturn: null,
          visits: i % 3,
          createdAt: "2026-01-01T00:00:00.000Z",
          updatedAt: "2026-01-01T00:00:00.000Z",
        }));
        const table = new ExperienceTable(records, EXPERIENCE_DEFAULTS, {
          newId: () => `exp_new${n++}`,
          now: () => "2026-01-01T00:00:00.000Z",
        });
        const scan = table
          .records()
          .filter((r) => r.task === "t")
          .map((record) => ({ id: record.id, similarity: lexicalSimilarity(query, record.observation) }))
          .filter((s) => s.similarity >= min)
          .sort((a, b) => b.similarity - a.similarity || (a.id < b.id ? -1 : 1));
        const found = similarObservations(table, "t", query, 100, min).map((s) => ({
          id: s.record.id,
          similarity: s.similarity,
        }));
        assert.deepEqual(
          found.map((f) => [f.id, Math.round(f.similarity * 1e9)]).sort(),
          scan.map((f) => [f.id, Math.round(f.similarity * 1e9)]).sort(),
        );
        // A record added later is found: the index follows the table's generation.
        const added = table.obtain("t", query);
        assert.equal(similarObservations(table, "t", query, 1, min)[0]?.record, added);
      },
    ),
    { seed: 20261205, numRuns: 200 },
  );
});
