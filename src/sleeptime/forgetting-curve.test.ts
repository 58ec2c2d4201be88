import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Memory } from "../core/types.ts";
import { isForgotten, retentionOf } from "./forgetting-curve.ts";
import { SLEEPTIME_DEFAULTS } from "./options.ts";

const DAY = 86_400_000;
const start = Date.UTC(2026, 0, 1);
const options = SLEEPTIME_DEFAULTS.forget;

function memory(fields: Partial<Memory> = {}): Memory {
  return {
    id: "mem_1",
    agentId: "agt_1",
    userId: null,
    kind: "fact",
    text: "x",
    tags: [],
    importance: 0,
    validFrom: null,
    validTo: null,
    key: null,
    provenance: { messageIds: [], externalIds: [] },
    metadata: {},
    version: 1,
    accessCount: 0,
    lastAccessedAt: null,
    archivedAt: null,
    createdAt: new Date(start).toISOString(),
    updatedAt: new Date(start).toISOString(),
    ...fields,
  };
}

describe("forgetting curve", () => {
  it("is R = e^(−t/S) with S = base × (1 + w·importance) × (1 + g·recalls)", () => {
    const r = retentionOf(memory({ importance: 0.5, accessCount: 1 }), start + 14 * DAY, options);
    assert.equal(r.strengthDays, 7 * 2 * 2);
    assert.equal(r.elapsedDays, 14);
    assert.equal(r.retention, Math.exp(-0.5));
    assert.equal(retentionOf(memory(), start, options).retention, 1);
  });

  it("counts time from the last recall, so a recalled memory fades later", () => {
    const recalled = memory({ accessCount: 1, lastAccessedAt: new Date(start + 30 * DAY).toISOString() });
    const at = start + 40 * DAY;
    assert.ok(retentionOf(recalled, at, options).retention > retentionOf(memory(), at, options).retention);
    assert.equal(retentionOf(recalled, at, options).elapsedDays, 10);
  });

  it("forgets below the threshold, never archived or vital memories", () => {
    // Importance 0: S = 7 days, so R < 0.05 once t > 7 × ln 20 ≈ 20.97 days.
    assert.equal(isForgotten(memory(), start + 20 * DAY, options), null);
    assert.ok(isForgotten(memory(), start + 21 * DAY, options) !== null);
    assert.equal(isForgotten(memory({ importance: 1 }), start + 1000 * DAY, options), null);
    assert.equal(
      isForgotten(memory({ archivedAt: "2026-01-02T00:00:00.000Z" }), start + 1000 * DAY, options),
      null,
    );
  });
});
