import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EngramError } from "../core/errors.ts";
import { createEngram, type Engram } from "../engram.ts";
import { reportToStderr } from "./app.ts";
import { refuses, testApp } from "./test-support.ts";

describe("errors", () => {
  test("unknown agent, block, commit and route are 404 in the JSON error shape", async () => {
    const t = testApp();
    const agent = await t.agent();
    const unknownAgent = await t.get("/v1/agents/agt_00000000000000000000000000/blocks");
    assert.equal(unknownAgent.status, 404);
    assert.deepEqual(unknownAgent.body, {
      error: { code: "not_found", message: "agent agt_00000000000000000000000000 not found" },
    });
    assert.equal((await t.get("/v1/agents/nobody")).status, 404);
    await refuses(
      t,
      agent.id,
      () => t.put("/v1/agents/agt_00000000000000000000000000/blocks/x", { value: "v" }),
      {
        status: 404,
        code: "not_found",
      },
    );
    await refuses(t, agent.id, () => t.get(`/v1/agents/${agent.id}/blocks/nope`), {
      status: 404,
      code: "not_found",
      message: /block "nope" not found/,
    });
    await refuses(t, agent.id, () => t.get(`/v1/agents/${agent.id}/commits/abcdef12`), {
      status: 404,
      code: "not_found",
      message: /revision abcdef12 not found/,
    });
    await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/revert`, { to: "abcdef12" }), {
      status: 404,
      code: "not_found",
    });
    const route = await t.get("/v2/nothing");
    assert.equal(route.status, 404);
    assert.deepEqual(route.body, { error: { code: "not_found", message: "no route for GET /v2/nothing" } });
  });

  test("a missing or mistyped field is 400 naming the field, and changes nothing", async () => {
    const t = testApp();
    const agent = await t.agent();
    await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/blocks`, { value: "no label" }), {
      status: 400,
      code: "invalid_input",
      message: /^invalid request body: label: required/,
    });
    await refuses(t, agent.id, () => t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: 42 }), {
      status: 400,
      code: "invalid_input",
      message: /value: .*expected string, received number/,
    });
    await refuses(t, agent.id, () => t.put(`/v1/agents/${agent.id}/blocks/persona`, { valeu: "typo" }), {
      status: 400,
      code: "invalid_input",
      message: /valeu/,
    });
    await refuses(
      t,
      agent.id,
      () => t.post(`/v1/agents/${agent.id}/commits`, { changes: [{ op: "rename", label: "persona" }] }),
      { status: 400, code: "invalid_input", message: /changes\.0\.op/ },
    );
    await refuses(t, agent.id, () => t.post(`/v1/agents/${agent.id}/commits`, { changes: [] }), {
      status: 400,
      code: "invalid_input",
      message: /changes: must name at least one change/,
    });
    await refuses(t, agent.id, () => t.patch(`/v1/agents/${agent.id}`, { model: "gpt-4" }), {
      status: 400,
      code: "invalid_input",
      message: /model: must be provider:model/,
    });
    await refuses(t, agent.id, () => t.put(`/v1/agents/${agent.id}/blocks/persona`, { author: "robot" }), {
      status: 400,
      code: "invalid_input",
      message: /author: /,
    });
    const details = await t.post("/v1/agents", { name: "" });
    assert.equal(details.status, 400);
    assert.deepEqual(details.body.error.details.issues, [{ path: "name", message: "must not be empty" }]);
  });

  test("query parameters are coerced; a non-integer limit is 400", async () => {
    const t = testApp();
    const agent = await t.agent();
    for (const limit of ["abc", "1.5", "0", "501", ""]) {
      const reply = await t.get(`/v1/agents/${agent.id}/commits?limit=${limit}`);
      assert.equal(reply.status, 400, `limit=${limit}`);
      assert.match(reply.body.error.message, /^invalid query: limit: /);
    }
    assert.equal((await t.get(`/v1/agents/${agent.id}/commits?limit=1`)).body.items.length, 1);
    assert.equal((await t.get(`/v1/agents/${agent.id}/events?limit=x`)).status, 400);
    assert.equal((await t.get("/v1/agents?limit=-1")).status, 400);
  });

  test("malformed JSON is 400, a non-JSON body 415, an oversized body 413; none changes anything", async () => {
    const t = testApp({ maxBodyBytes: 1024 });
    const agent = await t.agent();
    const url = `/v1/agents/${agent.id}/blocks/persona`;
    await refuses(t, agent.id, () => t.put(url, '{"value": "x",}'), {
      status: 400,
      code: "invalid_input",
      message: /^malformed JSON body: /,
    });
    await refuses(
      t,
      agent.id,
      () => t.put(url, "value=x", { "content-type": "application/x-www-form-urlencoded" }),
      {
        status: 415,
        code: "unsupported_media_type",
        message: /application\/json/,
      },
    );
    await refuses(t, agent.id, () => t.put(url, '{"value":"x"}', { "content-type": "text/plain" }), {
      status: 415,
      code: "unsupported_media_type",
    });
    await refuses(t, agent.id, () => t.put(url, { value: "x".repeat(2000) }), {
      status: 413,
      code: "payload_too_large",
      message: /1024 bytes/,
    });
    // A declared length over the limit is refused before the body is read.
    await refuses(t, agent.id, () => t.put(url, { value: "x" }, { "content-length": "5000" }), {
      status: 413,
      code: "payload_too_large",
    });
    // JSON with a charset or a +json type is JSON.
    const ok = await t.put(url, { value: "fine" }, { "content-type": "application/json; charset=utf-8" });
    assert.equal(ok.status, 200);
    const vendor = await t.put(url, { value: "fine too" }, { "content-type": "application/vnd.api+json" });
    assert.equal(vendor.status, 200);
  });

  test("the default body limit is 1 MiB", async () => {
    const t = testApp();
    const agent = await t.agent();
    const reply = await t.put(`/v1/agents/${agent.id}/blocks/persona`, { value: "x".repeat(1024 * 1024) });
    assert.equal(reply.status, 413);
    assert.match(reply.body.error.message, /1048576 bytes/);
  });

  test("an unexpected error is a 500 with a generic message, reported to onInternalError", async () => {
    const real = createEngram({ path: ":memory:" });
    const broken: Engram = {
      ...real,
      agents: Object.assign(Object.create(real.agents), {
        list: async () => {
          throw new Error("SQLITE_CORRUPT: secret table layout");
        },
      }),
    };
    const t = testApp({ engram: broken });
    const reply = await t.get("/v1/agents");
    assert.equal(reply.status, 500);
    assert.deepEqual(reply.body, { error: { code: "internal", message: "internal error" } });
    assert.equal(t.internalErrors.length, 1);
    assert.match(String(t.internalErrors[0]), /SQLITE_CORRUPT/);
  });

  test("stderr says an unavailable service in one line, and a fault with its stack", (t) => {
    const lines: unknown[][] = [];
    t.mock.method(console, "error", (...args: unknown[]) => lines.push(args));
    reportToStderr(new EngramError("unavailable", "no language model is configured: set ENGRAM_MODEL"));
    reportToStderr(new EngramError("timeout", "the model did not answer within 60000 ms"));
    const fault = new Error("SQLITE_CORRUPT");
    reportToStderr(fault);
    assert.deepEqual(lines, [
      ["engram server: unavailable: no language model is configured: set ENGRAM_MODEL"],
      ["engram server: timeout: the model did not answer within 60000 ms"],
      ["engram server: internal error:", fault],
    ]);
  });
});
