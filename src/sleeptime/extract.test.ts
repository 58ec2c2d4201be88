import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Relation } from "../core/graph-types.ts";
import { createTestEngram } from "../test/index.ts";
import { scriptedModel } from "./test-support.ts";

/** The item ids a prompt shows, in order. */
const idsIn = (prompt: string) =>
  [...prompt.matchAll(/id ((?:mem|msg)_[0-9a-z]+)/g)].map((m) => m[1] as string);

type Answer = (ids: string[], prompt: string) => unknown;

/** An engine whose model answers extraction prompts with `answer` (other prompts: an empty object). */
async function setUp(
  answer: Answer,
  metadata: Record<string, unknown> = { graph: "model", sleeptime: { decideOnWrite: false } },
) {
  const prompts: string[] = [];
  const model = scriptedModel((prompt) => {
    if (!prompt.includes("knowledge graph")) return {};
    prompts.push(prompt);
    const reply = answer(idsIn(prompt), prompt);
    return typeof reply === "string" ? reply : (reply as object);
  });
  const engram = createTestEngram({ model });
  const agent = await engram.agents.create({ name: "a", metadata });
  return { engram, agent, prompts };
}

const relationsOf = async (engram: ReturnType<typeof createTestEngram>, agentId: string, name: string) =>
  (await engram.entities.get(agentId, name)).relations.filter(
    (r) => r.type !== "co_occurs" && r.type !== "mentions",
  );
const brief = (r: Relation) => [
  r.source,
  r.type,
  r.target,
  r.validTo,
  r.provenance.map((p) => `${p.source}:${p.id}`),
];

describe("sleep-time extraction with a model (metadata.graph: model)", () => {
  it("a write queues one extract job; its relations land with their provenance, in one model call", async () => {
    const { engram, agent, prompts } = await setUp((ids) => ({
      items: [
        {
          id: ids[0],
          entities: [
            { name: "Ada", type: "person" },
            { name: "Berlin", type: "place" },
          ],
          relations: [{ source: "Ada", target: "Berlin", type: "lives_in" }],
        },
        {
          id: ids[1],
          entities: [
            { name: "Bea", type: "person" },
            { name: "Acme", type: "organisation" },
          ],
          relations: [{ source: "Bea", target: "Acme", type: "works_at", validFrom: "2025-05-01" }],
        },
      ],
    }));
    const memory = await engram.memories.add(agent.id, { text: "Ada lives in Berlin." });
    const message = await engram.messages.append(agent.id, {
      role: "user",
      content: "Bea works at acme since May.",
    });
    assert.equal(prompts.length, 0, "the writes returned before any model call");
    const queued = (await engram.sleeptime.list(agent.id, { status: "queued" })).items;
    assert.deepEqual(
      queued.map((j) => [j.kind, j.trigger]),
      [["extract", "writes"]],
    );
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal(prompts.length, 1, "one model call for the batch");
    assert.deepEqual(idsIn(prompts[0] ?? ""), [memory.id, message.id]);
    assert.deepEqual((await relationsOf(engram, agent.id, "Ada")).map(brief), [
      ["ada", "lives_in", "berlin", null, [`memory:${memory.id}`]],
    ]);
    const [worksAt] = await relationsOf(engram, agent.id, "Bea");
    assert.deepEqual(brief(worksAt as Relation), [
      "bea",
      "works_at",
      "acme",
      null,
      [`message:${message.id}`],
    ]);
    assert.equal(worksAt?.validFrom, "2025-05-01T00:00:00.000Z");
    assert.equal(
      (await engram.entities.get(agent.id, "acme")).entity.type,
      "organisation",
      "a name the rules missed",
    );
    assert.equal(job?.result?.stats && (job.result.stats as Record<string, number>).relations, 2);

    // The next job reads only what was written since.
    await engram.memories.add(agent.id, { text: "Cleo likes tea." });
    const [next] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(next?.status, "succeeded", JSON.stringify(next?.error));
    assert.equal(idsIn(prompts[1] ?? "").length, 1);
  });

  it("tool calls and results are not sent to the model: they name no one", async () => {
    const { engram, agent, prompts } = await setUp(() => ({ items: [] }));
    const said = await engram.messages.appendMany(agent.id, [
      { role: "user", content: "Ada moved to Porto." },
      {
        role: "assistant",
        content: '→ memory_append {"label":"human","text":"Lives in Porto."}',
        metadata: { callsOnly: true },
      },
      { role: "tool", name: "memory_append", content: '{"ok":true,"label":"human"}' },
      { role: "assistant", content: "Noted, Ada." },
    ]);
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.deepEqual(idsIn(prompts[0] ?? ""), [said[0]?.id, said[3]?.id]);
    assert.doesNotMatch(prompts[0] ?? "", /memory_append/);
  });

  it("a later move closes the earlier lives_in: the relation gets its end", async () => {
    const { engram, agent, prompts } = await setUp((ids, prompt) =>
      prompt.includes("moved to Lisbon")
        ? {
            items: [
              {
                id: ids[0],
                entities: [
                  { name: "Ada", type: "person" },
                  { name: "Lisbon", type: "place" },
                  { name: "Berlin", type: "place" },
                ],
                relations: [
                  { source: "Ada", target: "Lisbon", type: "lives_in", validFrom: "2026-03-01" },
                  { source: "Ada", target: "Berlin", type: "lives_in", validTo: "2026-03-01" },
                ],
              },
            ],
          }
        : {
            items: [
              {
                id: ids[0],
                entities: [
                  { name: "Ada", type: "person" },
                  { name: "Berlin", type: "place" },
                ],
                relations: [{ source: "Ada", target: "Berlin", type: "lives_in" }],
              },
            ],
          },
    );
    const berlin = await engram.memories.add(agent.id, { text: "Ada lives in Berlin." });
    await engram.sleeptime.runPending({ agentId: agent.id });
    const moved = await engram.memories.add(agent.id, { text: "Ada moved to Lisbon in March 2026." });
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.match(prompts[1] ?? "", /ada lives_in berlin/, "the model is shown the relation it may end");
    const byTarget = new Map((await relationsOf(engram, agent.id, "Ada")).map((r) => [r.target, r]));
    assert.equal(byTarget.get("berlin")?.validTo, "2026-03-01T00:00:00.000Z");
    assert.deepEqual(
      byTarget.get("berlin")?.provenance.map((p) => p.id),
      [berlin.id, moved.id],
    );
    assert.equal(byTarget.get("lisbon")?.validTo, null);
    assert.equal(byTarget.get("lisbon")?.validFrom, "2026-03-01T00:00:00.000Z");

    // A rebuild (as consolidation makes) keeps what the model found, for sources that still exist.
    await engram.entities.rebuild(agent.id);
    const rebuilt = await relationsOf(engram, agent.id, "Ada");
    assert.deepEqual(rebuilt.map(brief), [...byTarget.values()].map(brief));
    await engram.memories.delete(agent.id, berlin.id);
    await engram.memories.delete(agent.id, moved.id);
    await engram.entities.rebuild(agent.id);
    await assert.rejects(engram.entities.get(agent.id, "Ada"), /not found/);
  });

  it("a later batch of the same job is shown the relations an earlier batch found", async () => {
    const { engram, agent, prompts } = await setUp((ids, prompt) => ({
      items: prompt.includes("lives in Berlin")
        ? [
            {
              id: ids[0],
              entities: [
                { name: "Ada", type: "person" },
                { name: "Berlin", type: "place" },
              ],
              relations: [{ source: "Ada", target: "Berlin", type: "lives_in" }],
            },
          ]
        : [],
    }));
    await engram.memories.add(agent.id, { text: "Ada lives in Berlin." });
    await engram.memories.add(agent.id, { text: "Ada moved to Lisbon." });
    const run = await engram.sleeptime.run(agent.id, {
      jobs: ["extract"],
      options: { extract: { batchItems: 1 } },
    });
    assert.equal(run.jobs[0]?.status, "succeeded", JSON.stringify(run.jobs[0]?.error));
    assert.equal(prompts.length, 2, "one call per batch");
    assert.doesNotMatch(prompts[0] ?? "", /Known open relations/);
    assert.match(prompts[1] ?? "", /Known open relations:.*ada lives_in berlin/);
    const [queued] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(queued?.result?.summary, "nothing new to extract from", "the watermark moved past both");
  });

  it("a backlog larger than maxItems is taken oldest first across runs, nothing skipped or repeated, reading only each batch", async () => {
    const { engram, agent, prompts } = await setUp(() => ({ items: [] }));
    const memories = [];
    for (let n = 1; n <= 7; n++) memories.push(await engram.memories.add(agent.id, { text: `Fact ${n}.` }));
    const archived = await engram.memories.add(agent.id, { text: "An archived fact." });
    await engram.memories.archive(agent.id, archived.id);
    const messages = [];
    for (let n = 1; n <= 2; n++)
      messages.push(await engram.messages.append(agent.id, { role: "user", content: `Message ${n}.` }));
    // Every memory row the job reads, to show that a run reads its batch and not the whole backlog.
    const list = engram.store.memories.list.bind(engram.store.memories);
    const read: number[] = [];
    engram.store.memories.list = async (filter, options) => {
      const rows = await list(filter, options);
      read.push(rows.length);
      return rows;
    };
    const extract = async () => {
      const run = await engram.sleeptime.run(agent.id, {
        jobs: ["extract"],
        options: { extract: { maxItems: 3, batchItems: 10 } },
      });
      assert.equal(run.jobs[0]?.status, "succeeded", JSON.stringify(run.jobs[0]?.error));
      return run.jobs[0];
    };
    await extract();
    assert.deepEqual(read, [3], "one read of the three oldest memories");
    // The watermark's own memory going away does not move the next run's start.
    await engram.memories.delete(agent.id, memories[2]?.id as string);
    await extract();
    await extract();
    const last = await extract();
    assert.equal(last?.result?.summary, "nothing new to extract from");
    assert.deepEqual(prompts.map(idsIn), [
      memories.slice(0, 3).map((m) => m.id),
      memories.slice(3, 6).map((m) => m.id),
      [memories[6]?.id, ...messages.map((m) => m.id)],
    ]);
    assert.ok(
      read.every((rows) => rows <= 3),
      `every read is at most one batch: ${read.join(", ")}`,
    );
  });

  it("malformed, unknown or oversize items are dropped one by one with a warning; the rest are kept", async () => {
    const { engram, agent } = await setUp((ids) => ({
      items: [
        { id: "mem_unknown", entities: [{ name: "Zed", type: "person" }], relations: [] },
        {
          id: ids[0],
          entities: [
            { name: "Ada", type: "person" },
            { name: "Berlin", type: "place" },
          ],
          relations: [{ source: "Ada", target: "Berlin", type: "x".repeat(300) }],
        },
        { id: ids[1], entities: "Bea", relations: [] },
        {
          id: ids[2],
          entities: [
            { name: "Cleo", type: "person" },
            { name: "Oslo", type: "place" },
          ],
          relations: [{ source: "Cleo", target: "Oslo", type: "lives_in" }],
        },
        {
          id: ids[2],
          entities: [{ name: "Cleo", type: "person" }],
          relations: [],
        },
      ],
    }));
    const ada = await engram.memories.add(agent.id, { text: "Ada lives in Berlin." });
    await engram.memories.add(agent.id, { text: "Bea lives in Rome." });
    await engram.memories.add(agent.id, { text: "Cleo lives in Oslo." });
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    const warnings = job?.result?.warnings as string[];
    assert.equal(warnings.length, 4, warnings.join("\n"));
    assert.match(warnings[0] ?? "", /item 1 dropped: id "mem_unknown" is not one of the batch's items/);
    assert.match(warnings[1] ?? "", /item 2 dropped: .*type/);
    assert.match(warnings[2] ?? "", /item 3 dropped: .*entities/);
    assert.match(warnings[3] ?? "", /item 5 dropped: id .* is answered twice/);
    assert.deepEqual(
      (await relationsOf(engram, agent.id, "Cleo")).map((r) => r.type),
      ["lives_in"],
    );
    assert.deepEqual(await relationsOf(engram, agent.id, "Ada"), [], "a dropped item adds nothing");
    assert.deepEqual(
      (await engram.entities.get(agent.id, "Ada")).mentions.map((m) => m.id),
      [ada.id],
      "it keeps its deterministic record",
    );
    await assert.rejects(engram.entities.get(agent.id, "Zed"), /entity "Zed" not found/);
  });

  it("a relation dated on a day that does not exist, or out of the years 0000 to 9999, drops its item", async () => {
    const dated = (validFrom: string) => ({
      entities: [
        { name: "Ada", type: "person" },
        { name: "Acme", type: "organisation" },
      ],
      relations: [{ source: "Ada", target: "Acme", type: "works_at", validFrom }],
    });
    const { engram, agent } = await setUp((ids) => ({
      items: [
        { id: ids[0], ...dated("2025-02-30") },
        { id: ids[1], ...dated("9999-12-31T23:00:00-05:00") },
        { id: ids[2], ...dated("2025-02-28") },
      ],
    }));
    for (const text of ["Ada joined Acme.", "Ada works at Acme.", "Ada is at Acme."])
      await engram.memories.add(agent.id, { text });
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    const warnings = job?.result?.warnings as string[];
    assert.equal(warnings.length, 2, warnings.join("\n"));
    assert.match(warnings[0] ?? "", /item 1 dropped: relations\.0\.validFrom: /);
    assert.match(warnings[1] ?? "", /item 2 dropped: relation works_at has a date that is not one/);
    assert.deepEqual(
      (await relationsOf(engram, agent.id, "Ada")).map((r) => [r.type, r.validFrom]),
      [["works_at", "2025-02-28T00:00:00.000Z"]],
    );
  });

  it("the model's type replaces the rules' guess, and keeps it through later writes and a rebuild", async () => {
    const { engram, agent } = await setUp((ids) => ({
      items: ids.map((id) => ({
        id,
        entities: [
          { name: "Ada", type: "person" },
          { name: "Jordan", type: "place" },
        ],
        relations: [{ source: "Ada", target: "Jordan", type: "visited" }],
      })),
    }));
    await engram.memories.add(agent.id, { text: "Ada flew over Jordan last spring." });
    const typeOf = async () => (await engram.entities.get(agent.id, "Jordan")).entity.type;
    assert.equal(await typeOf(), "person", "the rules guess a person for a bare name");
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.equal(await typeOf(), "place");
    // The rules' next guess does not undo it, nor does a rebuild from the memories.
    await engram.memories.add(agent.id, { text: "Jordan was warm." });
    assert.equal(await typeOf(), "place");
    await engram.entities.rebuild(agent.id);
    assert.equal(await typeOf(), "place");
    assert.equal((await engram.entities.get(agent.id, "Ada")).entity.type, "person");
  });

  it("an answer that is no JSON at all changes nothing and fails nothing; rules-mode agents queue no extraction", async () => {
    const { engram, agent } = await setUp(() => "I cannot help with that.");
    await engram.memories.add(agent.id, { text: "Ada lives in Berlin." });
    const before = await engram.entities.dump(agent.id);
    const [job] = await engram.sleeptime.runPending({ agentId: agent.id });
    assert.equal(job?.status, "succeeded", JSON.stringify(job?.error));
    assert.match(JSON.stringify(job?.result?.warnings), /not JSON/);
    assert.deepEqual(await engram.entities.dump(agent.id), before);

    const rules = await engram.agents.create({ name: "b" });
    await engram.memories.add(rules.id, { text: "Bea lives in Rome." });
    const kinds = (await engram.sleeptime.list(rules.id, {})).items.map((j) => j.kind);
    assert.ok(!kinds.includes("extract"), kinds.join(", "));
  });

  it("no decide or extract job is ever queued for the project's memory holder", async () => {
    const { engram, agent } = await setUp(() => ({ items: [] }), { graph: "model", projectMemory: "write" });
    await engram.memories.add(
      agent.id,
      { text: "The office is in Berlin.", kind: "fact", scope: "project" },
      { actor: "agent" },
    );
    await engram.memories.add(agent.id, {
      text: "The office moved to Lisbon.",
      kind: "fact",
      scope: "project",
    });
    const [shared] = (await engram.memories.list(agent.id, { scope: "project" })).items;
    const holderId = shared?.agentId as string;
    assert.notEqual(holderId, agent.id);
    assert.deepEqual(await engram.store.jobs.list({ agentId: holderId }, { limit: 10 }), []);
    const kinds = (await engram.sleeptime.list(agent.id, {})).items.map((j) => j.kind);
    assert.deepEqual(kinds, ["extract"], "the writer's own graph job, no decision on project facts");
  });
});
