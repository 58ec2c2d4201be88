import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { InvalidInputError } from "../core/errors.ts";
import { describePath } from "../core/input-limits.ts";
import type { Engram } from "../engram.ts";
import { createTestEngram } from "../test/index.ts";
import type { ExportDocument } from "./format.ts";

/**
 * Every text field an agent carries, written from arbitrary Unicode: what is acknowledged is what is
 * stored, and an export imports into another database exactly (its commit ids verify). Text with a
 * lone surrogate or a NUL, which storage could not keep as given, is refused where it enters and
 * changes nothing.
 */

/**
 * Any well-formed text but NUL (which no backend stores), astral code points included; framed so
 * trimming and emptiness do not apply.
 */
const text = fc.string({ unit: "binary", maxLength: 24 }).map((s) => `«${s.replaceAll("\u0000", "")}»`);

/** A text field of each kind an agent has. */
const texts = fc.record({
  name: text,
  instructions: text,
  metaKey: text,
  metaValue: text,
  block: text,
  description: text,
  commitMessage: text,
  memory: text,
  tag: text,
  userId: text,
  content: text,
  speaker: text,
  session: text,
  task: text,
  observation: text,
  action: text,
  rule: text,
});
type Texts = typeof texts extends fc.Arbitrary<infer T> ? T : never;

/** Writes an agent through the library with `s` in every text field; returns its id. */
async function writeAgent(engram: Engram, s: Texts): Promise<string> {
  const metadata = { [s.metaKey]: [s.metaValue, { [s.metaValue]: s.metaKey }] };
  const agent = await engram.agents.create({ name: s.name, instructions: s.instructions, metadata });
  assert.equal(agent.name, s.name);
  const committed = await engram.blocks.set(agent.id, "persona", s.block, {
    description: s.description,
    message: s.commitMessage,
  });
  assert.equal(committed.commit.message, s.commitMessage);
  const memory = await engram.memories.add(agent.id, {
    text: s.memory,
    tags: [s.tag],
    userId: s.userId,
    metadata,
  });
  assert.equal(memory.text, s.memory);
  await engram.messages.append(agent.id, {
    role: "user",
    content: s.content,
    name: s.speaker,
    sessionId: s.session,
    userId: s.userId,
    metadata,
  });
  await engram.experience.recordEpisode(agent.id, {
    task: s.task,
    steps: [
      { observation: s.observation, availableActions: [s.action, "wait"], action: s.action, reward: 1 },
    ],
    finalObservation: s.observation,
    metadata,
  });
  await engram.insights.apply(agent.id, [{ op: "add", text: s.rule }]);
  return agent.id;
}

const portable = (doc: ExportDocument) => ({ ...doc, exportedAt: "" });

describe("text round trip", () => {
  it("stores every well-formed text as given, and export → import reproduces it exactly", async () => {
    await fc.assert(
      fc.asyncProperty(texts, async (s) => {
        const source = createTestEngram();
        const id = await writeAgent(source, s);
        assert.equal((await source.blocks.get(id, "persona")).value, s.block);
        assert.equal((await source.memories.list(id)).items[0]?.text, s.memory);
        assert.equal((await source.messages.list(id)).items[0]?.content, s.content);
        const exported = await source.transfer.export(id);
        const target = createTestEngram({ start: Date.UTC(2027, 0, 1) });
        await target.transfer.import(JSON.parse(JSON.stringify(exported)));
        assert.deepEqual(portable(await target.transfer.export(id)), portable(exported));
        await Promise.all([source.close(), target.close()]);
      }),
      { numRuns: 25, seed: 20261204 },
    );
  });

  /** A lone surrogate (either half) or a NUL put between two code points of `s`, so it cannot pair up. */
  const illFormed = fc
    .tuple(
      fc.string({ unit: "binary", maxLength: 12 }).map((s) => s.replaceAll("\u0000", "")),
      fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.constant(0)),
      fc.nat(),
    )
    .map(([s, unit, at]) => {
      const points = [...s];
      const i = at % (points.length + 1);
      return `«${points.slice(0, i).join("")}${String.fromCharCode(unit)}${points.slice(i).join("")}»`;
    });

  /** Each library entry point that takes text, with the bad text in one of its fields. */
  const entries: [string, (e: Engram, id: string, bad: string) => Promise<unknown>][] = [
    ["agent name", (e, _, bad) => e.agents.create({ name: bad })],
    ["agent metadata key", (e, _, bad) => e.agents.create({ name: "n", metadata: { [bad]: 1 } })],
    ["agent update", (e, id, bad) => e.agents.update(id, { instructions: bad })],
    ["block value", (e, id, bad) => e.blocks.set(id, "persona", bad)],
    ["commit message", (e, id, bad) => e.blocks.set(id, "persona", "v", { message: bad })],
    ["revert message", (e, id, bad) => e.history.revert(id, "HEAD~1", { message: bad })],
    ["memory text", (e, id, bad) => e.memories.add(id, { text: bad })],
    ["memory tag", (e, id, bad) => e.memories.add(id, { text: "t", tags: [bad] })],
    [
      "memory update",
      (e, id, bad) =>
        e.memories.list(id).then((p) => e.memories.update(id, p.items[0]?.id ?? "", { text: bad })),
    ],
    ["message content", (e, id, bad) => e.messages.append(id, { role: "user", content: bad })],
    [
      "message metadata",
      (e, id, bad) => e.messages.append(id, { role: "user", content: "c", metadata: { a: [bad] } }),
    ],
    [
      "episode task",
      (e, id, bad) =>
        e.experience.recordEpisode(id, {
          task: bad,
          steps: [{ observation: "o", availableActions: ["a"], action: "a", reward: 0 }],
        }),
    ],
    [
      "step action",
      (e, id, bad) =>
        e.experience.recordEpisode(id, {
          task: "t",
          steps: [{ observation: "o", availableActions: [bad], action: bad, reward: 0 }],
        }),
    ],
    ["insight", (e, id, bad) => e.insights.apply(id, [{ op: "add", text: bad }])],
    ["project metadata", (e, _, bad) => e.projects.create({ name: "p", metadata: { note: bad } })],
  ];

  it("refuses a lone surrogate or a NUL at every library entry point, naming it, and changes nothing", async () => {
    const engram = createTestEngram();
    const id = await writeAgent(engram, fc.sample(texts, { seed: 1, numRuns: 1 })[0] as Texts);
    await engram.blocks.set(id, "persona", "second");
    const before = portable(await engram.transfer.export(id));
    const events = (await engram.events.list({ limit: 500 })).items.length;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...entries), illFormed, async ([what, write], bad) => {
        const error = await write(engram, id, bad).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof InvalidInputError, `${what}: ${String(error)}`);
        assert.match(
          error.message,
          /contains (a lone surrogate \(U\+D[89A-F][0-9A-F]{2}\)|a NUL character \(U\+0000\)) at index \d+/,
          what,
        );
      }),
      { numRuns: 100, seed: 20261205 },
    );
    assert.deepEqual(portable(await engram.transfer.export(id)), before);
    assert.equal((await engram.events.list({ limit: 500 })).items.length, events);
    assert.equal((await engram.agents.list()).items.length, 1);
    assert.equal((await engram.projects.list()).items.length, 1);
  });

  it("refuses an export document with a lone surrogate or a NUL in any string, naming it, and imports nothing", async () => {
    const source = createTestEngram();
    const id = await writeAgent(source, fc.sample(texts, { seed: 2, numRuns: 1 })[0] as Texts);
    const doc = JSON.parse(JSON.stringify(await source.transfer.export(id)));
    const paths = textPaths(doc);
    assert.ok(paths.length > 30, `only ${paths.length} text fields`);
    const target = createTestEngram();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), illFormed, async (path, bad) => {
        const copy = structuredClone(doc);
        const parent = path.slice(0, -1).reduce((at, key) => at[key], copy);
        parent[path.at(-1) as string] = bad;
        const error = await target.transfer.import(copy).then(
          () => undefined,
          (e: unknown) => e,
        );
        // Free text is refused for the surrogate; an id, hash or name by its own schema first.
        assert.ok(error instanceof InvalidInputError, String(error));
        // A deep path is named at least by its first steps, as describePath shortens it.
        const named = describePath(path);
        const expected = named.endsWith("…") ? path.slice(0, 6).join(".") : `${named}: `;
        assert.ok(error.message.includes(expected), `${named}: ${error.message}`);
      }),
      { numRuns: 60, seed: 20261206 },
    );
    assert.equal((await target.agents.list()).items.length, 0);
  });
});

describe("what engram writes itself keeps the rules of input", () => {
  it("a fork of an agent with a name at its limit, and a revert of a commit whose message is, export and import", async () => {
    const engram = createTestEngram();
    const agent = await engram.agents.create({ name: `${"n".repeat(198)}🦀` });
    // Quoted in the revert's message after "Revert to <12 hex> (", the crab would straddle the limit.
    await engram.blocks.set(agent.id, "persona", "one", { message: `${"m".repeat(9_975)}🦀` });
    await engram.blocks.set(agent.id, "persona", "two", { message: "m".repeat(10_000) });
    const reverted = await engram.history.revert(agent.id, "HEAD~1");
    assert.equal(reverted.commit.message.length, 9_999);
    assert.ok(reverted.commit.message.endsWith("mmm"));
    const fork = await engram.agents.fork(agent.id);
    assert.equal(fork.name, `${"n".repeat(193)} (fork)`);
    const target = createTestEngram({ start: Date.UTC(2027, 0, 1) });
    for (const id of [agent.id, fork.id]) {
      const doc = await engram.transfer.export(id);
      await target.transfer.import(JSON.parse(JSON.stringify(doc)));
      assert.deepEqual(portable(await target.transfer.export(id)), portable(doc));
    }
  });
});

/** The path of every string in a JSON value (ids and hashes too: they must be well-formed as well). */
// biome-ignore lint/suspicious/noExplicitAny: walks any JSON
function textPaths(value: any, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "string") return [path];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) =>
    textPaths(child, [...path, Array.isArray(value) ? Number(key) : key]),
  );
}
