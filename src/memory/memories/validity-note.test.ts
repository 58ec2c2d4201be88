import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Memory } from "../../core/types.ts";
import { createTestEngram } from "../../test/index.ts";
import { validityNote } from "./validity-note.ts";

/** The engine's present in these tests: mid-2026. */
const NOW = "2026-06-01T12:00:00.000Z";

interface Facts {
  /** Writes a fact of Ada's city, closing the one before it as a keyed write does. */
  add(text: string, validFrom: string): Promise<Memory>;
  get(id: string): Promise<Memory>;
}

/** Runs `test` against a fresh engine whose present is NOW, closed after. */
async function withFacts(test: (facts: Facts) => Promise<void>): Promise<void> {
  const engram = createTestEngram({ start: Date.parse(NOW) });
  try {
    const agent = await engram.agents.create({ name: "v" });
    await test({
      add: (text, validFrom) =>
        engram.memories.add(agent.id, { text, key: "user.city", userId: "ada", validFrom }),
      get: (id) => engram.memories.get(agent.id, id),
    });
  } finally {
    await engram.close();
  }
}

describe("a fact's validity note, judged at the reference instant", () => {
  it("says a fact to come is not yet true now, and true at a validAt after its start", () =>
    withFacts(async ({ add }) => {
      const future = await add("Ada lives in Tokyo", "2030-01-01");
      assert.equal(validityNote(future, { now: NOW }), "valid from 2030-01-01, not yet true");
      assert.equal(
        validityNote(future, { now: NOW, validAt: "2031-01-01" }),
        "since 2030-01-01, true on 2031-01-01",
      );
      assert.equal(
        validityNote(future, { now: NOW, validAt: "2029-01-01T00:00:00+02:00" }),
        "valid from 2030-01-01, not yet true on 2028-12-31",
      );
    }));

  it("says a closed fact was true at a validAt inside its interval, and is no longer true now", () =>
    withFacts(async ({ add, get }) => {
      const berlin = await add("Ada lives in Berlin", "2025-01-01");
      const lisbon = await add("Ada lives in Lisbon", "2026-01-01");
      const closed = await get(berlin.id);
      const by = `superseded by ${lisbon.id}`;
      assert.equal(
        validityNote(closed, { now: NOW, validAt: "2025-06-01" }),
        `valid 2025-01-01 to 2026-01-01, true on 2025-06-01, ${by}`,
      );
      assert.equal(
        validityNote(closed, { now: NOW }),
        `valid 2025-01-01 to 2026-01-01, no longer true, ${by}`,
      );
      assert.equal(
        validityNote(closed, { now: NOW, validAt: "2026-01-01" }),
        `valid 2025-01-01 to 2026-01-01, no longer true on 2026-01-01, ${by}`,
      );
      // A closed fact still to come is not yet true, not "no longer true".
      const ahead = { ...closed, validFrom: "2027-01-01T00:00:00.000Z", validTo: "2028-01-01T00:00:00.000Z" };
      assert.equal(validityNote(ahead, { now: NOW }), `valid 2027-01-01 to 2028-01-01, not yet true, ${by}`);
    }));

  it("shows a keyed restatement true since the first statement, now and at a validAt", () =>
    withFacts(async ({ add }) => {
      await add("Ada lives in Berlin", "2025-01-01");
      const again = await add("Ada lives in Berlin", "2025-05-01");
      assert.equal(validityNote(again, { now: NOW }), "since 2025-01-01");
      assert.equal(
        validityNote(again, { now: NOW, validAt: "2025-06-01" }),
        "since 2025-01-01, true on 2025-06-01",
      );
      // Without a reference there is no verdict: a fact with an end shows its interval alone.
      const ending = { ...again, validTo: "2090-01-01T00:00:00.000Z" };
      assert.equal(validityNote(ending), "valid 2025-01-01 to 2090-01-01");
      assert.equal(validityNote(again), "");
    }));
});
