import type { Engram } from "../engram.ts";

/** The agent the block-history benches write to: a persona and two blocks that change in turn. */
export function createHistoryAgent(engram: Engram) {
  return engram.agents.create({
    name: "bench",
    blocks: [
      { label: "persona", value: "I am a careful assistant who learns from every conversation." },
      { label: "human", value: "" },
      { label: "rules", value: "" },
    ],
  });
}

/** The i-th write of a history bench: which block, and a value of one to five lines. */
export function historyWrite(i: number): { label: string; value: string } {
  const label = i % 2 === 0 ? "human" : "rules";
  const value = `fact ${i}: the user mentioned item ${i % 97} on day ${Math.floor(i / 24)}.\n`.repeat(
    1 + (i % 5),
  );
  return { label, value };
}
