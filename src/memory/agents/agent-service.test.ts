import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import { isId } from "../../core/ids.ts";
import { createTestEngram } from "../../test/index.ts";

describe("agents and projects", () => {
  it("creates agents with prefixed ids in the default project and lists them page by page", async () => {
    const engram = createTestEngram();
    const created = [];
    for (let i = 0; i < 5; i++)
      created.push(await engram.agents.create({ name: `agent ${i}`, model: "openai:gpt-4o-mini" }));
    assert.ok(created.every((a) => isId("agent", a.id)));
    const project = await engram.projects.get("default");
    assert.ok(created.every((a) => a.projectId === project.id));
    const page1 = await engram.agents.list({ limit: 2 });
    const page2 = await engram.agents.list({ limit: 2, cursor: page1.nextCursor ?? "" });
    const page3 = await engram.agents.list({ limit: 2, cursor: page2.nextCursor ?? "" });
    assert.deepEqual(
      [...page1.items, ...page2.items, ...page3.items].map((a) => a.name),
      created.map((a) => a.name),
    );
    assert.equal(page3.nextCursor, null);
  });

  it("updates an agent and records the change", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a", instructions: "be brief" });
    const updated = await engram.agents.update(agent.id, {
      name: "b",
      model: "ollama:qwen3:8b",
      metadata: { team: "x" },
    });
    assert.equal(updated.name, "b");
    assert.equal(updated.model, "ollama:qwen3:8b");
    assert.equal(updated.instructions, "be brief");
    assert.deepEqual((await engram.agents.get(agent.id)).metadata, { team: "x" });
    const events = (await engram.events.list({ agentId: agent.id })).items;
    assert.equal(events.at(-1)?.kind, "agent.updated");
    assert.equal((events.at(-1)?.before as { name: string } | undefined)?.name, "a");
  });

  it("rejects bad agent input naming the field, writing nothing", async () => {
    const engram = createTestEngram();
    await assert.rejects(engram.agents.create({ name: "" }), /name: must not be empty/);
    await assert.rejects(engram.agents.create({ name: "a", model: "gpt4" }), /model: must be provider:model/);
    await assert.rejects(
      engram.agents.create({ name: "a", model: "opneai:gpt-4o" }),
      /model: must name a provider engram can call: openai:, anthropic:, ollama:, openai-compatible:/,
    );
    await assert.rejects(engram.agents.create({ name: "a", extra: 1 } as never), /extra/);
    await assert.rejects(
      engram.agents.create({ name: "a", blocks: [{ label: "x" }, { label: "x" }] }),
      /blocks\.1\.label: "x" appears twice/,
    );
    await assert.rejects(engram.agents.create({ name: "a", project: "nope" }), NotFoundError);
    assert.equal((await engram.agents.list()).items.length, 0);
    assert.equal((await engram.projects.list()).items.length, 0);
    const agent = await engram.agents.create({ name: "ok" });
    await assert.rejects(engram.agents.update(agent.id, { name: 3 as unknown as string }), InvalidInputError);
    await assert.rejects(
      engram.agents.update(agent.id, { model: "olama:qwen3:8b" }),
      /model: must name a provider/,
    );
    assert.equal((await engram.agents.get(agent.id)).name, "ok");
    assert.equal((await engram.agents.get(agent.id)).model, null);
    for (const model of [
      "openai:gpt-4o-mini",
      "anthropic:claude-sonnet-4-5",
      "ollama:qwen3:8b",
      "openai-compatible:m",
    ])
      assert.equal((await engram.agents.update(agent.id, { model })).model, model);
  });

  it("keeps agent names unique in a project: create, rename and fork refuse a taken name, changing nothing", async () => {
    const engram = createTestEngram();
    const a = await engram.agents.create({ name: "solo" });
    const b = await engram.agents.create({ name: "twin" });
    assert.equal((await engram.agents.find("solo")).id, a.id);
    await assert.rejects(engram.agents.find("nobody"), NotFoundError);
    const taken = (error: unknown) =>
      error instanceof ConflictError &&
      /an agent named "twin" already exists in this project/.test(error.message);
    await assert.rejects(engram.agents.create({ name: "twin" }), taken);
    await assert.rejects(engram.agents.update(a.id, { name: "twin" }), taken);
    await assert.rejects(engram.agents.fork(a.id, { name: "twin" }), taken);
    assert.deepEqual(
      (await engram.agents.list()).items.map((x) => x.name),
      ["solo", "twin"],
    );
    assert.equal((await engram.events.list({ agentId: a.id })).items.length, 1);
    // The same name in another project is another agent; a rename to one's own name is no change.
    await engram.projects.create({ name: "other" });
    await engram.agents.create({ name: "twin", project: "other" });
    assert.equal((await engram.agents.update(b.id, { name: "twin" })).name, "twin");
    // A fork without a name takes a free one.
    assert.equal((await engram.agents.fork(a.id)).name, "solo (fork)");
    assert.equal((await engram.agents.fork(a.id)).name, "solo (fork)-2");
  });

  it("refuses a name that starts as agent ids do: create, rename and fork, writing nothing", async () => {
    const engram = createTestEngram();
    const a = await engram.agents.create({ name: "a" });
    const idLike = (error: unknown) =>
      error instanceof InvalidInputError &&
      /^invalid (agent|agent update|fork): name: must not start with "agt_", which marks agent ids$/.test(
        error.message,
      );
    await assert.rejects(engram.agents.create({ name: "agt_hello" }), idLike);
    await assert.rejects(engram.agents.create({ name: `  ${a.id}` }), idLike);
    await assert.rejects(engram.agents.update(a.id, { name: "agt_hello" }), idLike);
    await assert.rejects(engram.agents.fork(a.id, { name: a.id }), idLike);
    assert.deepEqual(
      (await engram.agents.list()).items.map((x) => x.name),
      ["a"],
    );
    assert.equal((await engram.events.list({ agentId: a.id })).items.length, 1);
    // Only the prefix itself is taken: names that merely resemble it are names.
    for (const name of ["agt", "AGT_hello", "agt-hello", "my agt_"])
      assert.equal((await engram.agents.find((await engram.agents.create({ name })).name)).name, name);
  });

  it("deletes an agent with its history in one step", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: "a" });
    await engram.blocks.set(agent.id, "human", "x");
    await engram.agents.delete(agent.id);
    await assert.rejects(engram.agents.get(agent.id), NotFoundError);
    assert.equal((await engram.store.history.snapshot(agent.id)).commits.length, 0);
    await assert.rejects(engram.agents.delete(agent.id), NotFoundError);
  });

  it("keeps projects apart: a project-scoped view sees only its own agents", async () => {
    const engram = createTestEngram();
    const red = await engram.projects.create({ name: "red" });
    const blue = await engram.projects.create({ name: "blue" });
    const redAgent = await engram.agents.create({ name: "r", project: "red" });
    const blueAgent = await engram.agents.create({ name: "b", project: blue.id });
    const asRed = engram.forProject(red.id);
    assert.deepEqual(
      (await asRed.agents.list()).items.map((a) => a.id),
      [redAgent.id],
    );
    await assert.rejects(asRed.agents.get(blueAgent.id), NotFoundError);
    await assert.rejects(asRed.blocks.list(blueAgent.id), NotFoundError);
    await assert.rejects(asRed.blocks.set(blueAgent.id, "human", "x"), NotFoundError);
    await assert.rejects(asRed.transfer.export(blueAgent.id), NotFoundError);
    await assert.rejects(asRed.projects.get("blue"), NotFoundError);
    assert.ok((await asRed.events.list()).items.every((e) => e.projectId === red.id));
    const made = await asRed.agents.create({ name: "new" });
    assert.equal(made.projectId, red.id);
  });

  it("deletes a project with all of its agents", async () => {
    const engram = createTestEngram();
    await engram.projects.create({ name: "tmp" });
    const agent = await engram.agents.create({ name: "a", project: "tmp" });
    await engram.projects.delete("tmp");
    await assert.rejects(engram.agents.get(agent.id), NotFoundError);
    await assert.rejects(engram.projects.create({ name: "bad name!" }), /name/);
  });
});
