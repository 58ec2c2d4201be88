import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { createTestEngram } from "../test/index.ts";

/** A port on 127.0.0.1 nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("sleep-time with the model's server down", () => {
  it("says the model could not be reached, as a turn does, and does not retry the jobs", async () => {
    const engram = createTestEngram({
      env: { OPENAI_COMPATIBLE_BASE_URL: `http://127.0.0.1:${await closedPort()}/v1` },
      sleeptime: { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } },
    });
    const agent = await engram.agents.create({
      name: "a",
      model: "openai-compatible:house",
      blocks: [{ label: "human", value: "Ada lives in Paris." }],
    });
    await engram.memories.add(agent.id, { text: "Ada moved to Berlin in March", importance: 0.9 });
    await engram.messages.append(agent.id, { role: "user", content: "I moved to Berlin" });

    const started = Date.now();
    const { jobs } = await engram.sleeptime.run(agent.id, { jobs: ["reflect", "rethink"], force: true });
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    assert.deepEqual(
      jobs.map((job) => [job.kind, job.status, job.attempts]),
      [
        ["reflect", "failed", 1],
        ["rethink", "failed", 1],
      ],
    );
    for (const job of jobs)
      assert.match(
        job.error?.message ?? "",
        /^sleep-time \w+: could not reach model openai-compatible:house \(after 3 attempts\): .*ECONNREFUSED.* \(check OPENAI_COMPATIBLE_BASE_URL, and that the server there is running\)$/,
      );
    await engram.close();
  });
});
