import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestEngram } from "../../test/index.ts";

// An offset can carry a date-time written inside years 0000–9999 out of them in UTC. Its UTC form
// (`+010000-…Z`, `-000001-…Z`) does not compare with other stored times as text does, so such a
// time must be refused, naming the field, and nothing written.
describe("times outside years 0000 to 9999 in UTC", () => {
  const beyond = ["9999-12-31T23:00:00-05:00", "0000-01-01T00:30:00+01:00"];

  it("are refused as validFrom, validTo and createdAt of a memory, and in a batch nothing is written", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "times" });
    try {
      for (const time of beyond) {
        for (const field of ["validFrom", "validTo", "createdAt"]) {
          await assert.rejects(
            engram.memories.add(agent.id, { text: "Ada lives on Pluto", [field]: time }),
            (error: Error) =>
              error.message ===
              `invalid memory: ${field}: must fall in the years 0000 to 9999 in UTC (its offset carries it out of them)`,
            `${field} ${time}`,
          );
        }
        await assert.rejects(
          engram.memories.addMany(agent.id, [
            { text: "Ada lives in Rome", key: "user.city", userId: "ada" },
            { text: "Ada lives on Pluto", key: "user.city", userId: "ada", validFrom: time },
          ]),
          /^InvalidInputError: invalid memory 1: validFrom: /,
        );
        await assert.rejects(
          engram.search(agent.id, { query: "Ada", validAt: time }),
          /invalid search: validAt: must fall in the years 0000 to 9999 in UTC/,
        );
        await assert.rejects(
          engram.memories.list(agent.id, { filter: { validFrom: { lt: time } } }),
          /validFrom\.lt: must fall in the years 0000 to 9999 in UTC/,
        );
      }
      assert.deepEqual((await engram.memories.list(agent.id)).items, []);
    } finally {
      await engram.close();
    }
  });

  it("still accepts the last and first instants of the range", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "times" });
    try {
      const memory = await engram.memories.add(agent.id, {
        text: "A fact for all time",
        validFrom: "0000-01-01T00:00:00Z",
        validTo: "9999-12-31T23:59:59.999Z",
      });
      assert.equal(memory.validFrom, "0000-01-01T00:00:00.000Z");
      assert.equal(memory.validTo, "9999-12-31T23:59:59.999Z");
    } finally {
      await engram.close();
    }
  });
});
