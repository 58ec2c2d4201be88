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

const contents = async (...flags: string[]) =>
  (await s.ok(["messages", "list", "helper", ...flags])).items.map((m: { content: string }) => m.content);

describe("engram messages add", () => {
  it("appends a message, as the user unless --role says otherwise", async () => {
    const message = await s.ok([
      "messages",
      "add",
      "helper",
      "Hi, I am Ada",
      "--name",
      "Ada",
      "--user",
      "ada",
    ]);
    assert.match(message.id, /^msg_/);
    assert.deepEqual(
      [message.role, message.name, message.userId, message.content],
      ["user", "Ada", "ada", "Hi, I am Ada"],
    );
    const reply = await s.ok([
      "messages",
      "add",
      "helper",
      "Hello Ada",
      "--role",
      "assistant",
      "--at",
      "2025-05-08T13:56:00+02:00",
    ]);
    assert.deepEqual([reply.role, reply.createdAt], ["assistant", "2025-05-08T11:56:00.000Z"]);
    const human = await s.cli(["messages", "add", "helper", "-"], { stdin: "from stdin" });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^id {7}msg_\w+\nrole {5}user\n/);
    assert.deepEqual(await contents(), ["Hi, I am Ada", "Hello Ada", "from stdin"], "in the order appended");
  });

  it("appends a JSONL batch in order, or nothing when a line is bad", async () => {
    const file = join(s.dir, "chat.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ content: "Where is my order?", createdAt: "2025-01-01T09:00:00Z" }),
        JSON.stringify({ role: "assistant", content: "It ships today.", createdAt: "2025-01-01T09:01:00Z" }),
      ].join("\n"),
    );
    const out = await s.ok(["messages", "add", "helper", "--file", file, "--user", "ada"]);
    assert.deepEqual(
      out.messages.map((m: { role: string; userId: string }) => [m.role, m.userId]),
      [
        ["user", "ada"],
        ["assistant", "ada"],
      ],
    );
    const bad = join(s.dir, "bad.jsonl");
    writeFileSync(
      bad,
      `${JSON.stringify({ content: "ok" })}\n${JSON.stringify({ content: "x", role: "robot" })}\n`,
    );
    const rejected = await s.cli(["messages", "add", "helper", "--file", bad, "--json"]);
    assert.equal(rejected.code, 1);
    assert.match(rejected.json().error.message, /^invalid message on line 2 of .*bad\.jsonl: role/);
    writeFileSync(bad, `${JSON.stringify({ content: "ok" })}\nnot json\n`);
    const malformed = await s.cli(["messages", "add", "helper", "--file", bad, "--json"]);
    assert.equal(malformed.code, 1);
    assert.match(malformed.json().error.message, /line 2 of messages file .*bad\.jsonl is not valid JSON/);
    assert.equal((await contents()).length, 2);
  });

  it("takes a line with null where a message reads null as not giving the field", async () => {
    const read = await s.ok(["messages", "add", "helper", "hello"]);
    const { role, content, userId, name, sessionId } = read;
    assert.deepEqual([userId, name, sessionId], [null, null, null]);
    const file = join(s.dir, "read.jsonl");
    writeFileSync(file, `${JSON.stringify({ role, content, userId, name, sessionId })}\n`);
    const out = await s.ok(["messages", "add", "helper", "--file", file, "--user", "ada"]);
    assert.deepEqual(
      out.messages.map((m: { userId: string | null; name: string | null }) => [m.userId, m.name]),
      [["ada", null]],
    );
  });

  it("rejects bad input with exit 1 and a wrong command line with exit 2", async () => {
    for (const [argv, code] of [
      [["messages", "add", "helper", ""], "invalid_input"],
      [["messages", "add", "helper", "x", "--role", "robot"], "invalid_input"],
      [["messages", "add", "helper", "x", "--at", "noon"], "invalid_input"],
      [["messages", "add", "nobody", "x"], "not_found"],
    ] as const) {
      const out = await s.cli([...argv, "--json"]);
      assert.deepEqual([out.code, out.json().error.code], [1, code], argv.join(" "));
    }
    const missing = await s.cli(["messages", "add", "helper", "--json"]);
    assert.deepEqual([missing.code, missing.json().error.code], [2, "usage"]);
    assert.deepEqual(await contents(), []);
  });
});

describe("engram messages list and search", () => {
  beforeEach(async () => {
    await s.ok([
      "messages",
      "add",
      "helper",
      "My cat Turing is sick",
      "--user",
      "ada",
      "--at",
      "2025-01-01T10:00:00Z",
    ]);
    await s.ok([
      "messages",
      "add",
      "helper",
      "Sorry to hear that",
      "--role",
      "assistant",
      "--at",
      "2025-01-01T10:01:00Z",
    ]);
    await s.ok([
      "messages",
      "add",
      "helper",
      "The vet says Turing is fine",
      "--user",
      "ada",
      "--at",
      "2025-02-01T10:00:00Z",
    ]);
    await s.ok([
      "messages",
      "add",
      "helper",
      "You are a helpful bot",
      "--role",
      "system",
      "--at",
      "2025-03-01T10:00:00Z",
    ]);
  });

  it("lists oldest first with filters, page by page", async () => {
    assert.deepEqual(await contents(), [
      "My cat Turing is sick",
      "Sorry to hear that",
      "The vet says Turing is fine",
      "You are a helpful bot",
    ]);
    assert.deepEqual(await contents("--role", "assistant", "--role", "system"), [
      "Sorry to hear that",
      "You are a helpful bot",
    ]);
    assert.deepEqual(await contents("--user", "ada", "--newest-first"), [
      "The vet says Turing is fine",
      "My cat Turing is sick",
    ]);
    assert.deepEqual(await contents("--after", "2025-01-15T00:00:00Z", "--before", "2025-02-15T00:00:00Z"), [
      "The vet says Turing is fine",
    ]);
    const page = await s.cli(["messages", "list", "helper", "--limit", "3", "--json"]);
    assert.equal(page.json().items.length, 3);
    const cursor = page.json().nextCursor as string;
    assert.deepEqual(await contents("--limit", "3", "--cursor", cursor), ["You are a helpful bot"]);
    assert.match((await s.cli(["messages", "list", "helper"])).stdout, /^ID +TIME +ROLE +CONTENT\n/);
    const role = await s.cli(["messages", "list", "helper", "--role", "robot", "--json"]);
    assert.deepEqual([role.code, role.json().error.code], [1, "invalid_input"]);
  });

  it("lists one conversation session's messages", async () => {
    await s.ok(["messages", "add", "helper", "in s1", "--session", "s1"]);
    await s.ok(["messages", "add", "helper", "in s2", "--session", "s2"]);
    await s.ok(["messages", "add", "helper", "also s1", "--session", "s1"]);
    assert.deepEqual(await contents("--session", "s1"), ["in s1", "also s1"]);
  });

  it("searches messages with components, filtered by role, user and time", async () => {
    const out = await s.ok(["messages", "search", "helper", "how is Turing", "--k", "5"]);
    assert.deepEqual(Object.keys(out).sort(), ["results", "suppressed", "warnings"]);
    assert.ok(out.results.length >= 2);
    for (const r of out.results) {
      assert.equal(r.source, "message");
      assert.equal(r.message.id, r.id);
      assert.equal(typeof r.components.recency, "number");
    }
    assert.match(out.results[0].text, /Turing/);
    const ada = await s.ok([
      "messages",
      "search",
      "helper",
      "Turing",
      "--role",
      "user",
      "--after",
      "2025-01-15T00:00:00Z",
    ]);
    assert.deepEqual(
      ada.results.map((r: { text: string }) => r.text),
      ["The vet says Turing is fine"],
    );
    const human = (await s.cli(["messages", "search", "helper", "Turing", "--user", "ada"])).stdout;
    assert.match(human, /^SCORE +LEXICAL +VECTOR +GRAPH +RECENCY +IMPORTANCE +ID +TEXT\n/);
    assert.match(human, /msg_\w+ +user: The vet says Turing is fine/);
    const k = await s.cli(["messages", "search", "helper", "Turing", "--k", "abc", "--json"]);
    assert.deepEqual([k.code, k.json().error.code], [2, "usage"]);
    const agent = await s.cli(["messages", "search", "nobody", "Turing", "--json"]);
    assert.deepEqual([agent.code, agent.json().error.code], [1, "not_found"]);
  });

  it("says in its help that --user filters messages, the only thing it searches", async () => {
    const help = (await s.cli(["messages", "search", "--help"])).stdout;
    assert.match(help, /\n {2}--user USER +only this end user's messages\n/);
    assert.doesNotMatch(help, /memor/);
  });
});
