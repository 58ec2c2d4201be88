import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Memory } from "../core/types.ts";
import {
  type Standing,
  standingAt,
  type ValidityReference,
  validityNote,
} from "../memory/memories/validity-note.ts";

type Interval = Pick<Memory, "validFrom" | "validTo">;

/** The inspector's copy of the rule: plain browser JavaScript, which the engine cannot share. */
const inspector = (await import(new URL("../../inspector/js/validity.js", import.meta.url).href)) as {
  standingAt(m: Interval, at: string): Standing;
  standingLabel(m: Interval, reference: ValidityReference): string | null;
};

const DAY = 86_400_000;
const instant = fc
  .integer({ min: -400, max: 400 })
  .map((d) => new Date(Date.UTC(2026, 0, 1) + d * DAY).toISOString());
const interval = fc.record({ validFrom: fc.option(instant), validTo: fc.option(instant) });

describe("the inspector's validity label", () => {
  it("judges a fact as the engine does, at now or at a validAt", () => {
    fc.assert(
      fc.property(interval, instant, fc.option(instant, { nil: undefined }), (m, now, validAt) => {
        assert.equal(inspector.standingAt(m, now), standingAt(m, now));
        const label = inspector.standingLabel(m, { now, validAt });
        const note = validityNote({ ...m, metadata: {} }, { now, validAt });
        // The inspector's mark is the verdict the engine's note ends with (before what superseded it).
        if (label === null) assert.ok(validAt === undefined && standingAt(m, now) === "true");
        else assert.ok(note === label || note.endsWith(`, ${label}`), `${note} | ${label}`);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("marks a fact to come true on a validAt after its start, and a closed one true inside its interval", () => {
    const future = { validFrom: "2030-01-01T00:00:00.000Z", validTo: null };
    const closed = { validFrom: "2024-01-01T00:00:00.000Z", validTo: "2025-06-01T00:00:00.000Z" };
    const now = "2026-06-01T00:00:00.000Z";
    assert.equal(inspector.standingLabel(future, { now }), "not yet true");
    assert.equal(
      inspector.standingLabel(future, { now, validAt: "2031-01-01T00:00:00.000Z" }),
      "true on 2031-01-01",
    );
    assert.equal(inspector.standingLabel(closed, { now }), "no longer true");
    assert.equal(
      inspector.standingLabel(closed, { now, validAt: "2024-06-01T12:00:00.000Z" }),
      "true on 2024-06-01",
    );
  });
});
