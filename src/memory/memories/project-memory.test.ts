import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ForbiddenError, InvalidInputError, NotFoundError } from "../../core/errors.ts";
import { createSqliteStore } from "../../store/sqlite/sqlite-store.ts";
import { createTestEngram } from "../../test/index.ts";
import { copyDatabase } from "../../transfer/copy-database.ts";
import { markOf } from "./memory-mark.ts";
import { PROJECT_HOLDER_NAME } from "./project-holder-name.ts";

async function setup() {
  const engram = createTestEngram();
  const writer = await engram.agents.create({ name: "writer", metadata: { projectMemory: "write" } });
  const reader = await engram.agents.create({ name: "reader" });
  return { engram, writer, reader };
}

describe("project memory", () => {
  it("is found by every agent of the project, each result saying its scope and writer", async () => {
    const { engram, writer, reader } = await setup();
    const shared = await engram.memories.add(writer.id, {
      text: "The office moves to Porto",
      scope: "project",
    });
    const own = await engram.memories.add(reader.id, { text: "Reader thinks the office is in Porto" });
    assert.notEqual(shared.agentId, writer.id, "a project memory is not the writer's own");
    assert.equal(shared.metadata.writtenBy, writer.id);
    const { results } = await engram.search(reader.id, { query: "office Porto", sources: ["memories"] });
    const byId = new Map(results.map((r) => [r.id, r]));
    assert.equal(byId.get(shared.id)?.scope, "project");
    assert.equal(byId.get(shared.id)?.writtenBy, writer.id);
    assert.equal(byId.get(own.id)?.scope, "agent");
    assert.equal(byId.get(own.id)?.writtenBy, undefined);
    // The writer finds it too, as the project's, not as its own.
    const mine = await engram.search(writer.id, { query: "office Porto", sources: ["memories"] });
    assert.deepEqual(
      mine.results.map((r) => [r.id, r.scope]),
      [[shared.id, "project"]],
    );
    // It reaches the other agent's context, marked as the project's.
    const context = await engram.runtime.context(reader.id, { query: "where is the office" });
    assert.match(context.retrieved, /\(fact; [^)]*project memory\) The office moves to Porto/);
    assert.doesNotMatch(context.retrieved, /project memory\) Reader thinks/);
    // Any agent of the project reads it by id; its own listing holds only its own memories.
    assert.equal((await engram.memories.get(reader.id, shared.id)).text, "The office moves to Porto");
    assert.deepEqual(
      (await engram.memories.list(reader.id)).items.map((m) => m.id),
      [own.id],
    );
    assert.deepEqual(
      (await engram.memories.list(reader.id, { scope: "project" })).items.map((m) => m.id),
      [shared.id],
    );
  });

  it("is filtered by userId like any memory", async () => {
    const { engram, writer, reader } = await setup();
    const ada = await engram.memories.add(writer.id, {
      text: "Ada prefers email",
      userId: "ada",
      scope: "project",
    });
    const all = await engram.memories.add(writer.id, {
      text: "Everyone prefers email on Fridays",
      scope: "project",
    });
    await engram.memories.add(writer.id, { text: "Bob prefers email too", userId: "bob", scope: "project" });
    const found = async (userId: string) =>
      (await engram.search(reader.id, { query: "prefers email", userId, sources: ["memories"] })).results
        .map((r) => r.id)
        .sort();
    assert.deepEqual(await found("ada"), [ada.id, all.id].sort());
    assert.equal((await found("bob")).includes(ada.id), false);
  });

  it("is never found by an agent of another project, nor by an agent that reads none", async () => {
    const { engram, writer } = await setup();
    const shared = await engram.memories.add(writer.id, {
      text: "The launch code word is heron",
      scope: "project",
    });
    await engram.projects.create({ name: "other" });
    const stranger = await engram.agents.create({ name: "stranger", project: "other" });
    const foreign = await engram.search(stranger.id, { query: "launch code word heron" });
    assert.deepEqual(foreign.results, []);
    await assert.rejects(engram.memories.get(stranger.id, shared.id), NotFoundError);
    await assert.rejects(engram.memories.history(stranger.id, shared.id), NotFoundError);
    await assert.rejects(engram.memories.delete(stranger.id, shared.id), NotFoundError);
    assert.deepEqual((await engram.memories.list(stranger.id, { scope: "project" })).items, []);
    const deaf = await engram.agents.create({ name: "deaf", metadata: { projectMemory: "none" } });
    const none = await engram.search(deaf.id, { query: "launch code word heron" });
    assert.deepEqual(none.results, []);
  });

  it("lets an agent's own tools write it only when the agent may; users always may", async () => {
    const { engram, writer, reader } = await setup();
    await assert.rejects(
      engram.memories.add(reader.id, { text: "A rumour", scope: "project" }, { actor: "agent" }),
      (error: unknown) => error instanceof ForbiddenError && /metadata\.projectMemory/.test(error.message),
    );
    assert.equal((await engram.search(reader.id, { query: "rumour" })).results.length, 0, "nothing written");
    await assert.rejects(
      engram.agents.update(reader.id, { metadata: { projectMemory: "writ" } }),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        /metadata\.projectMemory: must be one of none, read, write/.test(error.message),
    );
    assert.deepEqual((await engram.agents.get(reader.id)).metadata, {}, "nothing changed");
    const byAgent = await engram.memories.add(
      writer.id,
      { text: "A fact", scope: "project" },
      { actor: "agent" },
    );
    const byUser = await engram.memories.add(reader.id, { text: "Another fact", scope: "project" });
    assert.equal(byAgent.agentId, byUser.agentId, "one project, one store of project memory");
  });

  it("refuses a batch that mixes scopes, and a bad scope, naming the field", async () => {
    const { engram, writer } = await setup();
    await assert.rejects(
      engram.memories.addMany(writer.id, [
        { text: "mine", scope: "agent" },
        { text: "ours", scope: "project" },
      ]),
      (error: unknown) => error instanceof InvalidInputError && /scope/.test(error.message),
    );
    await assert.rejects(
      engram.memories.add(writer.id, { text: "x", scope: "team" as "project" }),
      (error: unknown) => error instanceof InvalidInputError && /scope/.test(error.message),
    );
    assert.equal((await engram.memories.list(writer.id)).items.length, 0);
  });

  it("keeps its holder out of agent listings and out of reach as an agent", async () => {
    const { engram, writer } = await setup();
    const shared = await engram.memories.add(writer.id, { text: "Shared", scope: "project" });
    const names = (await engram.agents.list()).items.map((a) => a.name).sort();
    assert.deepEqual(names, ["reader", "writer"]);
    await assert.rejects(engram.agents.get(shared.agentId), NotFoundError);
    await assert.rejects(engram.memories.list(shared.agentId), NotFoundError);
    await assert.rejects(engram.agents.find(PROJECT_HOLDER_NAME), NotFoundError);
    await assert.rejects(
      engram.agents.create({ name: PROJECT_HOLDER_NAME }),
      (error: unknown) => error instanceof InvalidInputError && /reserved/.test(error.message),
    );
  });

  it("outlives the agent that wrote it, and goes with its project", async () => {
    const { engram, writer, reader } = await setup();
    const shared = await engram.memories.add(writer.id, { text: "Backups run nightly", scope: "project" });
    await engram.agents.delete(writer.id);
    const { results } = await engram.search(reader.id, { query: "backups nightly" });
    assert.deepEqual(
      results.map((r) => r.id),
      [shared.id],
    );
    await engram.projects.create({ name: "short-lived" });
    const temp = await engram.agents.create({ name: "temp", project: "short-lived" });
    const gone = await engram.memories.add(temp.id, { text: "Temporary", scope: "project" });
    await engram.projects.delete("short-lived");
    assert.equal(await engram.store.agents.get(gone.agentId), null, "the holder went with its project");
    assert.equal(await engram.store.memories.get(gone.agentId, gone.id), null);
  });

  it("closes the project's previous keyed fact of the same key and user, whichever agent wrote it", async () => {
    const { engram, writer, reader } = await setup();
    const first = await engram.memories.add(writer.id, {
      text: "The standup is at 9",
      key: "team.standup",
      scope: "project",
      validFrom: "2025-01-01T00:00:00Z",
    });
    const own = await engram.memories.add(reader.id, { text: "I join standup at 9", key: "team.standup" });
    const second = await engram.memories.add(reader.id, {
      text: "The standup is at 10",
      key: "team.standup",
      scope: "project",
      validFrom: "2025-06-01T00:00:00Z",
    });
    const closed = await engram.memories.get(writer.id, first.id);
    assert.equal(closed.validTo, "2025-06-01T00:00:00.000Z");
    assert.equal(markOf(closed).supersededBy, second.id);
    assert.equal(closed.metadata.writtenBy, writer.id, "closing keeps the writer");
    assert.equal(
      (await engram.memories.get(reader.id, own.id)).validTo,
      null,
      "an agent's own fact is apart",
    );
  });

  it("stays in its writer's entity graph when another agent edits or deletes it", async () => {
    const { engram, writer, reader } = await setup();
    const relations = async (agentId: string) =>
      (await engram.entities.dump(agentId)).relations.map((r) => [r.source, r.target, r.weight]);
    const fact = await engram.memories.add(writer.id, { text: "Ada met Bea in Berlin.", scope: "project" });
    assert.deepEqual(await relations(writer.id), [
      ["ada", "bea", 1],
      ["ada", "berlin", 1],
      ["bea", "berlin", 1],
    ]);
    await engram.memories.update(reader.id, fact.id, { text: "Ada met Bea in Lisbon." });
    assert.deepEqual(await relations(writer.id), [
      ["ada", "bea", 1],
      ["ada", "lisbon", 1],
      ["bea", "lisbon", 1],
    ]);
    assert.deepEqual(await relations(reader.id), []);
    await engram.memories.delete(reader.id, fact.id);
    assert.deepEqual(await relations(writer.id), []);
  });

  it("is not carried by an agent's export as its own; a database copy keeps it for every agent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "engram-project-memory-"));
    try {
      const from = join(dir, "from.db");
      const source = createTestEngram({ path: from });
      const writer = await source.agents.create({ name: "writer" });
      const reader = await source.agents.create({ name: "reader" });
      const shared = await source.memories.add(writer.id, {
        text: "Invoices go out on the 5th",
        scope: "project",
        // Before the copy's test clock starts, so that the copy finds it valid now.
        validFrom: "2025-01-01T00:00:00Z",
      });
      const own = await source.memories.add(writer.id, { text: "Writer drafts the invoices" });
      const doc = await source.transfer.export(writer.id);
      assert.deepEqual(
        doc.memories.map((m) => m.id),
        [own.id],
      );
      await source.close();
      const to = join(dir, "to.db");
      const report = await copyDatabase(createSqliteStore({ path: from }), createSqliteStore({ path: to }));
      assert.deepEqual(report.agents.differing, []);
      const copy = createTestEngram({ path: to });
      try {
        const { results } = await copy.search(reader.id, { query: "invoices 5th", sources: ["memories"] });
        assert.deepEqual(
          results.map((r) => [r.id, r.scope, r.writtenBy]),
          [[shared.id, "project", writer.id]],
        );
        assert.deepEqual((await copy.agents.list()).items.map((a) => a.name).sort(), ["reader", "writer"]);
      } finally {
        await copy.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
