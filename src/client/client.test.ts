import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { exampleBody } from "../server/route-catalog.ts";
import { type RunningServer, startServer } from "../server/serve.ts";
import { createTestEngram, scriptedModel } from "../test/index.ts";
import { createClient, type EngramClient } from "./index.ts";
import { OPERATIONS, type OperationId } from "./operations.ts";

/**
 * The client against a real server over a socket, every operation of the table called through it at
 * least once: a route added to the server (and so to the table, see operations.test.ts) fails here
 * until the client calls it. Inputs are the route catalogue's examples where the input is the body.
 */

/** The operation a request was for, by matching the table's templates. */
function operationOf(method: string, pathname: string): OperationId | undefined {
  for (const [id, op] of Object.entries(OPERATIONS)) {
    if (op.method !== method) continue;
    const pattern = new RegExp(`^${op.path.replace(/\{\w+\}/g, "[^/]+")}$`);
    if (pattern.test(pathname)) return id as OperationId;
  }
  return undefined;
}

describe("the client over a socket, across every operation", () => {
  let engram: Engram;
  let server: RunningServer;
  let client: EngramClient;
  const called = new Set<OperationId>();

  before(async () => {
    // Answers every call with "4": turns, evolution's attempts and its reflection all get an answer.
    engram = createTestEngram({ model: scriptedModel(() => ({ text: "4" })) });
    server = await startServer({ engram, port: 0 });
    client = createClient({
      baseUrl: server.url,
      fetch: (input, init) => {
        const url = new URL(String(input));
        const id = operationOf(init?.method ?? "GET", url.pathname);
        if (id !== undefined) called.add(id);
        return fetch(input, init);
      },
    });
  });
  after(async () => {
    await server.close();
    await engram.close();
  });

  /** The catalogue's example body of an operation, as the input of the client method that sends it. */
  // biome-ignore lint/suspicious/noExplicitAny: each example is the input of a differently typed method.
  const example = (id: OperationId): any =>
    exampleBody(OPERATIONS[id].method, OPERATIONS[id].path, { revision: "HEAD", exportDocument: undefined });

  it("projects and keys", async () => {
    const green = await client.projects.create(example("projects.create"));
    assert.equal(green.name, "green");
    assert.equal((await client.projects.get("green")).id, green.id);
    assert.equal((await client.projects.find(green.id))?.name, "green");
    assert.equal(await client.projects.find("no-such-project"), null);
    assert.ok((await client.projects.list()).items.some((p) => p.id === green.id));
    const updated = await client.projects.update("green", example("projects.update"));
    assert.deepEqual(updated.metadata, { touched: true });

    const created = await client.keys.create({ ...example("keys.create"), project: "green" });
    assert.match(created.key, /\S{20,}/);
    assert.equal(created.project.id, green.id);
    assert.equal((await client.keys.get(created.apiKey.id)).name, "more");
    assert.deepEqual(
      (await client.keys.list({ project: "green" })).items.map((k) => k.id),
      [created.apiKey.id],
    );
    assert.ok((await client.keys.revoke(created.apiKey.id)).revokedAt !== null);
    assert.equal((await client.keys.list({ project: "green" })).items.length, 0);
    assert.equal((await client.keys.list({ project: "green", includeRevoked: true })).items.length, 1);
  });

  it("agents, blocks, history and events", async () => {
    const agent = await client.agents.create(example("agents.create"));
    assert.equal((await client.agents.get(agent.id)).name, "new-agent");
    assert.equal((await client.agents.find("new-agent")).id, agent.id);
    assert.ok((await client.agents.list()).items.some((a) => a.id === agent.id));
    assert.equal((await client.agents.update(agent.id, example("agents.update"))).name, "renamed");
    const fork = await client.agents.fork(agent.id, example("agents.fork"));
    assert.equal(fork.name, "forked");

    const first = (await client.blocks.list(agent.id)).commit;
    const made = await client.blocks.create(agent.id, "fresh", "v");
    assert.equal(made.changed, true);
    const set = await client.blocks.set(agent.id, "fresh", "overwritten", { expectedHead: made.commit.id });
    assert.equal((await client.blocks.get(agent.id, "fresh")).value, "overwritten");
    assert.equal((await client.blocks.get(agent.id, "fresh", { at: made.commit.id })).value, "v");
    const committed = await client.blocks.commit(agent.id, example("blocks.commit"));
    assert.equal((await client.blocks.get(agent.id, "persona")).value, "x");
    await client.blocks.delete(agent.id, "fresh", { message: "gone" });
    assert.ok(!(await client.blocks.list(agent.id)).blocks.some((b) => b.label === "fresh"));

    const log = await client.history.log(agent.id, { limit: 2 });
    assert.equal(log.items.length, 2);
    assert.ok(log.nextCursor !== null, "a page with more after it has a cursor");
    assert.equal((await client.history.getCommit(agent.id, committed.commit.id)).id, committed.commit.id);
    const diff = await client.history.diff(agent.id, made.commit.id, set.commit.id);
    assert.ok(JSON.stringify(diff).includes("overwritten"));
    await client.history.revert(agent.id, first);
    assert.ok(
      !(await client.blocks.list(agent.id)).blocks.some((b) => b.label === "persona" && b.value === "x"),
    );
    await client.history.createBranch(agent.id, "feature/x");
    assert.deepEqual((await client.history.listBranches(agent.id)).map((b) => b.name).sort(), [
      "feature/x",
      "main",
    ]);
    await client.history.deleteBranch(agent.id, "feature/x");
    assert.equal((await client.history.listBranches(agent.id)).length, 1);

    const events = await client.events.list({ agentId: agent.id, limit: 500 });
    assert.ok(events.items.length > 0 && events.items.every((e) => e.agentId === agent.id));
    assert.deepEqual(
      (await client.events.listByAgent(agent.id, { limit: 500 })).items.map((e) => e.id),
      events.items.map((e) => e.id),
    );
    assert.deepEqual(
      (await client.events.listByAgent(agent.id, { limit: 500, newestFirst: true })).items.map((e) => e.id),
      events.items.map((e) => e.id).reverse(),
    );
    assert.deepEqual(
      (await client.events.list({ agentId: agent.id, limit: 2, newestFirst: true })).items.map((e) => e.id),
      events.items
        .map((e) => e.id)
        .slice(-2)
        .reverse(),
    );
    const replay = new AbortController();
    const replayed = await client.events.follow({ agentId: agent.id, after: 0, signal: replay.signal });
    for await (const event of replayed) {
      assert.equal(event.id, events.items[0]?.id);
      replay.abort();
    }
    await client.agents.delete(fork.id);
    await assert.rejects(client.agents.get(fork.id), { name: "NotFoundError" });
  });

  it("memories, messages, search, turns and context", async () => {
    const agent = await client.agents.create({ name: "rememberer" });
    const memory = await client.memories.add(agent.id, example("memories.add"));
    assert.equal(memory.text, "planted");
    const many = await client.memories.addMany(agent.id, [{ text: "the secret is blue" }, { text: "tea" }]);
    assert.equal(many.value.length, 2);
    assert.ok(Array.isArray(many.warnings));
    assert.equal((await client.memories.get(agent.id, memory.id)).id, memory.id);
    assert.equal((await client.memories.list(agent.id, { limit: 500 })).items.length, 3);
    assert.deepEqual(
      (await client.memories.list(agent.id, { oldestFirst: true, limit: 1 })).items.map((m) => m.id),
      [memory.id],
    );
    assert.notDeepEqual(
      (await client.memories.list(agent.id, { oldestFirst: false, limit: 1 })).items.map((m) => m.id),
      [memory.id],
    );
    const changed = await client.memories.update(agent.id, memory.id, example("memories.update"));
    assert.deepEqual([changed.value.text, changed.changed], ["changed", true]);
    const again = await client.memories.update(agent.id, memory.id, example("memories.update"));
    assert.deepEqual([again.value, again.changed], [changed.value, false]);
    assert.equal((await client.memories.history(agent.id, memory.id)).length, 2);
    assert.ok((await client.memories.archive(agent.id, memory.id)).archivedAt !== null);
    assert.equal((await client.memories.list(agent.id, { archived: "only" })).items.length, 1);
    const shared = await client.memories.add(agent.id, { text: "the project's secret", scope: "project" });
    assert.deepEqual(
      (await client.memories.list(agent.id, { scope: "project" })).items.map((m) => m.id),
      [shared.id],
    );
    assert.equal((await client.memories.restore(agent.id, memory.id)).archivedAt, null);
    const found = await client.memories.search(agent.id, example("memories.search"));
    assert.ok(found.results.some((r) => JSON.stringify(r).includes("the secret is blue")));
    await client.memories.delete(agent.id, memory.id);
    await assert.rejects(client.memories.get(agent.id, memory.id), { name: "NotFoundError" });

    const message = await client.messages.append(agent.id, { role: "user", content: "my secret word" });
    assert.equal(message.content, "my secret word");
    const batch = await client.messages.appendMany(agent.id, [
      { role: "user", content: "one" },
      { role: "assistant", content: "two" },
    ]);
    assert.equal(batch.length, 2);
    const newest = await client.messages.list(agent.id, { newestFirst: true, roles: ["assistant"] });
    assert.deepEqual(
      newest.items.map((m) => m.content),
      ["two"],
    );
    assert.ok((await client.messages.search(agent.id, example("messages.search"))).results.length > 0);
    assert.ok((await client.search(agent.id, example("search.all"))).results.length > 0);

    const turn = await client.runtime.send(agent.id, { content: "2+2?", userId: "u1" });
    assert.equal(turn.answer, "4");
    const stream = await client.runtime.stream(agent.id, { content: "again?", userId: "u1" });
    assert.match(stream.turnId, /\S/);
    const types = [];
    for await (const event of stream) types.push(event.type);
    assert.equal(types[0], "start");
    assert.equal(types.at(-1), "done");
    const context = await client.runtime.context(agent.id, { query: "secret", userId: "u1" });
    assert.ok(JSON.stringify(context).includes("secret"));
    const feedback = await client.feedback.give(agent.id, turn.turnId, example("feedback.give"));
    assert.equal(feedback.action, "answer");
    assert.equal(feedback.episode.steps[0]?.reward, 1);
    const png =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    const seen = await client.runtime.send(agent.id, {
      content: [
        { type: "text", text: "what is this?" },
        { type: "image", image: png },
      ],
    });
    const [ref] = (seen.messages[0]?.metadata.images ?? []) as { sha256: string }[];
    assert.equal((await client.images.get(agent.id, ref?.sha256 ?? "")).data, png);
  });

  it("transfer, experience, insights, evolution, sleep-time and vectors", async () => {
    const agent = await client.agents.create({ name: "learner" });
    const document = await client.transfer.export(agent.id);
    assert.equal(document.format, "engram.agent");
    const copy = await client.transfer.import(document, { newIds: true });
    assert.notEqual(copy.id, agent.id);

    const episode = await client.experience.startEpisode(agent.id, example("experience.recordEpisode"));
    const step = await client.experience.recordStep(agent.id, episode.id, example("experience.recordStep"));
    assert.equal(step.step.action, "a");
    const finished = await client.experience.finishEpisode(
      agent.id,
      episode.id,
      example("experience.finishEpisode"),
    );
    assert.equal(finished.success, true);
    const recorded = await client.experience.recordEpisode(agent.id, {
      task: "walk",
      steps: [{ observation: "o", availableActions: ["a"], action: "a", reward: 1 }],
      success: true,
    });
    assert.equal((await client.experience.getEpisode(agent.id, recorded.id)).task, "walk");
    assert.equal((await client.experience.listEpisodes(agent.id)).items.length, 2);
    assert.ok((await client.experience.records(agent.id)).length >= 1);
    const advice = await client.experience.advise(agent.id, example("experience.advise"));
    assert.ok(JSON.stringify(advice).includes('"a"'));

    const applied = await client.insights.apply(agent.id, example("insights.apply").operations, {
      strict: true,
    });
    assert.ok(JSON.stringify(applied).includes("a new rule"));
    assert.deepEqual(
      (await client.insights.list(agent.id)).map((i) => i.text),
      ["a new rule"],
    );
    const extracted = await client.insights.extract(agent.id);
    assert.equal(typeof extracted.pairs, "number");

    // The catalogue's single task is enough to pass validation, not to run: a run needs a train split.
    const tasks = ["2+2", "1+3", "0+4"].map((input) => ({ input, expected: "4" }));
    const evolved = await client.evolution.evolve(agent.id, { tasks, rounds: 1 });
    assert.ok(["finished", "failed", "stopped"].includes(evolved.run.status), evolved.run.status);
    assert.equal(typeof evolved.report, "object");
    assert.deepEqual(
      (await client.evolution.list(agent.id)).items.map((r) => r.id),
      [evolved.run.id],
    );
    assert.equal((await client.evolution.get(agent.id, evolved.run.id)).id, evolved.run.id);
    assert.deepEqual(await client.evolution.report(agent.id, evolved.run.id), evolved.report);
    // A finished run cannot be resumed: the server's refusal arrives as the library's class.
    await assert.rejects(client.evolution.resume(agent.id, evolved.run.id), (error: Error) => {
      assert.ok(
        ["ConflictError", "InvalidInputError"].includes(error.name),
        `${error.name}: ${error.message}`,
      );
      return true;
    });
    // Rolled back over HTTP; the library then finds nothing left to undo, of the same candidates.
    const rolledBack = await client.evolution.rollback(agent.id, evolved.run.id);
    assert.deepEqual(await engram.evolution.rollback(agent.id, evolved.run.id), {
      changed: false,
      commitId: null,
      candidates: rolledBack.candidates,
    });
    const distilled = await client.evolution.distill(agent.id, example("evolution.distill"));
    assert.equal(distilled.format, "sft");

    const slept = await client.sleeptime.run(agent.id, example("sleeptime.run"));
    assert.ok(slept.jobs.length > 0);
    const queued = await client.sleeptime.enqueue(agent.id, { jobs: ["forget"], idempotencyKey: "k1" });
    const jobs = await client.sleeptime.list(agent.id);
    assert.ok(jobs.items.length >= 1);
    const job = queued.jobs[0] ?? slept.jobs[0];
    assert.ok(job !== undefined);
    assert.equal((await client.sleeptime.get(agent.id, job.id)).id, job.id);

    // This server has no embedding model: the refusal arrives as the library raises it.
    await assert.rejects(client.vectors.reindex({ agentId: agent.id, limit: 10 }), {
      name: "InvalidInputError",
      code: "invalid_input",
      message: /no embedding model is configured/,
    });
    await client.projects.delete("green");
    await assert.rejects(client.projects.get("green"), { name: "NotFoundError" });
  });

  it("the entity graph", async () => {
    const agent = await client.agents.create({ name: "grapher" });
    await client.memories.add(agent.id, { text: "Ada Lovelace met Charles Babbage in London." });
    await client.memories.add(agent.id, { text: "Charles Babbage designed engines." });
    const { items } = await client.entities.list(agent.id);
    assert.ok(items.some((e) => e.name === "Ada Lovelace"));
    // The order reaches the server: the most named first, and its cursor pages on in that order.
    const first = await client.entities.list(agent.id, { order: "mentions", limit: 1 });
    assert.deepEqual(
      first.items.map((e) => [e.name, e.mentions]),
      [["Charles Babbage", 2]],
    );
    assert.equal(first.nextCursor, "2:charles babbage");
    const next = await client.entities.list(agent.id, { order: "mentions", cursor: first.nextCursor ?? "" });
    assert.deepEqual(
      next.items.map((e) => e.name),
      ["Ada Lovelace", "London"],
    );
    const { entity, relations } = await client.entities.get(agent.id, "ada lovelace");
    assert.equal(entity.name, "Ada Lovelace");
    assert.ok(relations.length > 0);
    await assert.rejects(client.entities.get(agent.id, "Nobody Here"), { name: "NotFoundError" });
  });

  it("webhooks", async () => {
    const created = await client.webhooks.create(example("webhooks.create"));
    assert.match(created.secret, /^whsec_/);
    const shown = await client.webhooks.get(created.id);
    assert.equal((shown as { secret?: string }).secret, undefined);
    assert.deepEqual(
      (await client.webhooks.list()).items.map((w) => w.id),
      [created.id],
    );
    assert.deepEqual((await client.webhooks.deliveries(created.id)).items, []);
    const off = await client.webhooks.update(created.id, { enabled: false, events: ["*"] });
    assert.deepEqual([off.enabled, off.disabledReason, off.events], [false, "disabled by a user", ["*"]]);
    await client.webhooks.delete(created.id);
    await assert.rejects(client.webhooks.get(created.id), { name: "NotFoundError" });
  });

  it("groups", async () => {
    const member = await client.agents.create({ name: "crew-1" });
    const group = await client.groups.create({
      name: "crew",
      pattern: "round-robin",
      members: [member.name],
    });
    assert.deepEqual(group.members, [{ agentId: member.id, responder: null }]);
    assert.deepEqual(await client.groups.get(group.id), group);
    assert.ok((await client.groups.list()).items.some((g) => g.id === group.id));
    const sent = await client.groups.send(group.id, { content: "2+2?" });
    assert.equal(sent.answer, "4");
    const events = [];
    for await (const event of await client.groups.stream(group.id, { content: "2+2?" }))
      events.push(event.type);
    assert.equal(events.at(-1), "group-done");
    assert.ok(events.includes("start"));
    await client.groups.delete(group.id);
    await assert.rejects(client.groups.get(group.id), { name: "NotFoundError" });
  });

  it("shared blocks", async () => {
    const a = await client.agents.create({ name: "shares-a" });
    const b = await client.agents.create({ name: "shares-b" });
    const block = await client.sharedBlocks.create(example("sharedBlocks.create"));
    assert.match(block.id, /^blk_/);
    await client.sharedBlocks.attach(a.id, block.id);
    await client.sharedBlocks.attach(b.name, block.id, { readOnly: true });
    await client.blocks.set(a.id, "team", "shared and edited");
    assert.equal((await client.blocks.get(b.id, "team")).value, "shared and edited");
    assert.equal((await client.sharedBlocks.get(block.id)).attachments.length, 2);
    assert.ok((await client.sharedBlocks.list()).items.some((x) => x.id === block.id));
    assert.equal((await client.sharedBlocks.commits(block.id)).items[0]?.agentId, a.id);
    await assert.rejects(client.sharedBlocks.delete(block.id), { name: "ConflictError" });
    await client.sharedBlocks.detach(a.id, "team");
    await client.sharedBlocks.detach(b.id, "team");
    await client.sharedBlocks.delete(block.id);
    await assert.rejects(client.sharedBlocks.get(block.id), { name: "NotFoundError" });
  });

  it("MCP servers and the tools list", async () => {
    const agent = await client.agents.create({ name: "with-tools" });
    const put = await client.mcpServers.put(agent.id, "x", example("mcpServers.put"));
    assert.equal(put.created, true);
    assert.equal((await client.mcpServers.put(agent.id, "x", example("mcpServers.put"))).created, false);
    assert.equal((await client.mcpServers.get(agent.id, "x")).config.transport, "stdio");
    assert.deepEqual(
      (await client.mcpServers.list(agent.id)).map((m) => m.name),
      ["x"],
    );
    const tools = await client.runtime.listTools(agent.id);
    assert.ok(tools.items.some((t) => t.name === "memory_append"));
    assert.deepEqual(
      tools.servers.map((m) => [m.name, m.status]),
      [["x", "unavailable"]],
    );
    await client.mcpServers.delete(agent.id, "x");
    await assert.rejects(client.mcpServers.get(agent.id, "x"), { name: "NotFoundError" });
  });

  it("called every operation of the table", () => {
    assert.deepEqual(
      Object.keys(OPERATIONS).filter((id) => !called.has(id as OperationId)),
      [],
      "operations the client never called",
    );
  });
});
