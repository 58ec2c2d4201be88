import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testApp } from "./test-support.ts";

async function withKeys() {
  const t = testApp({ auth: true });
  const red = await t.engram.keys.create({ project: "red" }, { createProject: true });
  const blue = await t.engram.keys.create({ project: "blue" }, { createProject: true });
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  return { t, red, blue, asRed: as(red.key), asBlue: as(blue.key), as };
}

describe("auth", () => {
  it("refuses requests without a valid key with 401, a challenge, and changes nothing", async () => {
    const { t, red } = await withKeys();
    const before = (await t.engram.events.list({ limit: 500 })).items;
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /missing API key/],
      [{ authorization: "" }, /missing API key/],
      [{ authorization: `Basic ${red.key}` }, /malformed Authorization header/],
      [{ authorization: "Bearer" }, /malformed Authorization header/],
      [{ authorization: "Bearer not-a-key" }, /invalid API key/],
      [{ authorization: `Bearer ${red.key.slice(0, -2)}xx` }, /invalid API key/],
    ];
    for (const [headers, message] of cases) {
      const reply = await t.post("/v1/agents", { name: "intruder" }, headers);
      assert.equal(reply.status, 401, JSON.stringify(headers));
      assert.equal(reply.body.error.code, "unauthorized");
      assert.match(reply.body.error.message, message);
      assert.match(reply.headers.get("www-authenticate") ?? "", /^Bearer realm="engram"/);
    }
    await t.engram.keys.revoke(red.apiKey.id);
    const revoked = await t.get("/v1/agents", { authorization: `Bearer ${red.key}` });
    assert.equal(revoked.status, 401);
    assert.match(revoked.body.error.message, /revoked/);
    const after = (await t.engram.events.list({ limit: 500 })).items;
    assert.deepEqual(
      after.slice(before.length).map((e) => e.kind),
      ["key.revoked"],
    );
  });

  it("checks the key before the body: a bad key with a huge or broken body is still 401", async () => {
    const { t } = await withKeys();
    const huge = await t.send("POST", "/v1/agents", { name: "x".repeat(2 * 1024 * 1024) });
    assert.equal(huge.status, 401);
    const broken = await t.send("POST", "/v1/agents", "{not json");
    assert.equal(broken.status, 401);
  });

  it("leaves /health and /openapi.json open, and documents the bearer scheme", async () => {
    const { t } = await withKeys();
    assert.equal((await t.get("/health")).status, 200);
    const doc = await t.get("/openapi.json");
    assert.equal(doc.status, 200);
    assert.deepEqual(doc.body.security, [{ apiKey: [] }]);
    assert.equal(doc.body.components.securitySchemes.apiKey.scheme, "bearer");
    assert.deepEqual(doc.body.paths["/health"].get.security, []);
    assert.ok(doc.body.paths["/v1/agents"].post.responses["401"]);
    assert.ok(doc.body.paths["/v1/agents"].post.responses["429"]);
  });

  it("gives each key its own project: what it creates lands there, and it sees nothing else", async () => {
    const { t, red, blue, asRed, asBlue } = await withKeys();
    const made = await t.post("/v1/agents", { name: "helper" }, asRed);
    assert.equal(made.status, 201);
    assert.equal(made.body.projectId, red.project.id);
    const blueAgent = await t.post("/v1/agents", { name: "helper" }, asBlue);
    assert.equal(blueAgent.body.projectId, blue.project.id);

    const redList = await t.get("/v1/agents", asRed);
    assert.deepEqual(
      redList.body.items.map((a: { id: string }) => a.id),
      [made.body.id],
    );
    // The same name in both projects: each key finds its own.
    assert.equal((await t.get("/v1/agents/helper", asRed)).body.id, made.body.id);
    assert.equal((await t.get("/v1/agents/helper", asBlue)).body.id, blueAgent.body.id);
    const foreign = await t.get(`/v1/agents/${blueAgent.body.id}`, asRed);
    const missing = await t.get("/v1/agents/agt_00000000000000000000000000", asRed);
    assert.equal(foreign.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(foreign.body.error.code, missing.body.error.code);
    assert.deepEqual(
      (await t.get("/v1/projects", asRed)).body.items.map((p: { name: string }) => p.name),
      ["red"],
    );
    assert.ok(
      (await t.get("/v1/events?limit=500", asRed)).body.items.every(
        (e: { projectId: string }) => e.projectId === red.project.id,
      ),
    );
    const newProject = await t.post("/v1/projects", { name: "green" }, asRed);
    assert.equal(newProject.status, 403);
    const deleteOwn = await t.del(`/v1/projects/${red.project.id}`, asRed);
    assert.equal(deleteOwn.status, 403);
    assert.equal((await t.get("/v1/projects/red", asRed)).status, 200);
  });

  it("tells a key nothing about other projects' names: it may not rename its project at all", async () => {
    const { t, red, asBlue } = await withKeys();
    const before = (await t.engram.events.list({ limit: 500 })).items.length;
    // A name another project holds and a free one get the same answer, so neither is revealed.
    const taken = await t.patch("/v1/projects/blue", { name: "red" }, asBlue);
    const free = await t.patch("/v1/projects/blue", { name: "violet" }, asBlue);
    for (const reply of [taken, free]) {
      assert.equal(reply.status, 403, JSON.stringify(reply.body));
      assert.equal(reply.body.error.code, "forbidden");
      assert.match(reply.body.error.message, /a project-scoped caller cannot rename its project/);
    }
    assert.deepEqual(taken.body, free.body);
    assert.equal((await t.patch(`/v1/projects/${red.project.id}`, { name: "red" }, asBlue)).status, 404);
    assert.equal((await t.engram.events.list({ limit: 500 })).items.length, before, "nothing changed");
    // Its metadata is the key's to change; repeating its own name is no rename.
    const meta = await t.patch("/v1/projects/blue", { name: "blue", metadata: { tier: "gold" } }, asBlue);
    assert.equal(meta.status, 200, JSON.stringify(meta.body));
    assert.deepEqual(meta.body.metadata, { tier: "gold" });
    assert.equal((await t.engram.projects.get("blue")).name, "blue");
  });

  it("lets a key manage its project's keys: create another, list, revoke (itself too)", async () => {
    const { t, red, blue, asRed, as } = await withKeys();
    const rotated = await t.post("/v1/keys", { name: "rotated" }, asRed);
    assert.equal(rotated.status, 201);
    assert.equal(rotated.body.project, "red");
    assert.equal(rotated.body.projectId, red.project.id);
    assert.match(rotated.body.key, /^egk_/);
    const listed = await t.get("/v1/keys", asRed);
    assert.deepEqual(
      listed.body.items.map((k: { id: string }) => k.id),
      [red.apiKey.id, rotated.body.id],
    );
    assert.equal(JSON.stringify(listed.body).includes(rotated.body.key), false);
    assert.equal((await t.post("/v1/keys", { project: "blue" }, asRed)).status, 404);
    assert.equal((await t.del(`/v1/keys/${blue.apiKey.id}`, asRed)).status, 404);
    assert.equal((await t.get(`/v1/keys/${blue.apiKey.id}`, asRed)).status, 404);

    const revoked = await t.del(`/v1/keys/${red.apiKey.id}`, as(rotated.body.key));
    assert.equal(revoked.status, 200);
    assert.notEqual(revoked.body.revokedAt, null);
    assert.equal((await t.get("/v1/agents", asRed)).status, 401);
    assert.equal((await t.get("/v1/agents", as(rotated.body.key))).status, 200);
    const self = await t.del(`/v1/keys/${rotated.body.id}`, as(rotated.body.key));
    assert.equal(self.status, 200);
    assert.equal((await t.get("/v1/agents", as(rotated.body.key))).status, 401);
  });

  it("without auth, keys are managed for any project, which is created when missing", async () => {
    const t = testApp();
    const created = await t.post("/v1/keys", { project: "acme", name: "ci" });
    assert.equal(created.status, 201);
    assert.equal(created.body.project, "acme");
    const missing = await t.post("/v1/keys", {});
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /project: required/);
    assert.equal((await t.get("/v1/keys?project=acme")).body.items.length, 1);
    // Without auth a key is not needed, and one that is sent is not looked at.
    assert.equal((await t.get("/v1/agents", { authorization: "Bearer nonsense" })).status, 200);
  });
});
