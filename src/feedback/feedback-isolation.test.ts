import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { Engram } from "../engram.ts";
import { createTestEngram, type ScriptStep, scriptedModel } from "../test/index.ts";

const SEED = 20261205;
const RUNS = 20;
const VOCABULARY = ["capital", "weather", "recipe", "translate", "schedule", "meeting", "invoice", "flight"];

/** Words of one user's own that no other text in the test holds. */
const secret = fc.stringMatching(/^[a-z]{6}$/).map((s) => `qx${s}`);

/**
 * Properties of feedback across users, agents and projects, over seeded random conversations: a user's
 * feedback teaches the agent (another user's similar message gets advice with the same sign), but the
 * advice and the whole context the other user gets hold none of the first user's words; another agent
 * of the project, and an agent of another project, learn nothing; another project cannot give
 * feedback on the turn.
 */
describe("feedback isolation (property)", () => {
  let engram: Engram;
  before(() => {
    engram = createTestEngram({
      // Advice on memory_append reaches bob only when his turns are offered it, as with one end user.
      runtime: { endUsers: "one" },
      model: scriptedModel((_, options) => {
        const last = options.prompt.at(-1);
        const step: ScriptStep =
          last?.role === "user" && JSON.stringify(last.content).includes("remember")
            ? { toolCalls: [{ name: "memory_append", input: { label: "human", text: "noted" } }] }
            : { text: "Done." };
        return step;
      }),
    });
  });
  after(() => engram.close());

  it("teaches the agent without carrying a user's words to others, or crossing agents and projects", async () => {
    let run = 0;
    const property = fc.asyncProperty(
      fc.shuffledSubarray(VOCABULARY, { minLength: 3, maxLength: 5 }),
      fc.array(secret, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      fc.constantFrom(-1, -0.5, 0.5, 1),
      async (shared, secrets, remember, reward) => {
        run++;
        const mine = engram.forProject((await engram.projects.create({ name: `mine-${run}` })).id);
        const theirs = engram.forProject((await engram.projects.create({ name: `theirs-${run}` })).id);
        const agent = await mine.agents.create({ name: "helper" });
        const sibling = await mine.agents.create({ name: "sibling" });
        const stranger = await theirs.agents.create({ name: "helper" });
        const verb = remember ? "please remember" : "please";
        const turn = await mine.runtime.send(agent.id, {
          content: `${verb} ${shared.join(" ")} ${secrets.join(" ")}`,
          userId: "ann",
        });
        await assert.rejects(theirs.feedback.give(agent.id, turn.turnId, { reward }), /not found/);
        const feedback = await mine.feedback.give(agent.id, turn.turnId, {
          reward,
          comment: `about ${secrets[0]}`,
        });
        assert.equal(feedback.action, remember ? "tool:memory_append" : "answer");

        const query = `${verb} ${shared.join(" ")}`;
        const context = await mine.runtime.context(agent.id, { query, userId: "bob" });
        const item = context.sections.advice.items[0];
        assert.ok(item !== undefined, `no advice for ${query}`);
        const side = reward > 0 ? item.encouraged : item.discouraged;
        assert.equal(side[0]?.action, feedback.action);
        const seen = JSON.stringify(context);
        for (const word of secrets) assert.ok(!seen.includes(word), `bob's context holds ann's word ${word}`);

        for (const [engine, id] of [
          [mine, sibling.id],
          [theirs, stranger.id],
        ] as const) {
          const other = await engine.runtime.context(id, { query, userId: "bob" });
          assert.equal(other.advice, "");
          assert.equal(other.sections.advice.items.length, 0);
        }
      },
    );
    await fc.assert(property, { seed: SEED, numRuns: RUNS });
  });
});
