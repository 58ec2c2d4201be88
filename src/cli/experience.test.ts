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

const step = (observation: string, action: string, reward: number) => ({
  observation,
  availableActions: ["left", "right"],
  action,
  reward,
});

const WIN = {
  task: "reach the goal",
  steps: [step("at 0", "right", 0), step("at 1", "right", 1)],
  finalObservation: "at goal",
  success: true,
};

/** Writes an episode file in the sandbox and returns its path. */
function episodeFile(name: string, episode: unknown): string {
  const path = join(s.dir, name);
  writeFileSync(path, typeof episode === "string" ? episode : JSON.stringify(episode));
  return path;
}

describe("engram episode", () => {
  it("records an episode from a file, lists and shows it", async () => {
    const episode = await s.ok(["episode", "record", "helper", "--file", episodeFile("win.json", WIN)]);
    assert.match(episode.id, /^epi_/);
    assert.equal(episode.status, "finished");
    assert.equal(episode.totalReward, 1);
    assert.equal(episode.success, true);
    assert.equal(episode.steps.length, 2);

    const loss = await s.ok([
      "episode",
      "record",
      "helper",
      "--file",
      episodeFile("loss.json", { task: "another task", steps: [step("at 0", "left", -1)] }),
    ]);

    const listed = (await s.ok(["episode", "list", "helper"])).items;
    assert.deepEqual(
      listed.map((e: { id: string }) => e.id),
      [loss.id, episode.id],
    );
    assert.equal(listed[1].stepCount, 2);
    const byTask = (await s.ok(["episode", "list", "helper", "--task", "reach the goal"])).items;
    assert.deepEqual(
      byTask.map((e: { id: string }) => e.id),
      [episode.id],
    );
    const page = await s.cli(["episode", "list", "helper", "--limit", "1"]);
    assert.equal(page.code, 0);
    assert.match(page.stdout, /^ID +STATUS +STEPS +RETURN +SUCCESS +CREATED +TASK\n/);
    assert.match(page.stderr, /^more: --cursor epi_/);
    const cursor = (/--cursor (\S+)/.exec(page.stderr) as RegExpExecArray)[1] as string;
    const next = (await s.ok(["episode", "list", "helper", "--limit", "1", "--cursor", cursor])).items;
    assert.deepEqual(
      next.map((e: { id: string }) => e.id),
      [episode.id],
    );

    assert.deepEqual(await s.ok(["episode", "show", "helper", episode.id]), episode);
    const shown = await s.cli(["episode", "show", "helper", episode.id]);
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /^id +epi_/);
    assert.match(shown.stdout, /\nsuccess +yes\n/);
    assert.match(shown.stdout, /\nSTEP +ACTION +REWARD +OBSERVATION\n0 +right +0 +at 0\n1 +right +1 +at 1\n/);
  });

  it("reads the episode from stdin with --file -", async () => {
    const out = await s.cli(["episode", "record", "helper", "--file", "-", "--json"], {
      stdin: JSON.stringify(WIN),
    });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.json().task, "reach the goal");
  });

  it("refuses bad episodes, naming the file and the field, and records nothing", async () => {
    const bad = episodeFile("bad.json", { ...WIN, steps: [step("at 0", "jump", 0)] });
    const out = await s.cli(["episode", "record", "helper", "--file", bad, "--json"]);
    assert.equal(out.code, 1);
    assert.equal(out.json().error.code, "invalid_input");
    assert.match(
      out.json().error.message,
      /^invalid episode file .*bad\.json: steps\.0\.action: must be one of/,
    );

    const reward = episodeFile("reward.json", {
      ...WIN,
      steps: [{ ...step("at 0", "left", 0), reward: "a lot" }],
    });
    const human = await s.cli(["episode", "record", "helper", "--file", reward]);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /steps\.0\.reward: must be a finite number/);

    const malformed = await s.cli([
      "episode",
      "record",
      "helper",
      "--file",
      episodeFile("m.json", "{"),
      "--json",
    ]);
    assert.deepEqual([malformed.code, malformed.json().error.code], [1, "invalid_input"]);
    assert.match(malformed.json().error.message, /episode file .*m\.json is not valid JSON/);

    const missing = await s.cli(["episode", "record", "helper", "--json"]);
    assert.deepEqual([missing.code, missing.json().error.code], [2, "usage"]);
    const ghost = await s.cli(["episode", "record", "ghost", "--file", episodeFile("w.json", WIN), "--json"]);
    assert.deepEqual([ghost.code, ghost.json().error.code], [1, "not_found"]);
    const unknown = await s.cli(["episode", "show", "helper", "epi_00000000000000000000000000", "--json"]);
    assert.deepEqual([unknown.code, unknown.json().error.code], [1, "not_found"]);

    assert.deepEqual((await s.ok(["episode", "list", "helper"])).items, []);
    assert.deepEqual((await s.ok(["experience", "list", "helper"])).items, []);
  });
});

describe("engram advise and engram experience list", () => {
  beforeEach(async () => {
    await s.ok(["episode", "record", "helper", "--file", episodeFile("win.json", WIN)]);
    await s.ok([
      "episode",
      "record",
      "helper",
      "--file",
      episodeFile("loss.json", { task: "reach the goal", steps: [step("at 0", "left", -1)] }),
    ]);
  });

  it("lists the experience records", async () => {
    const records = (await s.ok(["experience", "list", "helper"])).items;
    assert.deepEqual(records.map((r: { observation: string }) => r.observation).sort(), ["at 0", "at 1"]);
    const out = await s.cli(["experience", "list", "helper"]);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /^ID +VISITS +BEST ACTION +Q +TASK +OBSERVATION\n/);
    assert.match(out.stdout, /exp_\S+ +2 +right +0 +reach the goal +at 0\n/);
  });

  it("prints Rememberer's text, or the Advice object with --json", async () => {
    const args = ["advise", "helper", "--task", "reach the goal", "--observation", "at 0"];
    const out = await s.cli([...args, "--action", "left", "--action", "right", "--k", "1"]);
    assert.equal(out.code, 0, out.stderr);
    // right is worth 0 there (explored), left −1 (discouraged).
    assert.equal(
      out.stdout,
      "Task: reach the goal\nObservation: at 0\nEncouraged:\nright -> 0\nDiscouraged:\nleft -> -1\n",
    );
    const advice = await s.ok([...args, "--k", "2", "--exploration", "none"]);
    assert.deepEqual(Object.keys(advice).sort(), ["items", "text"]);
    assert.equal(advice.items.length, 2);
    assert.equal(advice.items[0].observation, "at 0");
    assert.deepEqual(
      advice.items[0].discouraged.map((d: { action: string }) => d.action),
      ["left"],
    );
    assert.match(advice.text, /^Task: reach the goal\nObservation: at 0\n/);
  });

  it("says so when there is no experience to advise from", async () => {
    await s.ok(["agent", "create", "--name", "novice"]);
    const out = await s.cli(["advise", "novice", "--task", "t", "--observation", "o"]);
    assert.equal(out.code, 0);
    assert.equal(out.stdout, "no advice: the agent has no experience records yet\n");
    assert.deepEqual(await s.ok(["advise", "novice", "--task", "t", "--observation", "o"]), {
      items: [],
      text: "",
    });
  });

  it("refuses a bad command line with exit 2", async () => {
    for (const argv of [
      ["advise", "helper", "--observation", "o"],
      ["advise", "helper", "--task", "t"],
      ["advise", "helper", "--task", "t", "--observation", "o", "--k", "many"],
      ["advise", "helper", "--task", "t", "--observation", "o", "--exploration", "random"],
    ]) {
      const out = await s.cli([...argv, "--json"]);
      assert.deepEqual([out.code, out.json().error.code], [2, "usage"], argv.join(" "));
    }
    const k = await s.cli(["advise", "helper", "--task", "t", "--observation", "o", "--k", "0", "--json"]);
    assert.deepEqual([k.code, k.json().error.code], [1, "invalid_input"]);
  });
});
