import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "support"]);
});
afterEach(() => s.cleanup());

/** The human line of a search's result with this text. */
async function resultLine(text: string, ...flags: string[]): Promise<string> {
  const out = (await s.cli(["memory", "search", "support", "where does Ada live", "--user", "ada", ...flags]))
    .stdout;
  const lines = out.split("\n").filter((line) => line.includes(text));
  assert.equal(lines.length, 1, out);
  return lines[0] as string;
}

const addCity = (text: string, ...flags: string[]) =>
  s.cli([
    "memory",
    "add",
    "support",
    text,
    "--kind",
    "fact",
    "--key",
    "user.city",
    "--user",
    "ada",
    ...flags,
  ]);

describe("validity labels in the CLI, judged at --valid-at or else now", () => {
  it("shows a fact to come as not yet true (never 'to now'), and true at a --valid-at after its start", async () => {
    const added = (await addCity("Ada lives in Tokyo", "--valid-from", "2030-01-01")).stdout;
    assert.match(added, /^valid +from 2030-01-01T00:00:00\.000Z, not yet true$/m);
    assert.doesNotMatch(added, /to now/);
    assert.match(
      await resultLine("Tokyo", "--include-superseded"),
      /Ada lives in Tokyo \[valid from 2030-01-01, not yet true\]$/,
    );
    assert.match(
      await resultLine("Tokyo", "--valid-at", "2031-01-01"),
      /Ada lives in Tokyo \[since 2030-01-01, true on 2031-01-01\]$/,
    );
  });

  it("labels the tour's Berlin true on a --valid-at inside its interval, and no longer true now", async () => {
    await addCity("Ada lives in Berlin", "--valid-from", "2025-01-01");
    await addCity("Ada lives in Lisbon");
    assert.match(
      await resultLine("Berlin", "--valid-at", "2025-06-01"),
      /Ada lives in Berlin \[valid 2025-01-01 to \d{4}-\d\d-\d\d, true on 2025-06-01, superseded by mem_\w+\]$/,
    );
    assert.match(
      await resultLine("Berlin", "--include-superseded"),
      /Ada lives in Berlin \[valid 2025-01-01 to \d{4}-\d\d-\d\d, no longer true, superseded by mem_\w+\]$/,
    );
    assert.doesNotMatch(await resultLine("Lisbon", "--include-superseded"), /\[/);
  });

  it("shows a keyed restatement true since its first statement at a --valid-at", async () => {
    await addCity("Ada lives in Berlin", "--valid-from", "2025-01-01");
    await addCity("Ada lives in Berlin", "--valid-from", "2025-05-01");
    assert.match(
      await resultLine("Berlin", "--valid-at", "2025-06-01"),
      /Ada lives in Berlin \[since 2025-01-01, true on 2025-06-01\]$/,
    );
  });
});
