import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createEngram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import { refuses, testApp } from "./test-support.ts";

const MISSING_AGENT = "agt_00000000000000000000000000";
const MISSING_INSIGHT = "ins_00000000000000000000000000";

describe("insights", () => {
  test("list, add, edit, agree, remove", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/insights`;
    assert.deepEqual((await t.get(base)).body, { items: [], nextCursor: null });

    const added = await t.post(base, {
      operations: [
        { op: "add", text: "Check the map before moving." },
        { op: "add", text: "Avoid the holes." },
        { op: "add", text: "check the map before moving" },
      ],
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(Object.keys(added.body).sort(), ["applied", "insights", "skipped"]);
    assert.equal(added.body.applied.length, 2);
    assert.deepEqual(added.body.skipped, [
      { operation: { op: "add", text: "check the map before moving" }, reason: "the rule is already there" },
    ]);
    assert.deepEqual(
      added.body.insights.map((r: { text: string; count: number }) => [r.text, r.count]).sort(),
      [
        ["Avoid the holes.", 2],
        ["Check the map before moving.", 2],
      ],
    );
    const map = added.body.insights.find((r: { text: string }) => r.text.startsWith("Check"));
    const holes = added.body.insights.find((r: { text: string }) => r.text.startsWith("Avoid"));
    assert.match(map.id, /^ins_/);

    const changed = await t.post(base, {
      operations: [
        { op: "agree", id: map.id },
        { op: "edit", id: holes.id, text: "Never step on a hole." },
        { op: "remove", id: holes.id },
      ],
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(
      changed.body.insights.map((r: { text: string; count: number }) => [r.text, r.count]),
      [
        ["Check the map before moving.", 3],
        ["Never step on a hole.", 2],
      ],
    );

    const listed = await t.get(base);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, { items: changed.body.insights, nextCursor: null });

    const lenient = await t.post(base, {
      operations: [
        { op: "agree", id: MISSING_INSIGHT },
        { op: "agree", id: map.id },
      ],
      strict: false,
    });
    assert.equal(lenient.status, 200);
    assert.deepEqual(lenient.body.skipped, [
      { operation: { op: "agree", id: MISSING_INSIGHT }, reason: "no such rule" },
    ]);
    assert.equal(lenient.body.insights[0].count, 4);
  });

  test("refuses bad operations, applying none of them", async () => {
    const t = testApp({ engram: createTestEngram() });
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/insights`;
    const rule = (await t.post(base, { operations: [{ op: "add", text: "Look first." }] })).body.insights[0];

    await refuses(
      t,
      agent.id,
      () =>
        t.post(base, {
          operations: [
            { op: "agree", id: rule.id },
            { op: "add", text: "A new rule." },
            { op: "remove", id: MISSING_INSIGHT },
          ],
        }),
      { status: 404, code: "not_found", message: new RegExp(MISSING_INSIGHT) },
    );
    await refuses(t, agent.id, () => t.post(base, { operations: [] }), {
      status: 400,
      code: "invalid_input",
      message: /operations: must not be empty/,
    });
    await refuses(t, agent.id, () => t.post(base, { operations: [{ op: "add", text: "  " }] }), {
      status: 400,
      code: "invalid_input",
      message: /operations\.0\.text: must not be empty/,
    });
    await refuses(t, agent.id, () => t.post(base, { operations: [{ op: "shout", text: "x" }] }), {
      status: 400,
      code: "invalid_input",
      message: /operations\.0\.op/,
    });
    await refuses(t, agent.id, () => t.post(base, "[{"), {
      status: 400,
      code: "invalid_input",
      message: /malformed JSON/,
    });
    await refuses(t, agent.id, () => t.post(`/v1/agents/${MISSING_AGENT}/insights`, { operations: [] }), {
      status: 400,
      code: "invalid_input",
    });
    await refuses(
      t,
      agent.id,
      () => t.post(`/v1/agents/${MISSING_AGENT}/insights`, { operations: [{ op: "add", text: "x" }] }),
      { status: 404, code: "not_found" },
    );
    await refuses(t, agent.id, () => t.get(`/v1/agents/${MISSING_AGENT}/insights`), {
      status: 404,
      code: "not_found",
    });
  });

  test("extract without a language model is a 503 that says how to configure one", async () => {
    // No environment: no ENGRAM_MODEL can leak in from the machine running the tests.
    const t = testApp({ engram: createEngram({ path: ":memory:", env: {} }) });
    const agent = await t.agent();
    const base = `/v1/agents/${agent.id}/insights/extract`;
    await refuses(t, agent.id, () => t.post(base, { task: "reach the goal" }), {
      status: 503,
      code: "unavailable",
      message: /no language model is configured: set ENGRAM_MODEL/,
    });
    await refuses(t, agent.id, () => t.post(base), {
      status: 503,
      code: "unavailable",
      message: /ENGRAM_MODEL/,
    });
    await refuses(t, agent.id, () => t.post(base, { model: "nonsense:model" }), {
      status: 400,
      code: "invalid_input",
      message: /unknown model provider/,
    });
    await refuses(t, agent.id, () => t.post(base, { maxPairs: 0 }), {
      status: 400,
      code: "invalid_input",
      message: /maxPairs/,
    });
    await refuses(t, agent.id, () => t.post(`/v1/agents/${MISSING_AGENT}/insights/extract`, {}), {
      status: 404,
      code: "not_found",
    });
  });
});
