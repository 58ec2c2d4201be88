import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "helper"]);
});
afterEach(() => s.cleanup());

const listIds = async (...flags: string[]) =>
  (await s.ok(["memory", "list", "helper", ...flags])).items.map((m: { id: string }) => m.id);

describe("engram memory add", () => {
  it("adds a memory with its fields and prints it with warnings", async () => {
    const out = await s.ok([
      "memory",
      "add",
      "helper",
      "Ada prefers green tea",
      "--kind",
      "observation",
      "--tag",
      "drinks",
      "--tag",
      "ada",
      "--importance",
      "0.8",
      "--user",
      "ada",
      "--valid-from",
      "2025-01-01T00:00:00+01:00",
      "--source-message",
      "msg_1",
      "--external-id",
      "D1:3",
      "--metadata",
      '{"from":"chat"}',
    ]);
    assert.deepEqual(Object.keys(out).sort(), ["memory", "warnings"]);
    assert.deepEqual(out.warnings, []);
    const m = out.memory;
    assert.match(m.id, /^mem_/);
    assert.deepEqual(
      [m.text, m.kind, m.tags, m.importance, m.userId, m.validFrom, m.validTo, m.version],
      [
        "Ada prefers green tea",
        "observation",
        ["drinks", "ada"],
        0.8,
        "ada",
        "2024-12-31T23:00:00.000Z",
        null,
        1,
      ],
    );
    assert.deepEqual(m.provenance, { messageIds: ["msg_1"], externalIds: ["D1:3"] });
    assert.deepEqual(m.metadata, { from: "chat" });
    const human = await s.cli(["memory", "add", "helper", "-"], { stdin: "From stdin\n" });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^id {10}mem_/);
    assert.match(human.stdout, /\ntext {8}From stdin\n$/);
  });

  it("adds a JSONL batch, the flags giving defaults", async () => {
    const file = join(s.dir, "memories.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ text: "Ada lives in Lisbon", tags: ["home"] }),
        "",
        JSON.stringify({ text: "Ada works nights", kind: "observation", userId: "bob" }),
        JSON.stringify({ text: "Ada has a cat", importance: 0.9 }),
      ].join("\n"),
    );
    const out = await s.ok(["memory", "add", "helper", "--file", file, "--user", "ada", "--kind", "fact"]);
    assert.deepEqual(Object.keys(out).sort(), ["memories", "warnings"]);
    assert.deepEqual(
      out.memories.map((m: { text: string; kind: string; userId: string }) => [m.text, m.kind, m.userId]),
      [
        ["Ada lives in Lisbon", "fact", "ada"],
        ["Ada works nights", "observation", "bob"],
        ["Ada has a cat", "fact", "ada"],
      ],
    );
    assert.equal((await listIds()).length, 3);
    assert.match((await s.cli(["memory", "add", "helper", "--file", file])).stdout, /^added 3 memories\n/);
  });

  it("takes a line with null where a memory reads null (a memory as read) as not giving the field", async () => {
    const read = await s.ok(["memory", "add", "helper", "Ada likes tea"]);
    const { id, agentId, version, accessCount, lastAccessedAt, archivedAt, updatedAt, ...line } = read.memory;
    assert.deepEqual([line.userId, line.key, line.validTo], [null, null, null]);
    const file = join(s.dir, "read.jsonl");
    const nulls = { text: "Ada has a cat", userId: null, key: null, validFrom: null, validTo: null };
    writeFileSync(file, `${JSON.stringify(line)}\n${JSON.stringify(nulls)}\n`);
    const out = await s.ok(["memory", "add", "helper", "--file", file]);
    assert.deepEqual(
      out.memories.map((m: { userId: string | null; key: string | null }) => [m.userId, m.key]),
      [
        [null, null],
        [null, null],
      ],
    );
    // As for a field left out, the flag gives the default.
    const flagged = await s.ok(["memory", "add", "helper", "--file", file, "--user", "ada", "--key", "pet"]);
    assert.deepEqual(
      flagged.memories.map((m: { userId: string | null; key: string | null }) => [m.userId, m.key]),
      [
        ["ada", "pet"],
        ["ada", "pet"],
      ],
    );
  });

  it("rejects a batch with a malformed line, naming the line, and adds nothing", async () => {
    const file = join(s.dir, "bad.jsonl");
    writeFileSync(file, `${JSON.stringify({ text: "fine" })}\n\n{"text": "broken"\n`);
    const out = await s.cli(["memory", "add", "helper", "--file", file, "--json"]);
    assert.equal(out.code, 1);
    assert.equal(out.json().error.code, "invalid_input");
    assert.match(out.json().error.message, /line 3 of memories file .*bad\.jsonl is not valid JSON/);
    const invalid = join(s.dir, "invalid.jsonl");
    writeFileSync(
      invalid,
      `${JSON.stringify({ text: "fine" })}\n${JSON.stringify({ text: "x", kind: "Bad Kind" })}\n`,
    );
    const field = await s.cli(["memory", "add", "helper", "--file", invalid, "--json"]);
    assert.equal(field.code, 1);
    assert.match(field.json().error.message, /^invalid memory on line 2 of .*invalid\.jsonl: kind: /);
    const order = join(s.dir, "order.jsonl");
    writeFileSync(
      order,
      `${JSON.stringify({ text: "a" })}\n\n${JSON.stringify({ text: "b", validFrom: "2025-02-01T00:00:00Z", validTo: "2025-01-01T00:00:00Z" })}\n`,
    );
    const validity = await s.cli(["memory", "add", "helper", "--file", order, "--json"]);
    assert.equal(validity.code, 1);
    assert.match(validity.json().error.message, /^invalid memory on line 3 of .*order\.jsonl: validTo/);
    const one = join(s.dir, "one.jsonl");
    writeFileSync(
      one,
      `\n${JSON.stringify({ text: "b", validFrom: "2025-02-01T00:00:00Z", validTo: "2025-01-01T00:00:00Z" })}\n`,
    );
    const single = await s.cli(["memory", "add", "helper", "--file", one, "--json"]);
    assert.match(single.json().error.message, /^invalid memory on line 2 of .*one\.jsonl: validTo/);
    const missing = await s.cli(["memory", "add", "helper", "--file", join(s.dir, "no.jsonl"), "--json"]);
    assert.match(missing.json().error.message, /cannot read memories file .*no\.jsonl: no such file/);
    assert.deepEqual(await listIds(), []);
  });

  it("rejects bad input with exit 1 and adds nothing", async () => {
    const cases: [string[], RegExp][] = [
      [["memory", "add", "helper", "   "], /^invalid memory: text: must not be empty/],
      [["memory", "add", "helper", "x".repeat(8001)], /text: must be at most 8000 characters/],
      [["memory", "add", "helper", "x", "--kind", "Not A Kind"], /kind: must be a lower-case word/],
      [["memory", "add", "helper", "x", "--importance", "2"], /importance/],
      [["memory", "add", "helper", "x", "--valid-from", "yesterday"], /validFrom: must be an ISO 8601/],
      [["memory", "add", "helper", "x", "--metadata", "[1]"], /--metadata must be a JSON object/],
      [["memory", "add", "helper", "x", "--scope", "team"], /scope: /],
    ];
    for (const [argv, message] of cases) {
      const out = await s.cli([...argv, "--json"]);
      assert.equal(out.code, 1, argv.join(" "));
      assert.equal(out.json().error.code, "invalid_input");
      assert.match(out.json().error.message, message);
    }
    const nobody = await s.cli(["memory", "add", "nobody", "x", "--json"]);
    assert.deepEqual([nobody.code, nobody.json().error.code], [1, "not_found"]);
    assert.deepEqual(await listIds(), []);
  });

  it("adds a project memory with --scope project, found by every agent of the project", async () => {
    await s.ok(["agent", "create", "--name", "colleague"]);
    const added = await s.ok(["memory", "add", "helper", "Standup moved to 10:00", "--scope", "project"]);
    assert.equal(added.memory.metadata.writtenBy, (await s.ok(["agent", "show", "helper"])).agent.id);
    const found = await s.ok(["memory", "search", "colleague", "standup"]);
    assert.deepEqual(
      found.results.map((r: { id: string; scope: string }) => [r.id, r.scope]),
      [[added.memory.id, "project"]],
    );
    assert.deepEqual(await listIds(), [], "not the writer's own memory");
    assert.deepEqual(await listIds("--scope", "project"), [added.memory.id]);
  });

  it("rejects a wrong command line with exit 2", async () => {
    for (const argv of [
      ["memory", "add", "helper"],
      ["memory", "add", "helper", "x", "--file", "f.jsonl"],
      ["memory", "add", "helper", "x", "--importance", "high"],
      ["memory", "add", "helper", "x", "--nope"],
    ]) {
      const out = await s.cli([...argv, "--json"]);
      assert.deepEqual([out.code, out.json().error.code], [2, "usage"], argv.join(" "));
    }
  });
});

describe("engram memory search", () => {
  beforeEach(async () => {
    await s.ok(["memory", "add", "helper", "Ada drinks green tea every morning", "--importance", "0.9"]);
    await s.ok(["memory", "add", "helper", "Ada's cat is called Turing", "--user", "ada", "--tag", "pets"]);
    await s.ok(["memory", "add", "helper", "Bob drinks black coffee", "--user", "bob", "--kind", "note"]);
  });

  it("returns results with their score components in --json", async () => {
    const out = await s.ok(["memory", "search", "helper", "what does Ada drink", "--k", "5"]);
    assert.deepEqual(Object.keys(out).sort(), ["results", "suppressed", "warnings"]);
    const [first] = out.results;
    assert.equal(first.source, "memory");
    assert.equal(first.text, "Ada drinks green tea every morning");
    assert.equal(first.memory.id, first.id);
    assert.equal(typeof first.score, "number");
    assert.deepEqual(Object.keys(first.components).sort(), [
      "access",
      "bm25",
      "graph",
      "graphEntities",
      "importance",
      "lexicalRank",
      "lexicalScore",
      "match",
      "recency",
      "related",
      "relatedTo",
      "relevance",
      "vectorDistance",
      "vectorRank",
    ]);
    assert.equal(first.components.lexicalRank, 1);
    assert.equal(first.components.vectorRank, null);
    assert.equal(first.components.importance, 0.9);
    const human = (await s.cli(["memory", "search", "helper", "drinks"])).stdout.trimEnd().split("\n");
    assert.match(human[0] ?? "", /^SCORE +LEXICAL +VECTOR +GRAPH +RECENCY +IMPORTANCE +ID +TEXT$/);
    assert.match(human[1] ?? "", /^\d\.\d{3} +#\d +- +- +\d\.\d\d +\d\.\d\d +mem_\w+ +\w/);
    assert.equal(human.length, 3);
  });

  it("filters by user, shared, kind, tag and time, and searches messages with --messages", async () => {
    const texts = async (...flags: string[]) =>
      (await s.ok(["memory", "search", "helper", "drinks cat", ...flags])).results.map(
        (r: { text: string }) => r.text,
      );
    assert.deepEqual((await texts("--user", "bob")).sort(), [
      "Ada drinks green tea every morning",
      "Bob drinks black coffee",
    ]);
    assert.deepEqual(await texts("--user", "bob", "--no-shared"), ["Bob drinks black coffee"]);
    assert.deepEqual(await texts("--kind", "note"), ["Bob drinks black coffee"]);
    assert.deepEqual(await texts("--tag", "pets"), ["Ada's cat is called Turing"]);
    assert.deepEqual(await texts("--before", "2000-01-01T00:00:00Z"), []);
    // A date alone is the start of that day in UTC, wherever a time is asked for.
    await s.ok(["memory", "add", "helper", "Ada drinks cola", "--valid-to", "2020-01-01"]);
    assert.ok((await texts("--valid-at", "2019-06-01T00:00:00Z")).includes("Ada drinks cola"));
    assert.ok((await texts("--valid-at", "2019-12-31")).includes("Ada drinks cola"));
    assert.ok(!(await texts("--valid-at", "2020-01-01")).includes("Ada drinks cola"));
    assert.ok(!(await texts("--valid-at", "2025-06-01T00:00:00Z")).includes("Ada drinks cola"));
    await s.ok(["messages", "add", "helper", "I only drink tea", "--name", "Ada"]);
    const both = await s.ok(["memory", "search", "helper", "drink tea", "--messages"]);
    assert.deepEqual([...new Set(both.results.map((r: { source: string }) => r.source))].sort(), [
      "memory",
      "message",
    ]);
    // The cola fact ended in 2020: search finds what is true now, unless history is asked for.
    const weighted = await s.ok(["memory", "search", "helper", "drinks", "--weights", '{"importance":0}']);
    assert.equal(weighted.results.length, 2);
    const history = await s.ok(["memory", "search", "helper", "drinks", "--include-superseded"]);
    assert.ok(history.results.some((r: { text: string }) => r.text === "Ada drinks cola"));
    assert.equal(history.results.length, 3);
    // In the table, a fact no longer true carries its validity; the others do not.
    const lines = (await s.cli(["memory", "search", "helper", "drinks", "--include-superseded"])).stdout
      .trimEnd()
      .split("\n");
    const cola = lines.filter((line) => line.includes("Ada drinks cola"));
    assert.equal(cola.length, 1);
    assert.match(cola[0] ?? "", /Ada drinks cola \[valid until 2020-01-01, no longer true\]$/);
    assert.ok(lines.slice(1).every((line) => line.includes("cola") || !line.includes("[")));
  });

  it("rejects bad input: invalid --valid-at, --k abc, bad weights, unknown agent", async () => {
    const validAt = await s.cli(["memory", "search", "helper", "tea", "--valid-at", "soon", "--json"]);
    assert.deepEqual([validAt.code, validAt.json().error.code], [1, "invalid_input"]);
    assert.match(validAt.json().error.message, /validAt: must be an ISO 8601 date-time/);
    for (const time of ["2025-02-30", "2025-05-08T13:56", "2025-05-08 13:56Z"]) {
      const bad = await s.cli(["memory", "search", "helper", "tea", "--valid-at", time, "--json"]);
      assert.match(bad.json().error.message, /validAt: must be .* or a date/, time);
    }
    const k = await s.cli(["memory", "search", "helper", "tea", "--k", "abc", "--json"]);
    assert.deepEqual([k.code, k.json().error.code], [2, "usage"]);
    assert.match(k.json().error.message, /--k must be an integer, got "abc"/);
    const weights = await s.cli(["memory", "search", "helper", "tea", "--weights", '{"bogus":1}', "--json"]);
    assert.deepEqual([weights.code, weights.json().error.code], [1, "invalid_input"]);
    const kind = await s.cli(["memory", "search", "helper", "tea", "--kind", "NOPE", "--json"]);
    assert.deepEqual([kind.code, kind.json().error.code], [1, "invalid_input"]);
    const agent = await s.cli(["memory", "search", "nobody", "tea", "--json"]);
    assert.deepEqual([agent.code, agent.json().error.code], [1, "not_found"]);
    const human = await s.cli(["memory", "search", "helper", "tea", "--k", "abc"]);
    assert.equal(human.code, 2);
    assert.match(
      human.stderr,
      /^engram: --k must be an integer, got "abc"\nSee 'engram memory search --help'/,
    );
  });
});

describe("engram memory get, update, delete, history and list", () => {
  let id: string;
  beforeEach(async () => {
    id = (await s.ok(["memory", "add", "helper", "Ada likes tea", "--tag", "drinks"])).memory.id;
  });

  it("gets a memory, and reports an unknown id with exit 1", async () => {
    const memory = await s.ok(["memory", "get", "helper", id]);
    assert.equal(memory.id, id);
    assert.equal(memory.text, "Ada likes tea");
    assert.match((await s.cli(["memory", "get", "helper", id])).stdout, /text {8}Ada likes tea/);
    const missing = await s.cli(["memory", "get", "helper", "mem_nope", "--json"]);
    assert.deepEqual([missing.code, missing.json().error.code], [1, "not_found"]);
    assert.match(missing.json().error.message, /memory mem_nope not found/);
  });

  it("updates a memory as a new version, and refuses a stale --expect-version", async () => {
    const out = await s.ok([
      "memory",
      "update",
      "helper",
      id,
      "--text",
      "Ada loves green tea",
      "--importance",
      "0.7",
      "--tag",
      "tea",
      "--expect-version",
      "1",
    ]);
    assert.deepEqual(Object.keys(out).sort(), ["changed", "memory", "warnings"]);
    assert.equal(out.changed, true);
    assert.deepEqual(
      [out.memory.text, out.memory.importance, out.memory.tags, out.memory.version],
      ["Ada loves green tea", 0.7, ["tea"], 2],
    );
    const stale = await s.cli([
      "memory",
      "update",
      "helper",
      id,
      "--text",
      "lost",
      "--expect-version",
      "1",
      "--json",
    ]);
    assert.equal(stale.code, 1);
    assert.equal(stale.json().error.code, "conflict");
    assert.match(stale.json().error.message, /at version 2, not the expected 1/);
    const now = await s.ok(["memory", "get", "helper", id]);
    assert.deepEqual([now.text, now.version], ["Ada loves green tea", 2]);
    assert.equal((await s.ok(["memory", "history", "helper", id])).items.length, 2);

    await s.ok(["memory", "update", "helper", id, "--valid-to", "2030-01-01T00:00:00Z"]);
    const cleared = await s.ok(["memory", "update", "helper", id, "--valid-to", "", "--tag", ""]);
    assert.deepEqual([cleared.memory.validTo, cleared.memory.tags], [null, []]);
    const nothing = await s.cli(["memory", "update", "helper", id, "--json"]);
    assert.deepEqual([nothing.code, nothing.json().error.code], [2, "usage"]);
    const badKind = await s.cli(["memory", "update", "helper", id, "--kind", "BAD", "--json"]);
    assert.deepEqual([badKind.code, badKind.json().error.code], [1, "invalid_input"]);
    const unknown = await s.cli(["memory", "update", "helper", "mem_nope", "--text", "x", "--json"]);
    assert.deepEqual([unknown.code, unknown.json().error.code], [1, "not_found"]);
  });

  it("says nothing changed for an update to the values the memory has, making no version", async () => {
    const same = ["memory", "update", "helper", id, "--text", "Ada likes tea", "--tag", "drinks"];
    const out = await s.ok([...same, "--expect-version", "1"]);
    assert.deepEqual([out.changed, out.memory.version, out.warnings], [false, 1, []]);
    assert.equal((await s.cli(same)).stdout, `nothing changed: memory ${id} stays at version 1\n`);
    assert.equal((await s.ok(["memory", "history", "helper", id])).items.length, 1);
    await s.ok(["memory", "update", "helper", id, "--importance", "0.9"]);
    const stale = await s.cli([...same, "--expect-version", "1", "--json"]);
    assert.deepEqual([stale.code, stale.json().error.code], [1, "conflict"]);
  });

  it("deletes a memory; its history stays readable, oldest first", async () => {
    await s.ok(["memory", "update", "helper", id, "--text", "Ada likes coffee now"]);
    assert.deepEqual(await s.ok(["memory", "delete", "helper", id]), { deleted: true, id });
    const gone = await s.cli(["memory", "get", "helper", id, "--json"]);
    assert.deepEqual([gone.code, gone.json().error.code], [1, "not_found"]);
    assert.deepEqual(await listIds(), []);
    const history = (await s.ok(["memory", "history", "helper", id])).items;
    assert.deepEqual(
      history.map((v: { version: number; operation: string; memory: { text: string } }) => [
        v.version,
        v.operation,
        v.memory.text,
      ]),
      [
        [1, "create", "Ada likes tea"],
        [2, "update", "Ada likes coffee now"],
        [3, "delete", "Ada likes coffee now"],
      ],
    );
    const human = (await s.cli(["memory", "history", "helper", id])).stdout.trimEnd().split("\n");
    assert.match(human[0] ?? "", /^VERSION +OPERATION +ACTOR +TIME +TEXT$/);
    assert.match(human[3] ?? "", /^3 +delete +user /);
    const again = await s.cli(["memory", "delete", "helper", id, "--json"]);
    assert.deepEqual([again.code, again.json().error.code], [1, "not_found"]);
    const none = await s.cli(["memory", "history", "helper", "mem_nope", "--json"]);
    assert.deepEqual([none.code, none.json().error.code], [1, "not_found"]);
  });

  it("lists newest first with filters, page by page with --cursor", async () => {
    await s.ok(["memory", "add", "helper", "second", "--user", "ada", "--kind", "note"]);
    await s.ok(["memory", "add", "helper", "third", "--tag", "drinks"]);
    const all = await listIds();
    assert.equal(all.length, 3);
    assert.equal(all[2], id);
    const page = await s.cli(["memory", "list", "helper", "--limit", "2", "--json"]);
    assert.deepEqual(
      page.json().items.map((m: { id: string }) => m.id),
      all.slice(0, 2),
    );
    const cursor = page.json().nextCursor as string;
    assert.ok(cursor);
    assert.deepEqual(await listIds("--limit", "2", "--cursor", cursor), all.slice(2));
    const oldest = await s.cli(["memory", "list", "helper", "--oldest-first", "--limit", "2", "--json"]);
    assert.deepEqual(
      oldest.json().items.map((m: { id: string }) => m.id),
      [...all].reverse().slice(0, 2),
    );
    assert.deepEqual(
      await listIds("--oldest-first", "--cursor", oldest.json().nextCursor as string),
      [...all].reverse().slice(2),
    );
    assert.deepEqual((await listIds("--kind", "note")).length, 1);
    assert.deepEqual((await listIds("--tag", "drinks")).length, 2);
    assert.deepEqual((await listIds("--user", "ada", "--no-shared")).length, 1);
    assert.match((await s.cli(["memory", "list", "helper"])).stdout, /^ID +KIND +IMP +USER +CREATED +TEXT\n/);
    const bad = await s.cli(["memory", "list", "helper", "--limit", "x", "--json"]);
    assert.equal(bad.code, 2);
  });
});
