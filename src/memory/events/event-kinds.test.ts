import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  checkKindPatterns,
  EVENT_FAMILIES,
  EVENT_KINDS,
  kindMatcher,
  parseKindPattern,
} from "./event-kinds.ts";

const SRC = join(import.meta.dirname, "..", "..");
const ROOT = join(SRC, "..");

/** The engine's source files, tests and test support left out. */
function sources(): { path: string; text: string }[] {
  return readdirSync(SRC, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts") && !path.endsWith(".test.ts") && !/test|suite|fixture/.test(path))
    .map((path) => ({ path, text: readFileSync(join(SRC, path), "utf8") }));
}

/**
 * The kinds a file writes: in a file that calls makeEvent, every "family.verb" literal (kinds are
 * passed through helpers too); in one that makes event ids itself, its `kind: "…"` properties and the
 * 'family.verb' literals of its SQL.
 */
function kindsWritten(text: string): string[] {
  const dotted = (pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m[1] as string);
  if (text.includes("makeEvent(")) return dotted(/"([a-z][a-z_]*\.[a-z][a-z_]*)"/g);
  if (text.includes('generateId("event")'))
    return [...dotted(/kind: "([a-z][a-z_]*\.[a-z][a-z_]*)"/g), ...dotted(/'([a-z][a-z_]*\.[a-z][a-z_]*)'/g)];
  return [];
}

describe("event kinds", () => {
  it("catalogues every kind the source writes", () => {
    const written = sources().flatMap(({ path, text }) => kindsWritten(text).map((kind) => ({ path, kind })));
    assert.ok(written.length > 40, `found only ${written.length} kinds written: the scan is broken`);
    const missing = written.filter(({ kind }) => !(EVENT_KINDS as readonly string[]).includes(kind));
    assert.deepEqual(missing, [], "add these to EVENT_KINDS (and docs/live-events.md)");
  });

  it("lists each kind once, and every one in docs/live-events.md", () => {
    assert.equal(new Set(EVENT_KINDS).size, EVENT_KINDS.length);
    const doc = readFileSync(join(ROOT, "docs", "live-events.md"), "utf8");
    const undocumented = EVENT_KINDS.filter((kind) => !doc.includes(`\`${kind}\``));
    assert.deepEqual(undocumented, []);
    for (const family of EVENT_FAMILIES)
      assert.ok(doc.includes(`\`${family}.*\``), `${family}.* is not documented`);
  });

  it("reads a kind, a family or *", () => {
    assert.deepEqual(parseKindPattern("memory.created", "f"), { kind: "memory.created" });
    assert.deepEqual(parseKindPattern("mcp_server.*", "f"), { family: "mcp_server" });
    assert.deepEqual(parseKindPattern("*", "f"), { all: true });
  });

  it("refuses what is no kind, naming the field and what it may have meant", () => {
    const refused = (pattern: unknown, message: RegExp) =>
      assert.throws(() => parseKindPattern(pattern, "event list: kind"), { code: "invalid_input", message });
    refused("nosuch.kind", /^invalid event list: kind: "nosuch.kind" is not an event kind: .*memory\.\*, /);
    refused("memory.nope", /the memory kinds are memory\.created, .*memory\.deleted \(or memory\.\*\)/);
    refused("memroy.created", /\(did you mean memory\.created\?\)/);
    refused("memroy.*", /\(did you mean memory\.\*\?\)/);
    refused("memory.created.*", /is not an event kind/);
    refused("Memory!", /is not an event kind/);
    refused("", /must be an event kind \(memory\.created\), a family \(memory\.\*\) or \*/);
    assert.throws(() => checkKindPatterns(["memory.*", "bogus"], "webhook: events"), {
      message: /^invalid webhook: events: 1: "bogus" is not an event kind/,
    });
  });

  it("matches a stored pattern by its shape, whether or not it is catalogued", () => {
    const matches = kindMatcher(["memory.*", "agent.renamed", "old.*"]);
    assert.deepEqual(
      ["memory.created", "memories.created", "agent.renamed", "agent.created", "old.thing"].filter(matches),
      ["memory.created", "agent.renamed", "old.thing"],
    );
    assert.equal(kindMatcher(["*"])("anything"), true);
    assert.equal(kindMatcher(undefined)("anything"), true);
  });
});
