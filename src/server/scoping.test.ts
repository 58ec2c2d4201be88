import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import {
  type DocumentedOperation,
  documentedOperations,
  ENDLESS_PATHS,
  exampleBody,
} from "./route-catalog.ts";
import { type TestApp, testApp } from "./test-support.ts";

/**
 * Walks every route of the OpenAPI document with the key of one project ("mine") against the
 * objects of another ("theirs"): each must answer 404 exactly as for something missing, and nothing
 * anywhere may change. A route added later is walked too; one whose parameters or body the walk
 * cannot fill fails here until it is taught them (paramValues below, exampleBody in route-catalog.ts).
 */

type Operation = DocumentedOperation;

/** A valid body for the route, so that only the scope can refuse the request. */
function bodyFor(op: Operation, theirs: Theirs): unknown {
  return exampleBody(op.method, op.path, {
    revision: theirs.firstCommit,
    exportDocument: theirs.document,
    blockId: theirs.blockId,
  });
}

interface Theirs {
  projectId: string;
  projectName: string;
  agentId: string;
  agentName: string;
  memoryId: string;
  /** A memory of their project (scope project), and the hidden holder it is stored under. */
  projectMemoryId: string;
  holderId: string;
  episodeId: string;
  firstCommit: string;
  head: string;
  keyId: string;
  webhookId: string;
  groupId: string;
  blockId: string;
  document: unknown;
}

/** Path parameters filled with the other project's objects; by name where a name works too. */
function paramValues(theirs: Theirs, byName: boolean): Record<string, string> {
  return {
    project: byName ? theirs.projectName : theirs.projectId,
    id: byName ? theirs.agentName : theirs.agentId,
    model: byName ? `agent:${theirs.agentName}` : theirs.agentId,
    keyId: theirs.keyId,
    webhookId: theirs.webhookId,
    groupId: theirs.groupId,
    blockId: theirs.blockId,
    label: "persona",
    rev: theirs.head,
    name: "feature/x",
    mid: theirs.memoryId,
    eid: theirs.episodeId,
    // The agent is checked first, so these need not exist: the request is refused as not found.
    runId: "evo_00000000000000000000000000",
    jid: "job_00000000000000000000000000",
    turnId: "trn_00000000000000000000000000",
    sha256: "0".repeat(64),
  };
}

async function seedTheirs(engram: Engram): Promise<Theirs> {
  const key = await engram.keys.create({ project: "theirs", name: "theirs" }, { createProject: true });
  const scoped = engram.forProject(key.project.id);
  const agent = await scoped.agents.create({ name: "their-agent" });
  const first = (await scoped.blocks.list(agent.id)).commit;
  await scoped.blocks.set(agent.id, "persona", "their secret persona");
  const head = (await scoped.history.createBranch(agent.id, "feature/x")).head;
  const memory = (await scoped.memories.addMany(agent.id, [{ text: "their secret memory" }])).value[0];
  await scoped.messages.append(agent.id, { role: "user", content: "their secret message" });
  await scoped.experience.recordEpisode(agent.id, {
    task: "walk",
    steps: [{ observation: "o", availableActions: ["a"], action: "a", reward: 1 }],
    success: true,
  });
  const running = await scoped.experience.startEpisode(agent.id, { task: "walk" });
  await scoped.insights.apply(agent.id, [{ op: "add", text: "their secret rule" }]);
  const webhook = await scoped.webhooks.create({ url: "https://hooks.example.com/theirs", events: ["*"] });
  const group = await scoped.groups.create({
    name: "their-team",
    pattern: "round-robin",
    members: [agent.id],
  });
  const projectMemory = await scoped.memories.add(agent.id, {
    text: "their secret project memory",
    scope: "project",
  });
  const block = await scoped.sharedBlocks.create({ label: "team", value: "their secret team rules" });
  await scoped.sharedBlocks.attach(agent.id, block.id);
  return {
    projectId: key.project.id,
    projectName: key.project.name,
    agentId: agent.id,
    agentName: agent.name,
    memoryId: memory?.id as string,
    projectMemoryId: projectMemory.id,
    holderId: projectMemory.agentId,
    episodeId: running.id,
    firstCommit: first,
    head,
    keyId: key.apiKey.id,
    webhookId: webhook.id,
    groupId: group.id,
    blockId: block.id,
    document: await scoped.transfer.export(agent.id),
  };
}

/** Everything the walk could touch: the whole event log, and the other project's data. */
async function everything(engram: Engram, theirs: Theirs) {
  const events = [];
  for (let cursor: string | undefined, more = true; more; ) {
    const page = await engram.events.list({ limit: 500, cursor });
    events.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    more = page.nextCursor !== null;
  }
  return {
    events,
    projects: await engram.projects.list({ limit: 500 }),
    agents: await engram.agents.list({ limit: 500 }),
    // The caller's own key records its use; nothing else about keys may change.
    keys: (await engram.keys.list({ includeRevoked: true, limit: 500 })).items.map((k) => ({
      ...k,
      lastUsedAt: null,
    })),
    export: { ...(await engram.transfer.export(theirs.agentId)), exportedAt: "" },
    memories: await engram.memories.list(theirs.agentId, { limit: 500 }),
    experience: await engram.experience.records(theirs.agentId),
    episodes: await engram.experience.listEpisodes(theirs.agentId, { limit: 500 }),
    webhooks: await engram.webhooks.list({ limit: 500 }),
    groups: await engram.groups.list({ limit: 500 }),
    sharedBlock: await engram.sharedBlocks.get(theirs.blockId),
  };
}

function urlOf(path: string, values: Record<string, string>, query = ""): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    assert.ok(value !== undefined, `the walk cannot fill {${name}} in ${path}: add it to paramValues`);
    return encodeURIComponent(value);
  });
  return query === "" ? filled : `${filled}?${query}`;
}

describe("a key sees only its project: every route, walked with a foreign key", () => {
  let t: TestApp;
  let theirs: Theirs;
  let mine: { key: string; agentId: string; revokedKey: string };
  let ops: Operation[];
  let auth: Record<string, string>;

  before(async () => {
    t = testApp({ engram: createTestEngram(), auth: true, rateLimit: false, authFailureLimit: false });
    theirs = await seedTheirs(t.engram);
    const own = await t.engram.keys.create({ project: "mine" }, { createProject: true });
    const revoked = await t.engram.keys.create({ project: "mine" });
    await t.engram.keys.revoke(revoked.apiKey.id);
    const agent = await t.engram.forProject(own.project.id).agents.create({ name: "my-agent" });
    mine = { key: own.key, agentId: agent.id, revokedKey: revoked.key };
    ops = await documentedOperations(t.app);
    auth = { authorization: `Bearer ${mine.key}` };
    assert.ok(ops.length >= 40, `only ${ops.length} operations in the document`);
  });

  it("answers 404 for the other project's objects, by id and by name, changing nothing", async () => {
    const snapshot = await everything(t.engram, theirs);
    let walked = 0;
    for (const op of ops.filter((o) => o.params.length > 0)) {
      for (const byName of [false, true]) {
        const url = urlOf(op.path, paramValues(theirs, byName));
        const body = op.hasBody ? bodyFor(op, theirs) : undefined;
        const reply = await t.send(op.method, url, body, auth);
        assert.equal(reply.status, 404, `${op.method} ${url}: ${JSON.stringify(reply.body)}`);
        // The OpenAI-compatible routes answer in OpenAI's shape, with OpenAI's code.
        const code = op.path.startsWith("/v1/models/") ? "model_not_found" : "not_found";
        assert.equal(reply.body.error.code, code, `${op.method} ${url}`);
        walked++;
      }
    }
    assert.ok(walked > 60);
    assert.deepEqual(await everything(t.engram, theirs), snapshot);
  });

  it("answers 404 for their memories, episodes and commits reached through one's own agent", async () => {
    const snapshot = await everything(t.engram, theirs);
    const foreignChildren = ["mid", "eid", "rev", "blockId"];
    const nested = ops.filter(
      (o) => o.params.includes("id") && o.params.some((p) => foreignChildren.includes(p)),
    );
    assert.ok(nested.length >= 8);
    for (const op of nested) {
      const url = urlOf(op.path, { ...paramValues(theirs, false), id: mine.agentId });
      const reply = await t.send(op.method, url, op.hasBody ? bodyFor(op, theirs) : undefined, auth);
      assert.equal(reply.status, 404, `${op.method} ${url}: ${JSON.stringify(reply.body)}`);
    }
    assert.deepEqual(await everything(t.engram, theirs), snapshot);
  });

  it("never shows their project memory: not in search, not by id through one's own agent, not through its holder", async () => {
    const snapshot = await everything(t.engram, theirs);
    // One's own project has project memory too, so the search does run over a holder: its own.
    await t.post(
      `/v1/agents/${mine.agentId}/memories`,
      { text: "my project memory", scope: "project" },
      auth,
    );
    for (const path of ["search", "memories/search"]) {
      const reply = await t.post(
        `/v1/agents/${mine.agentId}/${path}`,
        { query: "secret project memory" },
        auth,
      );
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(JSON.stringify(reply.body).includes("their secret"), false, path);
      assert.ok(
        reply.body.results.some((r: { scope?: string }) => r.scope === "project"),
        path,
      );
    }
    const listed = await t.get(`/v1/agents/${mine.agentId}/memories?scope=project`, auth);
    assert.deepEqual(
      listed.body.items.map((m: { text: string }) => m.text),
      ["my project memory"],
    );
    for (const suffix of ["", "/history"]) {
      const url = `/v1/agents/${mine.agentId}/memories/${theirs.projectMemoryId}${suffix}`;
      assert.equal((await t.get(url, auth)).status, 404, url);
    }
    assert.equal(
      (
        await t.send(
          "DELETE",
          `/v1/agents/${mine.agentId}/memories/${theirs.projectMemoryId}`,
          undefined,
          auth,
        )
      ).status,
      404,
    );
    // The holder is no agent: not for a foreign key, and not for the key of its own project either.
    const theirKey = (await t.engram.keys.create({ project: "theirs", name: "theirs-2" })).key;
    for (const key of [mine.key, theirKey]) {
      const headers = { authorization: `Bearer ${key}` };
      for (const url of [`/v1/agents/${theirs.holderId}`, `/v1/agents/${theirs.holderId}/memories`]) {
        const reply = await t.get(url, headers);
        assert.equal(reply.status, 404, `${url}: ${JSON.stringify(reply.body)}`);
      }
      const listed = await t.get("/v1/agents", headers);
      assert.equal(JSON.stringify(listed.body).includes(theirs.holderId), false);
    }
    const after = await everything(t.engram, theirs);
    assert.deepEqual(after.export, snapshot.export);
    assert.deepEqual(after.memories, snapshot.memories);
  });

  it("answers 404 when a list or a create names the other project or its agent, and lists none of it", async () => {
    const snapshot = await everything(t.engram, theirs);
    const secrets = [
      theirs.projectId,
      theirs.agentId,
      theirs.keyId,
      theirs.memoryId,
      theirs.groupId,
      "their secret",
    ];
    // The MCP endpoint speaks JSON-RPC, not this walk's JSON: it gets the same scoped engine, and
    // src/server/mcp.test.ts shows a scoped engine confines it to its project.
    for (const op of ops.filter(
      (o) => o.params.length === 0 && o.path !== "/mcp" && !ENDLESS_PATHS.has(o.path),
    )) {
      const method = op.method;
      const named: [string, unknown][] = [];
      for (const project of [theirs.projectId, theirs.projectName]) {
        if (op.query.includes("project"))
          named.push([`project=${project}`, op.hasBody ? bodyFor(op, theirs) : undefined]);
        if (op.bodyKeys.includes("project"))
          named.push(["", { ...(bodyFor(op, theirs) as object), project }]);
      }
      if (op.query.includes("agent")) named.push([`agent=${theirs.agentId}`, undefined]);
      for (const [query, body] of named) {
        const reply = await t.send(method, urlOf(op.path, {}, query), body, auth);
        assert.equal(reply.status, 404, `${method} ${op.path}?${query}: ${JSON.stringify(reply.body)}`);
      }
      if (method === "GET") {
        const reply = await t.send(method, op.path, undefined, auth);
        assert.equal(reply.status, 200, op.path);
        const text = JSON.stringify(reply.body);
        for (const secret of secrets)
          assert.equal(text.includes(secret), false, `${op.path} shows ${secret}`);
      } else if (named.length === 0) {
        // A create that names no project lands in the caller's own (checked elsewhere) or is refused.
        const reply = await t.send(method, op.path, bodyFor(op, theirs), auth);
        assert.ok(reply.status < 500, `${method} ${op.path}: ${reply.status}`);
      }
    }
    const after = await everything(t.engram, theirs);
    assert.deepEqual(after.export, snapshot.export);
    assert.deepEqual(after.memories, snapshot.memories);
    assert.ok(after.events.slice(snapshot.events.length).every((e) => e.projectId !== theirs.projectId));
  });

  it("answers 401 on every route but the public ones without a key, with a bad one, or a revoked one", async () => {
    const snapshot = await everything(t.engram, theirs);
    const values = paramValues(theirs, false);
    const badKeys = [undefined, "Bearer egk_nope", `Bearer ${mine.revokedKey}`, `Token ${mine.key}`];
    for (const op of ops) {
      const url = urlOf(op.path, values);
      const body = op.hasBody ? bodyFor(op, theirs) : undefined;
      const isPublic = op.path === "/health" || op.path === "/openapi.json";
      for (const header of badKeys) {
        const headers: Record<string, string> = header === undefined ? {} : { authorization: header };
        const reply = await t.send(op.method, url, body, headers);
        if (isPublic) assert.equal(reply.status, 200, url);
        else assert.equal(reply.status, 401, `${op.method} ${url} with ${header}`);
      }
    }
    assert.deepEqual(await everything(t.engram, theirs), snapshot);
  });
});
