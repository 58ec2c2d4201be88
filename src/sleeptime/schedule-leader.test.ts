import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Engram } from "../engram.ts";
import { freshSchemaName, postgresSkip, sharedTestPostgres } from "../store/postgres/test-server.ts";
import { createTestEngram } from "../test/index.ts";
import { type RunningScheduler, startSleeptimeScheduler } from "./scheduler.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await condition()); await sleep(10))
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
}

/** Counts the schedule ticks an engine runs. */
function countTicks(engram: Engram): { count: number } {
  const ticks = { count: 0 };
  const tick = engram.sleeptime.scheduleTick.bind(engram.sleeptime);
  engram.sleeptime.scheduleTick = (options) => {
    ticks.count++;
    return tick(options);
  };
  return ticks;
}

type Where = { path: string } | { database: string };

/** The schedule's leadership between two engines on one database of a backend. */
function scheduleAcrossServers(
  backend: string,
  options: { skip: string | false },
  database: () => Promise<{ where: Where; dispose: () => Promise<void> }>,
): void {
  describe(`the sleep-time schedule across servers on ${backend}`, options, () => {
    it("runs on the one server holding the lease, and passes on when the holder lapses or stops", async () => {
      const { where, dispose } = await database();
      const [one, two] = [0, 1].map(() => createTestEngram({ ...where, now: Date.now })) as [Engram, Engram];
      const schedulers: RunningScheduler[] = [];
      try {
        await one.agents.create({ name: "a" });
        // A server that died holding the schedule: nobody runs it until its lease lapses.
        const lapses = Date.now() + 300;
        assert.equal(
          await one.store.leaderLeases.claim("sleeptime.schedule", "sched_dead", Date.now(), lapses),
          true,
        );
        const ticks = [countTicks(one), countTicks(two)];
        const timing = { intervalMs: 20, pollMs: 10, leaseMs: 2_000 };
        schedulers.push(startSleeptimeScheduler(one.sleeptime, timing));
        schedulers.push(startSleeptimeScheduler(two.sleeptime, timing));
        const [a, b] = schedulers as [RunningScheduler, RunningScheduler];
        await sleep(100);
        if (Date.now() < lapses) {
          assert.deepEqual([a.leading(), b.leading()], [false, false]);
          assert.deepEqual(
            ticks.map((t) => t.count),
            [0, 0],
          );
        }
        await until(() => a.leading() || b.leading(), "one scheduler leads");
        const [leader, other] = a.leading() ? [0, 1] : [1, 0];
        await until(() => (ticks[leader]?.count ?? 0) >= 3, "the leader ticks the schedule");
        assert.equal(ticks[other]?.count, 0, "the other server does not");
        assert.equal(schedulers[other]?.leading(), false);
        assert.equal(await one.sleeptime.scheduleHolder(), schedulers[leader]?.id);
        // A holder that stops gives the schedule up: the other takes it without waiting for a lapse.
        await schedulers[leader]?.stop();
        await until(() => schedulers[other]?.leading() === true, "the other scheduler takes over");
        await until(() => (ticks[other]?.count ?? 0) >= 1, "the new leader ticks the schedule");
        assert.equal(await two.sleeptime.scheduleHolder(), schedulers[other]?.id);
      } finally {
        await Promise.all(schedulers.map((s) => s.stop()));
        await Promise.all([one.close(), two.close()]);
        await dispose();
      }
    });
  });
}

scheduleAcrossServers("SQLite", { skip: false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "engram-leader-"));
  return {
    where: { path: join(dir, "shared.db") },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

scheduleAcrossServers("PostgreSQL", postgresSkip(), async () => {
  const server = await sharedTestPostgres();
  // One schema named in the URL, so both engines open the same one.
  const url = `${await server.createDatabase()}?schema=${freshSchemaName()}`;
  return { where: { database: url }, dispose: () => server.stop() };
});

describe("the sleep-time scheduler's lease", () => {
  it("refuses a lease that is not a positive whole number of ms", async () => {
    const engram = createTestEngram();
    assert.throws(
      () => startSleeptimeScheduler(engram.sleeptime, { leaseMs: 0 }),
      /leaseMs: must be a positive/,
    );
    await engram.close();
  });
});
