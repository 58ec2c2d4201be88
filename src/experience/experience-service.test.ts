import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConflictError, InvalidInputError, NotFoundError } from "../core/errors.ts";
import { createIdGenerator } from "../core/ids.ts";
import type { ExperienceRecord } from "../core/types.ts";
import { createEngram } from "../engram.ts";
import { createHashEmbedder } from "../models/hash-embedder.ts";
import type { ExperienceOptions } from "./experience-table.ts";
import { EXPERIENCE_DEFAULTS, ExperienceTable } from "./experience-table.ts";

function engramWith(options: Partial<ExperienceOptions> = {}) {
  let time = Date.UTC(2026, 0, 1);
  const now = () => time++;
  return createEngram({ path: ":memory:", now, generateId: createIdGenerator(now), experience: options });
}

const step = (observation: string, action: string, reward: number, actions = ["a", "b", "c"]) => ({
  observation,
  availableActions: actions,
  action,
  reward,
});

const q = (records: ExperienceRecord[], observation: string, action: string) =>
  records.find((r) => r.observation === observation)?.actions.find((a) => a.action === action);

describe("experience memory: the update rule", () => {
  it("1-step, γ = 1, α = 1/N: matches values computed by hand over two episodes", async () => {
    const engram = engramWith();
    const agent = await engram.agents.create({ name: "a" });
    const episode = { task: "T", steps: [step("o1", "a", 0), step("o2", "b", 1)] };
    await engram.experience.recordEpisode(agent.id, episode);
    let records = await engram.experience.records(agent.id);
    // t=0: o2 has no record and the memory is empty: target = 0. t=1: episode end: target = r = 1.
    // Each action also counts what followed it: the next observation, or the episode's end.
    assert.deepEqual(q(records, "o1", "a"), {
      action: "a",
      q: 0,
      meanReward: 0,
      visits: 1,
      outcomes: { o2: 1 },
    });
    assert.deepEqual(q(records, "o2", "b"), { action: "b", q: 1, meanReward: 1, visits: 1, ends: 1 });
    await engram.experience.recordEpisode(agent.id, episode);
    records = await engram.experience.records(agent.id);
    // t=0: target = 0 + max Q(o2) = 1; α = 1/2: 0 + ½(1 − 0) = 0.5.
    assert.equal(q(records, "o1", "a")?.q, 0.5);
    assert.equal(q(records, "o2", "b")?.q, 1);
    assert.equal(q(records, "o2", "b")?.visits, 2);
  });

  it("plans through the counted outcomes: values computed by hand", async () => {
    const engram = engramWith({ planningPasses: 1, gamma: 0.5 });
    const agent = await engram.agents.create({ name: "a" });
    // From s, action a led once to "good" (then b paid 4) and once to "bad" (then b paid 0).
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("s", "a", 1), step("good", "b", 4)],
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("s", "a", 1), step("bad", "b", 0)],
    });
    // Cut by a time limit at "good": what followed is "good" itself, not an end.
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("good", "c", 0)],
      finalObservation: "good",
      truncated: true,
    });
    const records = await engram.experience.records(agent.id);
    assert.deepEqual(q(records, "s", "a")?.outcomes, { good: 1, bad: 1 });
    assert.equal(q(records, "good", "c")?.ends, undefined);
    assert.deepEqual(q(records, "good", "c")?.outcomes, { good: 1 });
    // Q(good,b) = 4 and Q(bad,b) = 0 (ends); Q(good,c) = 0 + ½·max Q(good) = 2.
    assert.equal(q(records, "good", "b")?.q, 4);
    assert.equal(q(records, "bad", "b")?.q, 0);
    assert.equal(q(records, "good", "c")?.q, 2);
    // Q(s,a) = r̄ + γ·(½·max Q(good) + ½·max Q(bad)) = 1 + ½·(½·4 + ½·0) = 2.
    assert.equal(q(records, "s", "a")?.q, 2);
    const events = await engram.events.list({ agentId: agent.id, limit: 10 });
    const recorded = events.items.filter((e) => e.kind === "episode.recorded");
    assert.ok(
      recorded.every(
        (e) => typeof (e.after as { experience: { planned: number } }).experience.planned === "number",
      ),
    );
  });

  it("does not plan unless asked: Rememberer's online updates alone", async () => {
    const engram = engramWith({ gamma: 0.5 });
    const agent = await engram.agents.create({ name: "a" });
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("s", "a", 1), step("good", "b", 4)],
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("s", "a", 1), step("bad", "b", 0)],
    });
    const records = await engram.experience.records(agent.id);
    // Online, 1-step, α = 1/N. Episode 1: "good" has no record and the memory is empty: target 1.
    // Episode 2: "bad" has no record; the most similar stored records tie, and the older one, s
    // (max Q 1), is used: target = 1 + ½·1 = 1.5, so Q = 1 + ½·(1.5 − 1) = 1.25 (planning gives 2).
    assert.equal(q(records, "s", "a")?.q, 1.25);
  });

  it("n = 2, γ = 0.5: n-step return, then truncated returns at the end", async () => {
    const engram = engramWith({ nStep: 2, gamma: 0.5 });
    const agent = await engram.agents.create({ name: "a" });
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("o1", "a", 1), step("o2", "a", 2), step("o3", "a", 3)],
    });
    const records = await engram.experience.records(agent.id);
    // t=0: G = 1 + 0.5·2 = 2, bootstrap from o3: no record yet, memory empty → 0.
    assert.equal(q(records, "o1", "a")?.q, 2);
    // t=1: truncated: 2 + 0.5·3 = 3.5. t=2: 3.
    assert.equal(q(records, "o2", "a")?.q, 3.5);
    assert.equal(q(records, "o3", "a")?.q, 3);
  });

  it("bootstraps from the most similar record when the next observation has none", async () => {
    const engram = engramWith();
    const agent = await engram.agents.create({ name: "a" });
    await engram.experience.recordEpisode(agent.id, { task: "T", steps: [step("the red door", "a", 5)] });
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("a hall", "b", 0), step("the red door opens", "a", 0)],
    });
    const records = await engram.experience.records(agent.id);
    // t=0: "the red door opens" has no record; the most similar is "the red door" (Q 5) → target 0 + 5.
    assert.equal(q(records, "a hall", "b")?.q, 5);
  });

  it("const mode moves Q by α towards the target", async () => {
    const engram = engramWith({ updateMode: "const", alpha: 0.5 });
    const agent = await engram.agents.create({ name: "a" });
    for (let i = 0; i < 2; i++)
      await engram.experience.recordEpisode(agent.id, { task: "T", steps: [step("o", "a", 4)] });
    // 0 → 2 → 3
    assert.equal(q(await engram.experience.records(agent.id), "o", "a")?.q, 3);
  });

  it("learns step by step exactly as from a whole episode", async () => {
    const whole = engramWith({ nStep: 2 });
    const stepwise = engramWith({ nStep: 2 });
    const steps = [step("o1", "a", 0), step("o2", "b", 0), step("o3", "a", 1), step("o4", "c", 2)];
    const a1 = await whole.agents.create({ name: "a" });
    await whole.experience.recordEpisode(a1.id, { task: "T", steps });
    const a2 = await stepwise.agents.create({ name: "a" });
    const episode = await stepwise.experience.startEpisode(a2.id, { task: "T" });
    for (const s of steps) await stepwise.experience.recordStep(a2.id, episode.id, s);
    const finished = await stepwise.experience.finishEpisode(a2.id, episode.id, { success: true });
    assert.equal(finished.status, "finished");
    assert.equal(finished.totalReward, 3);
    const strip = (rs: ExperienceRecord[]) =>
      rs.map((r) => [r.observation, r.actions]).sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    assert.deepEqual(
      strip(await stepwise.experience.records(a2.id)),
      strip(await whole.experience.records(a1.id)),
    );
    const stored = await stepwise.experience.getEpisode(a2.id, episode.id);
    assert.deepEqual(
      stored.steps.map((s) => s.action),
      ["a", "b", "a", "c"],
    );
  });

  it("keeps the action history of the best episode through each record", async () => {
    const engram = engramWith();
    const agent = await engram.agents.create({ name: "a" });
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("s", "a", 0), step("x", "b", 1)],
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "T",
      steps: [step("s", "c", 0), step("x", "a", 5)],
    });
    const x = (await engram.experience.records(agent.id)).find((r) => r.observation === "x");
    assert.deepEqual(x?.bestHistory, ["c"]);
    assert.equal(x?.bestReturn, 5);
  });
});

describe("experience memory: capacity", () => {
  const table = (capacity: number, actionCapacity = 20) => {
    let n = 0;
    return new ExperienceTable(
      [],
      { ...EXPERIENCE_DEFAULTS, capacity, actionCapacity },
      {
        newId: () => `exp_${++n}`,
        now: () => "2026-01-01T00:00:00.000Z",
      },
    );
  };

  it("evicts one of the most similar pair for a new record unlike any stored one", () => {
    const t = table(2);
    const a = t.obtain("T", "red apple on the table") as ExperienceRecord;
    t.update(a, "eat", 1, 1);
    t.obtain("T", "red apple on the chair");
    const c = t.obtain("T", "blue sky");
    assert.ok(c !== null);
    assert.equal(t.size, 2);
    // The less visited of the pair (the chair) went.
    assert.deepEqual(
      t
        .records()
        .map((r) => r.observation)
        .sort(),
      ["blue sky", "red apple on the table"],
    );
    assert.equal(t.changes.evicted[0]?.observation, "red apple on the chair");
  });

  it("drops a new record at least as similar to a stored one as the closest stored pair", () => {
    const t = table(2);
    t.obtain("T", "red apple on the table");
    t.obtain("T", "blue sky at noon");
    assert.equal(t.obtain("T", "red apple on the table today"), null);
    assert.equal(t.size, 2);
    assert.equal(t.changes.dropped, 1);
  });

  it("over the action cap, evicts the action with the lowest mean reward", () => {
    const t = table(10, 2);
    const r = t.obtain("T", "o") as ExperienceRecord;
    t.update(r, "x", 1, 1);
    t.update(r, "y", -1, -1);
    t.update(r, "z", 0, 0);
    assert.deepEqual(
      r.actions.map((a) => a.action),
      ["x", "z"],
    );
  });
});

describe("advice", () => {
  it("encourages the highest Q and discourages the lowest, in Rememberer's text format", async () => {
    const engram = engramWith();
    const agent = await engram.agents.create({ name: "a" });
    await engram.experience.recordEpisode(agent.id, {
      task: "find the key",
      steps: [step("dark room", "a", 1)],
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "find the key",
      steps: [step("dark room", "b", -1)],
    });
    const advice = await engram.experience.advise(agent.id, {
      task: "find the key",
      observation: "dark room",
      availableActions: ["a", "b", "c"],
      k: 1,
    });
    assert.equal(advice.items[0]?.similarity, 1);
    assert.deepEqual(advice.items[0]?.encouraged, [{ action: "a", q: 1, exploratory: false }]);
    assert.deepEqual(advice.items[0]?.discouraged, [{ action: "b", q: -1 }]);
    assert.equal(
      advice.text,
      "Task: find the key\nObservation: dark room\nEncouraged:\na -> 1\nDiscouraged:\nb -> -1",
    );
  });

  it("suggests an untried action when no Q is positive", async () => {
    const engram = engramWith();
    const agent = await engram.agents.create({ name: "a" });
    await engram.experience.recordEpisode(agent.id, { task: "T", steps: [step("o", "a", -1)] });
    const advice = await engram.experience.advise(agent.id, {
      task: "T",
      observation: "o",
      availableActions: ["a", "b"],
    });
    assert.deepEqual(advice.items[0]?.encouraged, [{ action: "b", q: 0, exploratory: true }]);
    const none = await engram.experience.advise(agent.id, {
      task: "T",
      observation: "o",
      exploration: "none",
    });
    assert.deepEqual(none.items[0]?.encouraged, []);
  });
});

describe("episodes: bad input", () => {
  it("rejects bad steps and episodes with a clear error, storing nothing", async () => {
    const engram = engramWith();
    const agent = await engram.agents.create({ name: "a" });
    await assert.rejects(
      engram.experience.recordEpisode(agent.id, { task: "T", steps: [step("o", "z", 0)] }),
      /steps\.0\.action: must be one of availableActions/,
    );
    await assert.rejects(
      engram.experience.recordEpisode(agent.id, { task: "T", steps: [step("o", "a", Number.NaN)] }),
      /reward: must be a finite number/,
    );
    await assert.rejects(
      engram.experience.recordEpisode(agent.id, {
        task: "T",
        steps: [step("o", "a", Number.POSITIVE_INFINITY)],
      }),
      InvalidInputError,
    );
    await assert.rejects(engram.experience.recordEpisode(agent.id, { task: "", steps: [] }), /task/);
    await assert.rejects(
      engram.experience.recordEpisode("agt_00000000000000000000000000", {
        task: "T",
        steps: [step("o", "a", 0)],
      }),
      NotFoundError,
    );
    const episode = await engram.experience.startEpisode(agent.id, { task: "T" });
    await engram.experience.recordStep(agent.id, episode.id, step("o", "a", 1));
    await engram.experience.finishEpisode(agent.id, episode.id);
    await assert.rejects(
      engram.experience.recordStep(agent.id, episode.id, step("o", "a", 1)),
      ConflictError,
    );
    await assert.rejects(
      engram.experience.recordStep(agent.id, "epi_missing", step("o", "a", 1)),
      NotFoundError,
    );
    assert.equal((await engram.experience.listEpisodes(agent.id)).items.length, 1);
    assert.equal((await engram.experience.records(agent.id)).length, 1);
    const other = await engram.agents.create({ name: "b" });
    await assert.rejects(engram.experience.getEpisode(other.id, episode.id), NotFoundError);
  });
});

describe("experience similarity with an embedding model", () => {
  it("compares records by embeddings when a model is configured", async () => {
    const embedder = createHashEmbedder(64);
    const engram = createEngram({ path: ":memory:", embedder });
    const agent = await engram.agents.create({ name: "a" });
    await engram.experience.recordEpisode(agent.id, {
      task: "open the door",
      steps: [step("dark room with a key", "a", 1)],
    });
    await engram.experience.recordEpisode(agent.id, {
      task: "open the door",
      steps: [step("bright hall", "b", 1)],
    });
    const advice = await engram.experience.advise(agent.id, {
      task: "open the door",
      observation: "a dark room, key inside",
      k: 2,
    });
    assert.equal(advice.items[0]?.observation, "dark room with a key");
    const [x, y] = await embedder.embed(["a dark room, key inside", "dark room with a key"]);
    let dot = 0;
    for (let i = 0; i < 64; i++) dot += (x?.[i] ?? 0) * (y?.[i] ?? 0);
    // w·sim_task + (1−w)·sim_obs with identical tasks: 0.5 + 0.5·cosine (the vectors are unit length).
    assert.ok(Math.abs((advice.items[0]?.similarity ?? 0) - (0.5 + 0.5 * Math.max(0, dot))) < 1e-6);
    await engram.close();
  });
});
