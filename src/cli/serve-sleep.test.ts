import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliSandbox, sandbox, serveInProcess } from "./test-harness.ts";

let s: CliSandbox;
beforeEach(async () => {
  s = sandbox();
  await s.ok(["agent", "create", "--name", "helper"]);
});
afterEach(() => s.cleanup());

interface Job {
  kind: string;
  trigger: string;
  status: string;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

/** Polls until `check` holds (the scheduler works on real timers), failing after 20 s. */
async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("engram serve --sleep-interval", () => {
  it("consolidates in every interval it sets, not once per default hour", async () => {
    for (const text of ["Ada lives in Paris", "Ada lives in Paris."])
      await s.ok(["memory", "add", "helper", text]);
    const server = serveInProcess(s, { extra: ["--sleep-interval", "1s"] });
    try {
      const url = await server.url;
      const agent = `${url}/v1/agents/helper`;
      const scheduledMerges = async () => {
        const { items } = await getJson<{ items: Job[] }>(`${agent}/jobs?kind=consolidate&status=succeeded`);
        return items.filter((job) => job.trigger === "schedule").length;
      };
      const active = async () =>
        (await getJson<{ items: { text: string }[] }>(`${agent}/memories`)).items.map((m) => m.text);

      await eventually("the first scheduled batch", scheduledMerges, (n) => n === 1);
      assert.equal((await active()).length, 1, "the first batch merged the two duplicates");

      // Added after the first batch: only a later scheduled batch can merge it.
      const added = await fetch(`${agent}/memories`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "Ada lives in Paris!" }),
      });
      assert.equal(added.status, 201);
      await eventually("a second scheduled batch", scheduledMerges, (n) => n >= 2);
      assert.equal((await active()).length, 1, "the second batch merged the late duplicate");
      const archived = await getJson<{ items: unknown[] }>(`${agent}/memories?archived=only`);
      assert.equal(archived.items.length, 2);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.doesNotMatch(server.stderr(), /sleep-time:/, "no tick failed");
  });
});
