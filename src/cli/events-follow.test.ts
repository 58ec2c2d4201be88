import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createEngram } from "../engram.ts";
import { runCli, sandbox } from "./test-harness.ts";

describe("engram events --follow", () => {
  const s = sandbox();
  after(() => s.cleanup());

  it("prints events written by another process's connection as they come, until stopped", async () => {
    await s.ok(["agent", "create", "--name", "helper"]);
    let stop: (signal: string) => void = () => {};
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    const chunks: string[] = [];
    const following = runCli(["events", "helper", "--follow", "--kind", "memory.*", "--json", "--db", s.db], {
      shutdown: () => stopped,
    });
    // A second connection to the file: its writes reach the follower by polling, not in-process.
    const other = createEngram({ path: s.db });
    const agentId = (await other.agents.list()).items[0]?.id;
    assert.ok(agentId !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const memory = await other.memories.add(agentId, { text: "seen by the follower" });
    await other.blocks.set(agentId, "persona", "not a memory event");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    stop("SIGINT");
    const outcome = await following;
    await other.close();
    assert.equal(outcome.code, 0, outcome.stderr);
    chunks.push(...outcome.stdout.trim().split("\n"));
    const events = chunks.map((line) => JSON.parse(line));
    assert.deepEqual(
      events.map((e) => [e.kind, e.targetId]),
      [["memory.created", memory.id]],
    );
  });
});
