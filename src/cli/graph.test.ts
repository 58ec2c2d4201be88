import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "helper"]);
  await s.ok(["memory", "add", "helper", "Ada's sister is Bea."]);
  await s.ok(["memory", "add", "helper", "Bea lives in Lisbon."]);
  await s.ok(["memory", "add", "helper", "Cleo met Dan.", "--user", "u1"]);
});
afterEach(() => s.cleanup());

describe("engram graph", () => {
  it("lists the agent's entities as {items, nextCursor}, in pages, and a user's apart", async () => {
    const page = await s.ok(["graph", "helper", "--limit", "2"]);
    assert.deepEqual(
      page.items.map((e: { name: string }) => e.name),
      ["Ada", "Bea"],
    );
    assert.equal(page.nextCursor, "bea");
    const rest = await s.ok(["graph", "helper", "--cursor", "bea"]);
    assert.deepEqual(
      rest.items.map((e: { name: string }) => e.name),
      ["Lisbon"],
    );
    assert.equal(rest.nextCursor, null);
    const user = await s.ok(["graph", "helper", "--user", "u1"]);
    assert.deepEqual(
      user.items.map((e: { name: string }) => e.name),
      ["Cleo", "Dan"],
    );
    const human = await s.cli(["graph", "helper"]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^NAME +TYPE +MENTIONS +FIRST SEEN +LAST SEEN\nAda +person +1 /);
    // An agent whose knowledge is all its users' says where to look.
    await s.ok(["agent", "create", "--name", "per-user"]);
    await s.ok(["memory", "add", "per-user", "Cleo met Dan.", "--user", "u1"]);
    const empty = await s.cli(["graph", "per-user"]);
    assert.equal(
      empty.stdout.trim(),
      "no entities in the agent's own graph (an end user's graph: --user USER)",
    );
  });

  it("lists the most named first with --order mentions, in pages; a cursor of the other order is refused", async () => {
    const first = await s.ok(["graph", "helper", "--order", "mentions", "--limit", "1"]);
    assert.deepEqual(
      first.items.map((e: { name: string; mentions: number }) => [e.name, e.mentions]),
      [["Bea", 2]],
    );
    assert.equal(first.nextCursor, "2:bea");
    const rest = await s.ok(["graph", "helper", "--order", "mentions", "--cursor", first.nextCursor]);
    assert.deepEqual(
      rest.items.map((e: { name: string; mentions: number }) => [e.name, e.mentions]),
      [
        ["Ada", 1],
        ["Lisbon", 1],
      ],
    );
    assert.equal(rest.nextCursor, null);
    const byKey = await s.cli(["graph", "helper", "--order", "mentions", "--cursor", "bea", "--json"]);
    assert.equal(byKey.code, 1);
    assert.match(JSON.parse(byKey.stdout).error.message, /cursor: not a cursor of a listing by mentions/);
    const sideways = await s.cli(["graph", "helper", "--order", "sideways", "--json"]);
    assert.equal(sideways.code, 1);
    assert.match(JSON.parse(sideways.stdout).error.message, /order/);
  });

  it("shows one entity with its relations over time; an unknown one fails naming it", async () => {
    const bea = await s.ok(["graph", "helper", "BEA"]);
    assert.equal(bea.entity.name, "Bea");
    assert.deepEqual(
      bea.relations.map((r: { source: string; target: string }) => [r.source, r.target]),
      [
        ["ada", "bea"],
        ["bea", "lisbon"],
      ],
    );
    const human = await s.cli(["graph", "helper", "Bea"]);
    assert.match(human.stdout, /^Bea \(person\), named 2 times/);
    // The latest memories naming it, quoted.
    assert.match(
      human.stdout,
      /\nNAMED IN \(the latest 2\)\n.+ memory mem_\w+ {2}Bea lives in Lisbon\.\n.+ memory mem_\w+ {2}Ada's sister is Bea\.\n?$/,
    );
    assert.match(human.stdout, /named with +Lisbon /);
    const missing = await s.cli(["graph", "helper", "Zed", "--json"]);
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stdout).error.code, "not_found");
    assert.match(JSON.parse(missing.stdout).error.message, /entity "Zed" not found/);
    const text = await s.cli(["graph", "helper", "Zed"]);
    assert.match(text.stderr, /in that user's graph: --user USER\)/);
    const bad = await s.cli(["graph", "helper", "--limit", "x"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--limit must be an integer/);
  });

  it("agent update --graph sets the agent's graph mode, keeping its other metadata; a bad mode changes nothing", async () => {
    await s.ok(["agent", "update", "helper", "--metadata", '{"team":"blue"}']);
    const off = await s.ok(["agent", "update", "helper", "--graph", "off"]);
    assert.deepEqual(off.metadata, { team: "blue", graph: "off" });
    await s.ok(["memory", "add", "helper", "Eve visited Oslo."]);
    const entities = await s.ok(["graph", "helper", "--limit", "50"]);
    assert.ok(
      !entities.items.some((e: { name: string }) => e.name === "Oslo"),
      "an agent with the graph off records nothing",
    );
    const bad = await s.cli(["agent", "update", "helper", "--graph", "sometimes", "--json"]);
    assert.equal(bad.code, 1);
    assert.match(JSON.parse(bad.stdout).error.message, /metadata\.graph: must be one of off, rules, model/);
    assert.deepEqual((await s.ok(["agent", "show", "helper"])).agent.metadata, {
      team: "blue",
      graph: "off",
    });
  });
});
